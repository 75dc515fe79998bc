package bolt

import (
	"bufio"
	"bytes"
	"testing"

	"github.com/quiverdb/quiver/core/value"
)

// replyBytes is what conn sends for one reply built by f: its chunked bytes.
func replyBytes(f func(c *conn)) []byte {
	var out bytes.Buffer
	c := &conn{}
	c.w = bufio.NewWriter(&out)
	f(c)
	_ = c.w.Flush()
	return out.Bytes()
}

// generic is the reply the map-building path sends: SUCCESS with meta.
func generic(meta value.Map) []byte {
	return replyBytes(func(c *conn) { c.success(meta) })
}

// summaryMeta is the summary map successSummary encodes, built the plain
// way: the reference the direct encoding must match byte for byte.
func summaryMeta(s Summary, tLast int64, auto bool) value.Map {
	m := value.Map{"t_last": tLast}
	if s.Type != "" {
		m["type"] = s.Type
	} else {
		m["type"] = "r"
	}
	if s.DB != "" {
		m["db"] = s.DB
	}
	if s.Stats != (Stats{}) {
		if st := s.Stats.Map(); len(st) > 0 {
			m["stats"] = st
		}
	}
	if auto && s.Bookmark != "" {
		m["bookmark"] = s.Bookmark
	}
	if len(s.Notifications) > 0 {
		ns := make(value.List, len(s.Notifications))
		for i, n := range s.Notifications {
			ns[i] = n.Map()
		}
		m["notifications"] = ns
	}
	return m
}

// TestDirectRepliesMatchMaps checks that the replies encoded straight from
// their parts (RUN's and PULL's SUCCESS) are the bytes of the same
// metadata built as a map and encoded by Encoder.Map.
func TestDirectRepliesMatchMaps(t *testing.T) {
	note := Notification{Code: "Quiver.X", Title: "t", Description: "d"}
	summaries := []struct {
		s    Summary
		auto bool
	}{
		{Summary{}, true},
		{Summary{Type: "r", DB: "memgraph", Bookmark: "quiver:12"}, true},
		{Summary{Type: "r", DB: "memgraph", Bookmark: "quiver:12"}, false},
		{Summary{Type: "w", Stats: Stats{NodesCreated: 1, PropertiesSet: 300}, Bookmark: "b"}, true},
		{Summary{Type: "s", Stats: Stats{IndexesAdded: 1}, DB: "x"}, true},
		{Summary{Type: "rw", Notifications: []Notification{note, note}, DB: "memgraph", Bookmark: "b",
			Stats: Stats{RelationshipsDeleted: 70000}}, true},
	}
	for _, tc := range summaries {
		for _, tLast := range []int64{0, 5, 1 << 20} {
			got := replyBytes(func(c *conn) { c.successSummary(tc.s, tLast, tc.auto) })
			if want := generic(summaryMeta(tc.s, tLast, tc.auto)); !bytes.Equal(got, want) {
				t.Errorf("summary %+v auto %v t_last %d:\n got %x\nwant %x", tc.s, tc.auto, tLast, got, want)
			}
		}
	}
	for _, cols := range [][]string{nil, {"n"}, {"a", "b", "a long column name of more than fifteen bytes"}} {
		for _, qid := range []int64{-1, 0, 7, 300} {
			got := replyBytes(func(c *conn) { c.successRun(cols, 3, qid) })
			meta := value.Map{"fields": fieldList(cols), "t_first": int64(3)}
			if qid >= 0 {
				meta["qid"] = qid
			}
			if want := generic(meta); !bytes.Equal(got, want) {
				t.Errorf("RUN %q qid %d:\n got %x\nwant %x", cols, qid, got, want)
			}
		}
	}
	if got, want := replyBytes((*conn).successHasMore), generic(value.Map{"has_more": true}); !bytes.Equal(got, want) {
		t.Errorf("has_more: got %x, want %x", got, want)
	}
	if got, want := replyBytes((*conn).successEmpty), generic(value.Map{}); !bytes.Equal(got, want) {
		t.Errorf("empty: got %x, want %x", got, want)
	}
}
