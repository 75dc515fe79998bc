package regsim

import (
	"fmt"
	"time"

	"github.com/quiverdb/quiver/core/instance"
	"github.com/quiverdb/quiver/sim/check"
)

// op is one client operation and what the client learned of it.
type op struct {
	client   int
	kind     check.RegKind
	key      string
	val, old int64
	call     time.Duration
	ret      time.Duration
	outcome  check.Outcome // 0 while in flight
	deadline time.Duration // Unknown: the crash of the instance that ran it (0: none seen)
	got      int64
	swapped  bool
	err      error
	recorded bool // part of the history handed to the checker
}

func (o *op) desc() string {
	switch o.kind {
	case check.Read:
		return fmt.Sprintf("read(%s)", o.key)
	case check.Write:
		return fmt.Sprintf("write(%s, %d)", o.key, o.val)
	}
	return fmt.Sprintf("cas(%s, %d -> %d)", o.key, o.old, o.val)
}

func (o *op) regOp() check.RegOp {
	return check.RegOp{
		Client: o.client, Key: o.key, Kind: o.kind, Value: o.val, Old: o.old,
		Call: int64(o.call), Return: int64(o.ret), Deadline: int64(o.deadline), Outcome: o.outcome,
		Got: o.got, Swapped: o.swapped,
	}
}

// client is one simulated client: one operation at a time, on a session of
// the current instance, reconnecting after the instance went away.
type client struct {
	r      *run
	id     int
	stopAt time.Duration
	sess   *instance.Session
	inc    uint32 // the host incarnation sess belongs to
	cur    *op    // the operation in flight
	writes int64  // values written so far (each write's value is unique)
	last   map[string]int64
}

// next schedules the client's next operation after a short think time.
func (c *client) next() {
	r := c.r
	r.w.After(time.Duration(500+r.w.Rand().IntN(9500))*time.Microsecond, c.issue)
}

// issue starts one random operation, if the instance is up and ready.
func (c *client) issue() {
	r := c.r
	if r.w.Now() >= c.stopAt || r.err != nil {
		return
	}
	in := r.inst()
	if in == nil || !in.Ready() {
		c.next()
		return
	}
	if c.sess == nil || c.inc != r.h.Incarnation() {
		c.sess = in.OpenSession(instance.SessionInfo{User: "sim", Client: fmt.Sprintf("client%d", c.id)})
		c.inc = r.h.Incarnation()
	}
	if c.last == nil {
		c.last = map[string]int64{}
	}
	rng := r.w.Rand()
	o := &op{client: c.id, key: r.keys[rng.IntN(len(r.keys))], call: r.w.Now()}
	switch k := rng.IntN(10); {
	case k < 4:
		o.kind = check.Read
	case k < 7:
		o.kind = check.Write
	default:
		o.kind = check.CAS
		o.old = c.last[o.key]
		if rng.IntN(4) == 0 {
			o.old = c.value() // rarely what the register holds: a failing CAS
		}
	}
	if o.kind != check.Read {
		o.val = c.value()
	}
	c.cur = o
	r.hist = append(r.hist, o)
	query, params := o.query()
	sess := c.sess
	sess.Run(query, params, instance.TxMeta{}, func(res *instance.Result, err error) {
		if err != nil {
			c.finish(o, nil, err)
			return
		}
		res.Pull(-1, func(rows [][]any, more bool, err error) {
			if err != nil || !more {
				c.finish(o, rows, err)
			}
		})
	})
}

// value returns a value no client wrote before.
func (c *client) value() int64 {
	c.writes++
	return int64(c.id+1)*1_000_000 + c.writes
}

// query is the operation's Cypher and parameters.
func (o *op) query() (string, map[string]any) {
	switch o.kind {
	case check.Read:
		return qRead, map[string]any{"k": o.key}
	case check.Write:
		return qWrite, map[string]any{"k": o.key, "v": o.val}
	}
	return qCAS, map[string]any{"k": o.key, "old": o.old, "new": o.val}
}

// finish records the outcome of o from its final rows or error.
func (c *client) finish(o *op, rows [][]any, err error) {
	r := c.r
	if o.outcome != 0 {
		return // already decided (the connection was lost first)
	}
	o.ret, o.err = r.w.Now(), err
	if c.cur == o {
		c.cur = nil
	}
	switch {
	case err == nil:
		c.succeed(o, rows)
	case instance.Retryable(err):
		o.outcome = check.Failed
	default:
		// An "outcome unknown" error, or one that does not say: the
		// operation may or may not have taken effect. The instance is
		// likely refusing writes until it restarts (its WAL failed), so
		// the supervisor restarts it.
		o.outcome = check.Unknown
		r.undecided = append(r.undecided, o)
		r.supervise()
	}
	o.recorded = true
	c.next()
}

// succeed interprets the rows of a completed operation.
func (c *client) succeed(o *op, rows [][]any) {
	r := c.r
	o.outcome = check.OK
	r.observeVisible() // an acknowledged write is visible, and must stay
	switch o.kind {
	case check.Read:
		if len(rows) != 1 || len(rows[0]) != 1 {
			r.fail("%s returned %v, want one row with one column", o.desc(), rows)
			return
		}
		v, ok := rows[0][0].(int64)
		if !ok {
			r.fail("%s returned %v (%T), want an integer", o.desc(), rows[0][0], rows[0][0])
			return
		}
		o.got = v
		c.last[o.key] = v
	case check.Write:
		c.last[o.key] = o.val
	case check.CAS:
		if len(rows) != 1 || len(rows[0]) != 1 {
			r.fail("%s returned %v, want one row with count(r)", o.desc(), rows)
			return
		}
		n, _ := rows[0][0].(int64)
		if n != 0 && n != 1 {
			r.fail("%s counted %v registers", o.desc(), rows[0][0])
			return
		}
		o.swapped = n == 1
		if o.swapped {
			c.last[o.key] = o.val
		}
	}
}

// connectionLost ends the operation in flight with an unknown outcome: the
// instance went away before answering.
func (c *client) connectionLost() {
	c.sess = nil
	if o := c.cur; o != nil {
		c.cur = nil
		o.outcome, o.recorded, o.deadline = check.Unknown, true, c.r.w.Now()
		o.err = fmt.Errorf("connection lost at %v", c.r.w.Now())
		c.next()
	}
}

// abandon marks the operation still in flight at the end of the run as of
// unknown outcome.
func (c *client) abandon() {
	if o := c.cur; o != nil && o.outcome == 0 {
		c.cur = nil
		o.outcome, o.recorded = check.Unknown, true
	}
}
