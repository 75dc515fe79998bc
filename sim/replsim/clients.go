package replsim

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/quiverdb/quiver/core/instance"
	"github.com/quiverdb/quiver/sim/check"
)

// op is one register operation on MAIN and what its client learned.
type op struct {
	term    int // the MAIN term it ran in (recorder.terms)
	lineage int // its MAIN's lineage: terms not separated by a failover
	reg     check.RegOp
	done    bool
}

// client issues register operations on the current MAIN, one at a time.
type client struct {
	r      *run
	id     int
	stopAt time.Duration
	sess   *instance.Session
	host   int    // the host sess is on
	inc    uint32 // that host's incarnation
	cur    *op
	writes int64
	last   map[string]int64
}

// reader reads registers on one replica host, one read at a time.
type reader struct {
	r      *run
	host   int
	stopAt time.Duration
	sess   *instance.Session
	inc    uint32
	busy   bool // a read is in flight on incarnation inc
}

// startClients starts 1-3 clients on MAIN and a reader on every host.
func (r *run) startClients(stopAt time.Duration) {
	rng := r.w.Rand()
	for i := range 1 + rng.IntN(3) {
		c := &client{r: r, id: i, stopAt: stopAt, last: map[string]int64{}}
		r.clients = append(r.clients, c)
		c.next()
	}
	for i := range r.hosts {
		rd := &reader{r: r, host: i, stopAt: stopAt}
		r.readers = append(r.readers, rd)
		rd.next()
	}
}

func (c *client) next() {
	r := c.r
	r.w.After(time.Duration(1+r.w.Rand().IntN(8))*time.Millisecond, c.issue)
}

// value returns a value no client wrote before (the register checks rely
// on every written value being unique).
func (c *client) value() int64 {
	c.writes++
	return int64(c.id+1)*1_000_000 + c.writes
}

// issue starts one random operation on the current MAIN.
func (c *client) issue() {
	r := c.r
	if r.w.Now() >= c.stopAt || r.err != nil {
		return
	}
	if !r.serving(r.writeTo) {
		c.next()
		return
	}
	h := r.hosts[r.writeTo]
	if c.sess == nil || c.host != r.writeTo || c.inc != h.Incarnation() {
		c.sess = r.inst(r.writeTo).OpenSession(instance.SessionInfo{User: "sim", Client: fmt.Sprintf("client%d", c.id)})
		c.host, c.inc = r.writeTo, h.Incarnation()
	}
	rng := r.w.Rand()
	t := r.rec.current(c.host)
	o := &op{term: t, lineage: r.rec.terms[t].lineage, reg: check.RegOp{Client: c.id, Key: r.keys[rng.IntN(len(r.keys))], Call: int64(r.w.Now())}}
	switch k := rng.IntN(10); {
	case k < 3:
		o.reg.Kind = check.Read
	case k < 8:
		o.reg.Kind = check.Write
		o.reg.Value = c.value()
	default:
		o.reg.Kind = check.CAS
		o.reg.Old = c.last[o.reg.Key]
		if rng.IntN(4) == 0 {
			o.reg.Old = c.value()
		}
		o.reg.Value = c.value()
	}
	c.cur = o
	r.rec.ops = append(r.rec.ops, o)
	query, params := regQuery(o.reg)
	host := c.host
	c.sess.Run(query, params, instance.TxMeta{}, func(res *instance.Result, err error) {
		if err != nil {
			c.finish(o, host, nil, instance.Summary{}, err)
			return
		}
		res.Pull(-1, func(rows [][]any, more bool, err error) {
			if err != nil || !more {
				c.finish(o, host, rows, res.Summary(), err)
			}
		})
	})
}

func regQuery(o check.RegOp) (string, map[string]any) {
	switch o.Kind {
	case check.Read:
		return qRead, map[string]any{"k": o.Key}
	case check.Write:
		return qWrite, map[string]any{"k": o.Key, "v": o.Value}
	}
	return qCAS, map[string]any{"k": o.Key, "old": o.Old, "new": o.Value}
}

// finish records what the client learned of o.
func (c *client) finish(o *op, host int, rows [][]any, sum instance.Summary, err error) {
	r := c.r
	if o.done {
		return
	}
	o.done, o.reg.Return = true, int64(r.w.Now())
	if c.cur == o {
		c.cur = nil
	}
	defer c.next()
	switch {
	case err == nil:
		c.succeed(o, host, rows, sum)
	case instance.Retryable(err):
		o.reg.Outcome = check.Failed
		r.stats.conflicts++
		if host != r.main || r.rec.fenced(host) {
			r.stats.fenced++
		}
	default:
		o.reg.Outcome = check.Unknown
	}
}

// succeed interprets the rows of a completed operation and records an
// acknowledged write.
func (c *client) succeed(o *op, host int, rows [][]any, sum instance.Summary) {
	r := c.r
	o.reg.Outcome = check.OK
	one := func() (int64, bool) {
		if len(rows) != 1 || len(rows[0]) != 1 {
			r.fail("%v returned %v, want one row with one value", o.reg, rows)
			return 0, false
		}
		v, ok := rows[0][0].(int64)
		if !ok {
			r.fail("%v returned %v (%T), want an integer", o.reg, rows[0][0], rows[0][0])
		}
		return v, ok
	}
	wrote := false
	switch o.reg.Kind {
	case check.Read:
		if v, ok := one(); ok {
			o.reg.Got, c.last[o.reg.Key] = v, v
		}
	case check.Write:
		wrote, c.last[o.reg.Key] = true, o.reg.Value
	case check.CAS:
		if n, ok := one(); ok {
			o.reg.Swapped = n == 1
			if o.reg.Swapped {
				wrote, c.last[o.reg.Key] = true, o.reg.Value
			}
		}
	}
	if wrote {
		r.acknowledged(host, o, sum)
	}
}

// abandon marks the operations in flight on host as of unknown outcome,
// decided at the latest now (the host went away).
func (r *run) abandon(host int) {
	for _, c := range r.clients {
		if o := c.cur; o != nil && c.host == host && !o.done {
			o.done, o.reg.Outcome, o.reg.Deadline = true, check.Unknown, int64(r.w.Now())
			c.cur, c.sess = nil, nil
			c.next()
		}
	}
}

// acknowledged records an acknowledged write with what each replica held
// durably at that moment and whether a warning named it.
func (r *run) acknowledged(host int, o *op, sum instance.Summary) {
	r.stats.acked++
	ts, err := bookmarkTS(sum.Bookmark)
	if err != nil {
		r.fail("bad bookmark %q", sum.Bookmark)
		return
	}
	a := check.Ack{TS: ts, At: int64(r.w.Now()), Main: names[host]}
	modes := r.modes[host]
	for _, name := range slices.Sorted(maps.Keys(modes)) {
		i := indexOf(name)
		if r.regAt[name] > time.Duration(o.reg.Call) {
			continue // registered after the write began: its commit may not have waited for it
		}
		ar := check.AckReplica{Name: name, Mode: modes[name]}
		for _, n := range sum.Notifications {
			if strings.Contains(n.Description, name) {
				ar.Warned = true
			}
		}
		if ar.Warned {
			r.stats.warned++
		}
		ar.Durable = r.durableOn(i)
		ar.Unknown = r.inst(i) == nil && !r.rec.logKnown(i)
		a.Replicas = append(a.Replicas, ar)
		if ar.Mode != check.ModeAsync && !ar.Warned && host == r.main {
			r.rec.promise(i, ts)
		}
	}
	r.rec.acks = append(r.rec.acks, ackAt{term: o.term, ack: a})
}

func (rd *reader) next() {
	r := rd.r
	r.w.After(time.Duration(1+r.w.Rand().IntN(10))*time.Millisecond, rd.read)
}

// read reads a random register on the reader's host while it serves as a
// replica, and records what it saw against the acknowledged watermark.
func (rd *reader) read() {
	r := rd.r
	if r.w.Now() >= rd.stopAt || r.err != nil {
		return
	}
	h := r.hosts[rd.host]
	if rd.busy && rd.inc == h.Incarnation() {
		return // a read is in flight; its completion schedules the next
	}
	rd.busy = false
	if !r.replica[rd.host] || !r.serving(rd.host) {
		rd.next()
		return
	}
	if rd.sess == nil || rd.inc != h.Incarnation() {
		rd.sess = r.inst(rd.host).OpenSession(instance.SessionInfo{User: "sim", Client: "reader-" + names[rd.host]})
		rd.inc = h.Incarnation()
	}
	k := r.keys[r.w.Rand().IntN(len(r.keys))]
	rr := check.ReplicaRead{Replica: names[rd.host], Life: h.Incarnation(), Key: k, Call: int64(r.w.Now())}
	inc := rd.inc
	rd.busy = true
	rd.sess.Run(qRead, map[string]any{"k": k}, instance.TxMeta{}, func(res *instance.Result, err error) {
		if err != nil {
			rd.done(inc, rr, nil, err)
			return
		}
		res.Pull(-1, func(rows [][]any, more bool, err error) {
			if err != nil || !more {
				rd.done(inc, rr, rows, err)
			}
		})
	})
}

// done records a completed replica read.
func (rd *reader) done(inc uint32, rr check.ReplicaRead, rows [][]any, err error) {
	r := rd.r
	if inc != r.hosts[rd.host].Incarnation() || !rd.busy {
		return
	}
	rd.busy = false
	defer rd.next()
	if err != nil {
		if !instance.Retryable(err) {
			r.fail("read on replica %s: %v", rr.Replica, err)
		}
		return
	}
	if len(rows) == 0 {
		return // the register has not reached the replica yet
	}
	v, ok := rows[0][0].(int64)
	if len(rows) > 1 || !ok {
		r.fail("read on replica %s: %v", rr.Replica, rows)
		return
	}
	rr.Got, rr.Return = v, int64(r.w.Now())
	r.rec.observeWatermark()
	rr.Bound = r.rec.maxWM
	r.rec.reads = append(r.rec.reads, rr)
	r.stats.reads++
}

// durableOn is the last transaction replica host i holds durably: what it
// confirms while it is a replica, what it recovered while it restarts, and
// the end of its log while it is down (a crashed or stopped host's disk
// holds only what was synced). It never goes back within one life of the
// host's disk.
func (r *run) durableOn(i int) uint64 {
	d := &r.rec.durable[i]
	switch in := r.inst(i); {
	case in == nil:
		*d = max(*d, r.rec.logEnd(i))
	case in.IsReplica():
		*d = max(*d, in.ReplicaDurable())
	case in.Ready():
		*d = max(*d, in.Recovery().LastTS)
	}
	return *d
}

// watch samples every millisecond that no serving replica shows more than
// MAIN acknowledged, and measures ASYNC lag.
func (r *run) watch() {
	r.w.After(time.Millisecond, func() {
		if r.err != nil {
			return
		}
		r.rec.observeWatermark()
		for i := range r.hosts {
			if i == r.main || !r.replica[i] || !r.serving(i) {
				continue
			}
			r.durableOn(i)
			if v := r.inst(i).Graph().VisibleTS(); v > r.rec.maxWM && r.on("watermark") {
				r.fail("replica %s shows timestamp %d, past the acknowledged watermark %d", names[i], v, r.rec.maxWM)
			}
			r.stats.samples++
		}
		r.rec.sampleLag()
		r.watch()
	})
}
