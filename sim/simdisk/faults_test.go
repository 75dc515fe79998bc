package simdisk

import (
	"errors"
	"math/bits"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"
)

func TestFailNextWrite(t *testing.T) {
	f, s := newTestFS(20)
	h := durableFile(t, f, s, "d", "f")
	boom := errors.New("boom")
	f.FailNextWrite(boom)
	if err := h.Append([]byte("lost")); !errors.Is(err, boom) {
		t.Fatalf("append: %v, want boom", err)
	}
	if h.Size() != 0 {
		t.Fatalf("failed append wrote %d bytes", h.Size())
	}
	must(t, h.Append([]byte("ok")))
	if got := content(t, f, "d/f"); got != "ok" {
		t.Fatalf("content %q", got)
	}
	if n := f.Faults().FailedWrites; n != 1 {
		t.Fatalf("FailedWrites %d", n)
	}
}

func TestFailNextSync(t *testing.T) {
	f, s := newTestFS(21)
	h := durableFile(t, f, s, "d", "f")
	must(t, h.Append([]byte("data")))
	boom := errors.New("eio")
	f.FailNextSync(boom)
	if err := syncNow(t, s, h); !errors.Is(err, boom) {
		t.Fatalf("sync: %v, want eio", err)
	}
	f.Crash(false)
	if got := content(t, f, "d/f"); got != "" {
		t.Fatalf("failed sync made data durable: %q", got)
	}
	h2, err := f.Open("d/f")
	must(t, err)
	must(t, h2.Append([]byte("again")))
	must(t, syncNow(t, s, h2))
	f.Crash(false)
	if got := content(t, f, "d/f"); got != "again" {
		t.Fatalf("sync after the failed one: %q", got)
	}
	if n := f.Faults().FailedSyncs; n != 1 {
		t.Fatalf("FailedSyncs %d", n)
	}
}

func TestFailNextSyncAppliesToSyncDir(t *testing.T) {
	f, s := newTestFS(22)
	must(t, f.MkdirAll("d"))
	_, err := f.Create("d/f")
	must(t, err)
	boom := errors.New("eio")
	f.FailNextSync(boom)
	if err := syncDirNow(t, f, s, "d"); !errors.Is(err, boom) {
		t.Fatalf("syncdir: %v", err)
	}
	f.Crash(false)
	if names, _ := f.List("d"); len(names) != 0 {
		t.Fatalf("failed SyncDir made entries durable: %v", names)
	}
}

func TestSlowSync(t *testing.T) {
	f, s := newTestFS(23)
	f.SetSyncLatency(Uniform(time.Millisecond, time.Millisecond))
	h := durableFile(t, f, s, "d", "f")
	f.SlowSync(time.Second)
	start := s.now
	must(t, syncNow(t, s, h))
	if d := s.now - start; d != time.Second+time.Millisecond {
		t.Fatalf("slowed sync took %v", d)
	}
	f.SlowSync(0)
	start = s.now
	must(t, syncNow(t, s, h))
	if d := s.now - start; d != time.Millisecond {
		t.Fatalf("sync after SlowSync(0) took %v", d)
	}
	if n := f.Faults().SlowedSyncs; n != 1 {
		t.Fatalf("SlowedSyncs %d", n)
	}
}

func TestSetFull(t *testing.T) {
	f, s := newTestFS(24)
	h := durableFile(t, f, s, "d", "f")
	must(t, h.Append([]byte("a")))
	f.SetFull(true)
	for range 3 {
		err := h.Append([]byte("b"))
		if !errors.Is(err, ErrFull) || !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("append on full disk: %v", err)
		}
	}
	if got := content(t, f, "d/f"); got != "a" {
		t.Fatalf("full disk accepted data: %q", got)
	}
	f.SetFull(false)
	must(t, h.Append([]byte("c")))
	if n := f.Faults().FullRejections; n != 3 {
		t.Fatalf("FullRejections %d", n)
	}
}

func TestFlipBitsOnReadAlways(t *testing.T) {
	f, s := newTestFS(25)
	h := durableFile(t, f, s, "d", "f")
	orig := []byte("the quick brown fox")
	must(t, h.Append(orig))
	f.FlipBitsOnRead(1)
	for range 10 {
		got, err := f.ReadFile("d/f")
		must(t, err)
		if d := bitDiff(orig, got); d != 1 {
			t.Fatalf("read differs in %d bits, want 1", d)
		}
		p := make([]byte, len(orig))
		_, err = h.ReadAt(p, 0)
		must(t, err)
		if d := bitDiff(orig, p); d != 1 {
			t.Fatalf("ReadAt differs in %d bits, want 1", d)
		}
	}
	f.FlipBitsOnRead(0)
	if got := content(t, f, "d/f"); got != string(orig) {
		t.Fatalf("read flips changed stored data: %q", got)
	}
	if n := f.Faults().ReadFlips; n != 20 {
		t.Fatalf("ReadFlips %d", n)
	}
}

func TestFlipBitsOnReadProbability(t *testing.T) {
	f, s := newTestFS(26)
	h := durableFile(t, f, s, "d", "f")
	must(t, h.Append([]byte("x")))
	f.FlipBitsOnRead(0.25)
	flipped := 0
	for range 2000 {
		if content(t, f, "d/f") != "x" {
			flipped++
		}
	}
	if flipped < 400 || flipped > 600 || flipped != f.Faults().ReadFlips {
		t.Fatalf("%d of 2000 reads flipped (counter %d), want about 500", flipped, f.Faults().ReadFlips)
	}
}

func TestFlipBitSurvivesCrash(t *testing.T) {
	f, s := newTestFS(27)
	h := durableFile(t, f, s, "d", "f")
	must(t, h.Append([]byte{0x10, 0x20, 0x30}))
	must(t, syncNow(t, s, h))
	must(t, f.FlipBit("d/f", 1))
	want := string([]byte{0x10, 0x21, 0x30})
	if got := content(t, f, "d/f"); got != want {
		t.Fatalf("after flip: %x", got)
	}
	f.Crash(false)
	if got := content(t, f, "d/f"); got != want {
		t.Fatalf("flip did not survive crash: %x", got)
	}
	if n := f.Faults().BitFlips; n != 1 {
		t.Fatalf("BitFlips %d", n)
	}
}

// bitDiff counts the bits in which a and b differ; they must be as long.
func bitDiff(a, b []byte) int {
	if len(a) != len(b) {
		return -1
	}
	n := 0
	for i := range a {
		n += bits.OnesCount8(a[i] ^ b[i])
	}
	return n
}

func TestFaultsAdd(t *testing.T) {
	a := Faults{FailedWrites: 1, FailedSyncs: 2, SlowedSyncs: 3, FullRejections: 4, ReadFlips: 5,
		BitFlips: 6, Crashes: 7, TornFiles: 8, LostBytes: 9, Wipes: 10}
	want := Faults{FailedWrites: 2, FailedSyncs: 4, SlowedSyncs: 6, FullRejections: 8, ReadFlips: 10,
		BitFlips: 12, Crashes: 14, TornFiles: 16, LostBytes: 18, Wipes: 20}
	if got := a.Add(a); got != want {
		t.Fatalf("Add: %+v, want %+v", got, want)
	}
}

// syncResults are the two syncs' results and what survived the crash.
type syncResults struct {
	err1, err2 error
	survived   string
}

// twoSyncs appends "a", syncs it on h1, appends "b" and syncs on h2, with
// the first sync failing; latencies say which completes first. It returns
// both results and what survives a crash.
func twoSyncs(t *testing.T, sameHandle, firstCompletesFirst bool) syncResults {
	var err1, err2 error
	t.Helper()
	f, s := newTestFS(23)
	h1 := durableFile(t, f, s, "d", "f")
	h2 := h1
	if !sameHandle {
		var err error
		h2, err = f.Open("d/f")
		must(t, err)
	}
	lat := []time.Duration{time.Millisecond, 2 * time.Millisecond}
	if !firstCompletesFirst {
		lat[0], lat[1] = lat[1], lat[0]
	}
	f.SetSyncLatency(func(*rand.Rand) time.Duration { d := lat[0]; lat = lat[1:]; return d })
	must(t, h1.Append([]byte("a")))
	f.FailNextSync(errors.New("eio"))
	called := 0
	h1.Sync(func(err error) { err1 = err; called++ })
	must(t, h2.Append([]byte("b")))
	h2.Sync(func(err error) { err2 = err; called++ })
	s.runAll()
	if called != 2 {
		t.Fatalf("%d syncs completed, want 2", called)
	}
	f.Crash(false)
	return syncResults{err1, err2, content(t, f, "d/f")}
}

func TestFailedSyncIsReportedOncePerHandle(t *testing.T) {
	// two handles: the sync in flight on the other handle reports it too
	r := twoSyncs(t, false, true)
	if r.err1 == nil || r.err2 == nil || r.survived != "" {
		t.Fatalf("two handles: %+v; want both failed, nothing durable", r)
	}
	// one handle: the second sync completes quietly, having made nothing durable
	r = twoSyncs(t, true, true)
	if r.err1 == nil || r.err2 != nil || r.survived != "" {
		t.Fatalf("one handle: %+v; want the error once and nothing durable", r)
	}
}

func TestLaterSyncMayCompleteFirst(t *testing.T) {
	// the second sync succeeds before the first fails: it made both
	// appends durable, and the failure is still reported to the first
	r := twoSyncs(t, false, false)
	if r.err1 == nil || r.err2 != nil || r.survived != "ab" {
		t.Fatalf("%+v; want the first failed, the second durable with both", r)
	}
}
