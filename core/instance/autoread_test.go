package instance

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/quiverdb/quiver/core/value"
)

// TestAutoReadsReuseTheirMemory: a session's auto-commit reads run in the
// memory of its previous one (transaction, registry entry, snapshot), and
// each is still its own transaction: SHOW TRANSACTIONS lists it under a
// new id, TERMINATE of that id stops it, the id of an earlier read stops
// nothing later, and nothing stays registered.
func TestAutoReadsReuseTheirMemory(t *testing.T) {
	w := newWorld(21)
	in := readyInstance(t, w, Config{})
	a, b := w.client(t, in), w.client(t, in)
	const q = "UNWIND range(1, 1000) AS i RETURN i"
	start := func() *Result {
		t.Helper()
		r, ok, err := a.s.RunRead(q, nil, TxMeta{})
		if !ok || err != nil {
			t.Fatalf("RunRead: %v %v", ok, err)
		}
		return r
	}
	listed := func() string {
		t.Helper()
		rows, _ := b.must("SHOW TRANSACTIONS")
		if len(rows) != 1 || !cmp.Equal(rows[0][2], value.List{q}) {
			t.Fatalf("SHOW TRANSACTIONS: %v", rows)
		}
		return rows[0][1].(string)
	}
	r := start()
	first := listed()
	spare := a.s.spare
	if rows, more, err := r.PullRead(-1); err != nil || more || len(rows) != 1000 {
		t.Fatalf("first read: %d rows, more %v, %v", len(rows), more, err)
	}
	r = start()
	if a.s.spare != spare {
		t.Fatal("the second read did not reuse the first one's memory")
	}
	second := listed()
	if second == first {
		t.Fatalf("two reads share the id %s", first)
	}
	rows, _, err := b.run("TERMINATE TRANSACTIONS $old, $cur", value.Map{"old": first, "cur": second}, TxMeta{})
	if err != nil || !cmp.Equal(rows, [][]value.Value{{first, false}, {second, true}}) {
		t.Fatalf("TERMINATE: %v %v", rows, err)
	}
	if _, _, err := r.PullRead(-1); code(err) != CodeTerminated {
		t.Fatalf("a terminated read went on: %v", err)
	}
	r = start()
	if a.s.spare != spare {
		t.Fatal("the read after a terminated one did not reuse its memory")
	}
	third := listed()
	if rows, _, err := b.run("TERMINATE TRANSACTIONS $id", value.Map{"id": second}, TxMeta{}); err != nil || !cmp.Equal(rows, [][]value.Value{{second, false}}) {
		t.Fatalf("TERMINATE of an ended read: %v %v", rows, err)
	}
	if rows, _, err := r.PullRead(-1); err != nil || len(rows) != 1000 {
		t.Fatalf("the read after a terminated one (%s): %d rows, %v", third, len(rows), err)
	}
	if rows := in.txs.show(); len(rows) != 0 {
		t.Fatalf("transactions left registered: %v", rows)
	}
}
