package sim

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/quiverdb/quiver/net"
)

func TestPartitionSymmetricAndHeal(t *testing.T) {
	w, h := recWorld(t, Options{Seed: 1}, 3)
	a, b, c := rec(h[0]), rec(h[1]), rec(h[2])
	w.Partition(h[0], h[1])
	a.send(h[1].Addr(), 1)
	b.send(h[0].Addr(), 2)
	a.send(h[2].Addr(), 3)
	w.RunFor(time.Second)
	if len(b.got) != 0 || len(a.got) != 0 {
		t.Fatalf("partitioned hosts received %v and %v", a.got, b.got)
	}
	if got := c.from(h[0].Addr()); !cmp.Equal(got, []uint64{3}) {
		t.Fatalf("unpartitioned link delivered %v, want [3]", got)
	}
	if n := w.Faults()[FaultPartitionDrop]; n != 2 {
		t.Fatalf("partition drops = %d, want 2", n)
	}

	// A message in flight when the partition starts is lost too.
	w.Heal()
	a.send(h[1].Addr(), 4)
	w.Partition(h[1], h[0])
	w.RunFor(time.Second)
	if len(b.got) != 0 {
		t.Fatalf("message in flight crossed a new partition: %v", b.got)
	}

	w.Heal()
	a.send(h[1].Addr(), 5)
	b.send(h[0].Addr(), 6)
	w.RunFor(time.Second)
	if !cmp.Equal(b.from(h[0].Addr()), []uint64{5}) || !cmp.Equal(a.from(h[1].Addr()), []uint64{6}) {
		t.Fatalf("after heal: a got %v, b got %v", a.got, b.got)
	}
}

func TestPartitionOneWay(t *testing.T) {
	w, h := recWorld(t, Options{Seed: 2}, 2)
	a, b := rec(h[0]), rec(h[1])
	w.PartitionOneWay(h[0], h[1])
	for i := uint64(1); i <= 5; i++ {
		a.send(h[1].Addr(), i)
		b.send(h[0].Addr(), 10+i)
	}
	w.RunFor(time.Second)
	if len(b.got) != 0 {
		t.Fatalf("blocked direction delivered %v", b.got)
	}
	if got := a.from(h[1].Addr()); len(got) != 5 {
		t.Fatalf("open direction delivered %v, want 5 messages", got)
	}
	if !w.Blocked(h[0], h[1]) || w.Blocked(h[1], h[0]) {
		t.Fatal("Blocked does not report a one-way partition")
	}
}

func TestIsolateAndSplit(t *testing.T) {
	w, h := recWorld(t, Options{Seed: 3}, 4)
	w.Split([]*Host{h[0], h[1]}, []*Host{h[2], h[3]})
	for i, x := range h {
		for j, y := range h {
			if i == j {
				continue
			}
			rec(x).send(y.Addr(), uint64(10*i+j))
		}
	}
	w.RunFor(time.Second)
	for i, x := range h {
		for j, y := range h {
			if i == j {
				continue
			}
			same := (i < 2) == (j < 2)
			if got := len(rec(y).from(x.Addr())); (got == 1) != same {
				t.Errorf("%s -> %s delivered %d messages, same side %v", x.Addr(), y.Addr(), got, same)
			}
		}
	}
	w.Heal()
	w.Isolate(h[3])
	rec(h[0]).send(h[3].Addr(), 99)
	rec(h[3]).send(h[0].Addr(), 98)
	rec(h[0]).send(h[1].Addr(), 97)
	w.RunFor(time.Second)
	if len(rec(h[3]).from(h[0].Addr())) != 0 || len(rec(h[0]).from(h[3].Addr())) != 0 {
		t.Fatal("isolated host exchanged messages")
	}
	if got := rec(h[1]).from(h[0].Addr()); got[len(got)-1] != 97 {
		t.Fatalf("isolation cut other links: %v", got)
	}
}

func TestDropDuplicateCounted(t *testing.T) {
	w, h := recWorld(t, Options{Seed: 4, Link: LinkConfig{MinLatency: time.Millisecond, MaxLatency: time.Millisecond, Drop: 0.3, Duplicate: 0.2}}, 2)
	const sent = 2000
	for i := uint64(1); i <= sent; i++ {
		rec(h[0]).send(h[1].Addr(), i)
	}
	w.RunFor(time.Second)
	f := w.Faults()
	got := rec(h[1]).from(h[0].Addr())
	if int64(len(got)) != sent-f[FaultDrop]+f[FaultDuplicate] {
		t.Fatalf("delivered %d, want %d sent - %d dropped + %d duplicated", len(got), sent, f[FaultDrop], f[FaultDuplicate])
	}
	if f[FaultDrop] < 500 || f[FaultDrop] > 700 || f[FaultDuplicate] < 200 || f[FaultDuplicate] > 360 {
		t.Fatalf("drop %d / dup %d far from 30%% / 20%% of %d", f[FaultDrop], f[FaultDuplicate], sent)
	}
	seen := map[uint64]int{}
	for _, s := range got {
		seen[s]++
	}
	var twice int64
	for _, n := range seen {
		if n == 2 {
			twice++
		}
	}
	if missing := int64(sent - len(seen)); missing != f[FaultDrop] || twice != f[FaultDuplicate] {
		t.Fatalf("observed %d missing and %d doubled, counters say %d and %d", missing, twice, f[FaultDrop], f[FaultDuplicate])
	}
}

func TestReorderCountedAndObserved(t *testing.T) {
	cfg := LinkConfig{MinLatency: time.Millisecond, MaxLatency: time.Millisecond, Reorder: 0.3, ReorderDelay: 20 * time.Millisecond}
	w, h := recWorld(t, Options{Seed: 5, Link: cfg}, 2)
	const sent = 500
	for i := uint64(1); i <= sent; i++ {
		rec(h[0]).send(h[1].Addr(), i)
		w.RunFor(time.Millisecond)
	}
	w.RunFor(time.Second)
	got := rec(h[1]).from(h[0].Addr())
	if len(got) != sent {
		t.Fatalf("delivered %d of %d", len(got), sent)
	}
	var max, late int64
	for _, s := range got {
		if int64(s) < max {
			late++
		} else {
			max = int64(s)
		}
	}
	f := w.Faults()
	if late == 0 || late != f[FaultReorder] || f[FaultDelay] == 0 {
		t.Fatalf("observed %d late arrivals, counted %d reorders after %d delays", late, f[FaultReorder], f[FaultDelay])
	}

	// A fixed-latency link without the fault keeps order.
	w2, h2 := recWorld(t, Options{Seed: 5, Link: LinkConfig{MinLatency: time.Millisecond, MaxLatency: time.Millisecond}}, 2)
	for i := uint64(1); i <= sent; i++ {
		rec(h2[0]).send(h2[1].Addr(), i)
	}
	w2.RunFor(time.Second)
	got = rec(h2[1]).from(h2[0].Addr())
	for i, s := range got {
		if s != uint64(i+1) {
			t.Fatalf("fixed-latency link reordered: position %d holds %d", i, s)
		}
	}
	if w2.Faults()[FaultReorder] != 0 {
		t.Fatal("reorders counted on an ordered link")
	}
}

func TestClogHoldsThenReleases(t *testing.T) {
	w, h := recWorld(t, Options{Seed: 6}, 2)
	a, b := rec(h[0]), rec(h[1])
	a.send(h[1].Addr(), 1) // in flight when the clog starts
	w.Clog(h[0], h[1], 500*time.Millisecond)
	for i := uint64(2); i <= 4; i++ {
		a.send(h[1].Addr(), i)
	}
	b.send(h[0].Addr(), 9) // the other direction flows
	w.RunFor(400 * time.Millisecond)
	if len(b.got) != 0 {
		t.Fatalf("clogged link delivered %v", b.got)
	}
	if len(a.got) != 1 {
		t.Fatalf("reverse direction delivered %v", a.got)
	}
	w.RunFor(200 * time.Millisecond)
	if len(b.got) != 4 {
		t.Fatalf("after the clog, delivered %v, want 4", b.got)
	}
	for _, g := range b.got {
		if g.at < 500*time.Millisecond {
			t.Fatalf("message %d delivered at %v, during the clog", g.seq, g.at)
		}
	}
	if f := w.Faults(); f[FaultClog] != 1 || f[FaultClogHeld] != 4 {
		t.Fatalf("clog counters %v", f)
	}
}

func TestLatencyWithinBounds(t *testing.T) {
	cfg := LinkConfig{MinLatency: 2 * time.Millisecond, MaxLatency: 7 * time.Millisecond}
	w, h := recWorld(t, Options{Seed: 7, Link: cfg}, 2)
	for i := uint64(1); i <= 300; i++ {
		rec(h[0]).send(h[1].Addr(), i)
	}
	w.RunFor(time.Second)
	lo, hi := time.Hour, time.Duration(0)
	for _, g := range rec(h[1]).got {
		lo, hi = min(lo, g.at), max(hi, g.at)
	}
	if lo < cfg.MinLatency || hi > cfg.MaxLatency || hi-lo < 4*time.Millisecond {
		t.Fatalf("latencies span [%v, %v], want spread within [%v, %v]", lo, hi, cfg.MinLatency, cfg.MaxLatency)
	}
}

func TestSendToUnknownAddressVanishes(t *testing.T) {
	w, h := recWorld(t, Options{Seed: 8}, 1)
	rec(h[0]).send("nowhere:1", 1)
	w.RunFor(time.Second)
	if w.Pending() != 0 || w.Events() != 0 {
		t.Fatalf("message to nobody left %d events", w.Pending())
	}
}

func TestFilterDropsChosenMessages(t *testing.T) {
	w, h := recWorld(t, Options{Seed: 9}, 2)
	w.SetFilter(func(from, to *Host, msg net.Message) bool {
		return from == h[0] && binary.LittleEndian.Uint64(msg.Body)%2 == 0
	})
	for i := uint64(1); i <= 10; i++ {
		rec(h[0]).send(h[1].Addr(), i)
		rec(h[1]).send(h[0].Addr(), i)
	}
	w.RunFor(time.Second)
	if got := rec(h[1]).from(h[0].Addr()); !cmp.Equal(got, []uint64{1, 3, 5, 7, 9}) {
		t.Fatalf("filtered direction delivered %v", got)
	}
	if got := rec(h[0]).from(h[1].Addr()); len(got) != 10 {
		t.Fatalf("unfiltered direction delivered %v", got)
	}
	if w.Faults()[FaultDrop] != 5 {
		t.Fatalf("filter drops counted %d, want 5", w.Faults()[FaultDrop])
	}
}

func TestRunUntilTrue(t *testing.T) {
	w2, h2 := recWorld(t, Options{Seed: 10}, 2)
	for i := uint64(1); i <= 5; i++ {
		rec(h2[0]).send(h2[1].Addr(), i)
	}
	if !w2.RunUntilTrue(time.Second, func() bool { return len(rec(h2[1]).got) == 3 }) {
		t.Fatal("condition never became true")
	}
	if len(rec(h2[1]).got) != 3 || w2.Now() != rec(h2[1]).got[2].at {
		t.Fatalf("stopped with %d deliveries at %v", len(rec(h2[1]).got), w2.Now())
	}
	if w2.RunUntilTrue(time.Second, func() bool { return len(rec(h2[1]).got) == 6 }) {
		t.Fatal("impossible condition reported true")
	}
}

func TestMajorityRing(t *testing.T) {
	for _, n := range []int{5, 6, 7} {
		w, h := recWorld(t, Options{Seed: 12}, n)
		w.MajorityRing(h)
		seen := map[string]bool{}
		for i, a := range h {
			view := make([]byte, n) // the majority a is in, itself included
			reach := 1
			for j, b := range h {
				view[j] = '0'
				if i == j || !w.Blocked(a, b) {
					view[j] = '1'
				}
				if i != j && !w.Blocked(a, b) {
					reach++
				}
				if w.Blocked(a, b) != w.Blocked(b, a) {
					t.Fatalf("n=%d: ring link %d-%d is one-way", n, i, j)
				}
			}
			if reach < n/2+1 || reach == n {
				t.Fatalf("n=%d: host %d reaches %d hosts, want a majority short of all", n, i, reach)
			}
			seen[string(view)] = true
		}
		if len(seen) != n {
			t.Fatalf("n=%d: %d distinct views, want every host to see a different majority", n, len(seen))
		}
	}
}
