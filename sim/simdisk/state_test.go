package simdisk

import (
	"testing"
	"time"
)

// TestDurableHashFollowsDurableStateOnly: what is only written does not
// change the hash; a sync, a synced difference or a durable entry does.
func TestDurableHashFollowsDurableStateOnly(t *testing.T) {
	f, s := newTestFS(1)
	empty := f.DurableHash()
	h := durableFile(t, f, s, "wal", "seg")
	withFile := f.DurableHash()
	if withFile == empty {
		t.Fatal("a durable new file did not change the hash")
	}
	must(t, h.Append([]byte("abc")))
	if f.DurableHash() != withFile {
		t.Fatal("an unsynced append changed the durable hash")
	}
	if !f.Dirty() {
		t.Fatal("Dirty is false with an unsynced append")
	}
	must(t, syncNow(t, s, h))
	synced := f.DurableHash()
	if synced == withFile || f.Dirty() {
		t.Fatalf("after sync: hash changed %v, dirty %v", synced != withFile, f.Dirty())
	}
	// The same durable state built another way hashes the same.
	g, gs := newTestFS(99)
	gh := durableFile(t, g, gs, "wal", "seg")
	must(t, gh.Append([]byte("ab")))
	must(t, gh.Append([]byte("c")))
	must(t, syncNow(t, gs, gh))
	must(t, gh.Append([]byte("cache only")))
	if g.DurableHash() != synced {
		t.Fatal("equal durable states hash differently")
	}
	// One synced byte differs: the hash differs.
	must(t, g.FlipBit("wal/seg", 1))
	if g.DurableHash() == synced {
		t.Fatal("a flipped synced byte did not change the hash")
	}
}

// TestSyncsInFlightAndOnSync: the hook sees each sync's latency, and the
// count follows starts, completions and crashes.
func TestSyncsInFlightAndOnSync(t *testing.T) {
	f, s := newTestFS(2)
	h := durableFile(t, f, s, "wal", "seg")
	var seen []time.Duration
	f.OnSync(func(d time.Duration) { seen = append(seen, d) })
	must(t, h.Append([]byte("x")))
	h.Sync(func(error) {})
	f.SyncDir("wal", func(error) {})
	if f.SyncsInFlight() != 2 || len(seen) != 2 || seen[0] <= 0 {
		t.Fatalf("in flight %d, hook saw %v", f.SyncsInFlight(), seen)
	}
	s.runAll()
	if f.SyncsInFlight() != 0 {
		t.Fatalf("after completion: %d in flight", f.SyncsInFlight())
	}
	h.Sync(func(error) {})
	f.Crash(false)
	s.runAll()
	if f.SyncsInFlight() != 0 {
		t.Fatalf("after a crash: %d in flight", f.SyncsInFlight())
	}
}
