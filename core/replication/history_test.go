package replication

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func ep(n uint64) Epoch { return Epoch{Num: n, ID: 100 + n} }

func TestCompare(t *testing.T) {
	main := History{{ep(1), 10}, {ep(2), 10}, {ep(3), 25}, {ep(5), 40}} // epoch 2 committed nothing
	cases := []struct {
		name    string
		replica History
		want    Relation
	}{
		{"empty replica", nil, Prefix},
		{"inside the first term", History{{ep(1), 4}}, Prefix},
		{"end of the first term", History{{ep(1), 10}}, Prefix},
		{"an empty term MAIN skipped", History{{ep(1), 10}, {ep(2), 10}, {ep(3), 20}}, Prefix},
		{"an empty term MAIN does not know", History{{ep(1), 10}, {ep(4), 10}}, Prefix},
		{"caught up", main, Prefix},
		{"past MAIN's end of a term", History{{ep(1), 11}}, Diverged},
		{"short of a term, then a later one", History{{ep(1), 8}, {ep(3), 20}}, Diverged},
		{"a term MAIN does not know", History{{ep(1), 10}, {ep(4), 12}}, Diverged},
		{"same number, other id", History{{Epoch{Num: 1, ID: 9}, 5}}, Diverged},
		{"more terms than MAIN", append(main.Clone(), EpochEntry{ep(6), 41}), Diverged},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, why := Compare(main, c.replica)
			if got != c.want {
				t.Fatalf("Compare = %v (%s), want %v", got, why, c.want)
			}
			if (got == Diverged) != (why != "") {
				t.Fatalf("reason %q for %v", why, got)
			}
		})
	}
}

func TestHistoryNoteAndUpto(t *testing.T) {
	var h History
	h = h.Note(ep(1), 3)
	h = h.Note(ep(1), 5)
	h = h.Note(ep(2), 9)
	want := History{{ep(1), 5}, {ep(2), 9}}
	if d := cmp.Diff(want, h); d != "" {
		t.Fatalf("Note (-want +got):\n%s", d)
	}
	for _, c := range []struct {
		ts   uint64
		want History
	}{
		{0, nil},
		{4, History{{ep(1), 4}}},
		{5, History{{ep(1), 5}}},
		{7, History{{ep(1), 5}, {ep(2), 7}}},
		{9, want},
		{12, want},
	} {
		if d := cmp.Diff(c.want, h.Upto(c.ts)); d != "" {
			t.Errorf("Upto(%d) (-want +got):\n%s", c.ts, d)
		}
	}
	if e, ok := h.Lookup(2); !ok || e != ep(2) {
		t.Errorf("Lookup(2) = %v, %v", e, ok)
	}
	if _, ok := h.Lookup(3); ok {
		t.Error("Lookup(3) found an epoch the history lacks")
	}
}

func TestParseMode(t *testing.T) {
	for s, want := range map[string]Mode{"SYNC": Sync, "async": Async, "Strict_Sync": StrictSync} {
		if got, err := ParseMode(s); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseMode("SEMI"); err == nil {
		t.Error("ParseMode accepted SEMI")
	}
	if StrictSync.String() != "strict_sync" || Async.String() != "async" || Sync.String() != "sync" {
		t.Error("mode names differ from SHOW REPLICAS'")
	}
}
