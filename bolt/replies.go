package bolt

import "github.com/quiverdb/quiver/core/value"

// The replies every query gets (RUN's SUCCESS, PULL's SUCCESS) are encoded
// straight from their parts, with the keys in the sorted order Encoder.Map
// gives them: the same bytes as success(value.Map{...}), without building
// the map, boxing its values and sorting its keys on every request.

// successRun answers RUN: the result's fields, t_first and, inside an
// explicit transaction (qid >= 0), the result's qid.
func (c *conn) successRun(cols []string, tFirst, qid int64) {
	e := &c.enc
	e.Buf = e.Buf[:0]
	e.StructHeader(MsgSuccess, 1)
	if qid >= 0 {
		e.MapHeader(3)
	} else {
		e.MapHeader(2)
	}
	e.String("fields")
	e.ListHeader(len(cols))
	for _, col := range cols {
		e.String(col)
	}
	if qid >= 0 {
		e.String("qid")
		e.Int(qid)
	}
	e.String("t_first")
	e.Int(tFirst)
	c.queue()
}

// successHasMore answers a PULL or DISCARD that left records to pull.
func (c *conn) successHasMore() {
	e := &c.enc
	e.Buf = e.Buf[:0]
	e.StructHeader(MsgSuccess, 1)
	e.MapHeader(1)
	e.String("has_more")
	e.Bool(true)
	c.queue()
}

// successEmpty answers with SUCCESS {}.
func (c *conn) successEmpty() {
	e := &c.enc
	e.Buf = append(e.Buf[:0], 0xB1, MsgSuccess, 0xA0)
	c.queue()
}

// successSummary answers the PULL or DISCARD that ended a result with its
// summary: bookmark (auto-commit only), db, notifications, stats, t_last
// and type, those that are set.
func (c *conn) successSummary(s Summary, tLast int64, auto bool) {
	typ := s.Type
	if typ == "" {
		typ = "r"
	}
	var stats value.Map
	if s.Stats != (Stats{}) {
		stats = s.Stats.Map()
	}
	bookmark := auto && s.Bookmark != ""
	n := 2 + count(bookmark) + count(s.DB != "") + count(len(s.Notifications) > 0) + count(len(stats) > 0)
	e := &c.enc
	e.Buf = e.Buf[:0]
	e.StructHeader(MsgSuccess, 1)
	e.MapHeader(n)
	if bookmark {
		e.String("bookmark")
		e.String(s.Bookmark)
	}
	if s.DB != "" {
		e.String("db")
		e.String(s.DB)
	}
	if len(s.Notifications) > 0 {
		e.String("notifications")
		e.ListHeader(len(s.Notifications))
		for _, note := range s.Notifications {
			_ = e.Map(note.Map()) // strings only: cannot fail
		}
	}
	if len(stats) > 0 {
		e.String("stats")
		_ = e.Map(stats) // integers and booleans only: cannot fail
	}
	e.String("t_last")
	e.Int(tLast)
	e.String("type")
	e.String(typ)
	c.queue()
}

// count is 1 for true and 0 for false.
func count(b bool) int {
	if b {
		return 1
	}
	return 0
}
