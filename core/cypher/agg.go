package cypher

import (
	"maps"

	"github.com/quiverdb/quiver/core/cypher/functions"
	"github.com/quiverdb/quiver/core/value"
)

// aggState accumulates one aggregate call over one group, through the
// function library's accumulators. Graph entities are exported to values
// on the way in and turned back into references on the way out.
type aggState struct {
	f   *FuncCall
	acc functions.Accumulator
}

func newAggState(f *FuncCall) *aggState {
	acc, ok := functions.NewAccumulator(f.Name, f.Distinct)
	if !ok {
		panic("unknown aggregate " + f.Name) // the compiler checked the name
	}
	return &aggState{f: f, acc: acc}
}

func (s *aggState) add(c *execCtx, r row) error {
	args := make([]value.Value, len(s.f.Args))
	for i, a := range s.f.Args {
		v, err := c.eval(a, r)
		if err != nil {
			return err
		}
		args[i] = c.exportShallow(v)
	}
	return fromCyerr(s.acc.Add(args))
}

func (s *aggState) result() (value.Value, error) {
	v, err := s.acc.Result()
	if err != nil {
		return nil, fromCyerr(err)
	}
	return fromExternal(v), nil
}

// aggOp groups its input by the grouping items and computes the aggregate
// calls per group. Output rows hold the group's first input row, the
// aggregate results under hidden keys and every projected item.
type aggOp struct {
	in     op
	items  []ReturnItem
	groups []int // indexes of grouping items
	aggs   []*FuncCall
	out    []row
	st     *aggRun // grouping in progress (resumable after errYield)
	done   bool
}

// aggRun is an aggregation's grouping state while it drains its input.
type aggRun struct {
	buckets  map[string][]*group
	order    []*group
	key      value.List
	hash     []byte
	volatile bool
}

type group struct {
	key    value.List
	rep    row
	states []*aggState
}

func (o *aggOp) newStates() []*aggState {
	st := make([]*aggState, len(o.aggs))
	for i, f := range o.aggs {
		st[i] = newAggState(f)
	}
	return st
}

func (o *aggOp) next(c *execCtx) (row, error) {
	if !o.done {
		if err := o.run(c); err != nil {
			return nil, err
		}
		o.done = true
	}
	if len(o.out) == 0 {
		return nil, nil
	}
	r := o.out[0]
	o.out = o.out[1:]
	return r, nil
}

func (o *aggOp) run(c *execCtx) error {
	if o.st == nil {
		o.st = &aggRun{buckets: map[string][]*group{}, key: make(value.List, len(o.groups)), volatile: o.scanInPlace()}
	}
	st := o.st
	key, volatile := st.key, st.volatile
	for {
		r, err := o.in.next(c)
		if err != nil {
			return err
		}
		if r == nil {
			break
		}
		// The key and its hash are built in scratch buffers; only a new
		// group copies them, so a row of an existing group allocates nothing
		// here.
		for i, gi := range o.groups {
			if key[i], err = c.eval(o.items[gi].Expr, r); err != nil {
				return err
			}
		}
		st.hash = appendHashKey(st.hash[:0], key)
		bucket := st.buckets[string(st.hash)]
		var g *group
		for _, cand := range bucket {
			if equivalent(cand.key, key) {
				g = cand
				break
			}
		}
		if g == nil {
			rep := r
			if volatile {
				rep = maps.Clone(r)
			}
			g = &group{key: append(value.List(nil), key...), rep: rep, states: o.newStates()}
			st.buckets[string(st.hash)] = append(bucket, g)
			st.order = append(st.order, g)
		}
		for _, s := range g.states {
			if err := s.add(c, r); err != nil {
				return err
			}
		}
	}
	order := st.order
	o.st = nil
	if len(order) == 0 && len(o.groups) == 0 {
		order = append(order, &group{rep: row{}, states: o.newStates()})
	}
	for _, g := range order {
		out := row{}
		for k, v := range g.rep {
			out[k] = v
		}
		for i, s := range g.states {
			v, err := s.result()
			if err != nil {
				return err
			}
			out[c.aggKey[o.aggs[i]]] = v
		}
		for i, it := range o.items {
			if gi := indexOf(o.groups, i); gi >= 0 {
				out[it.Name] = g.key[gi]
				continue
			}
			v, err := c.eval(it.Expr, out)
			if err != nil {
				return err
			}
			out[it.Name] = v
		}
		o.out = append(o.out, out)
	}
	return nil
}

// scanInPlace lets a scan feeding this aggregation directly reuse its
// output row (the aggregation evaluates each row at once and clones the
// ones it keeps), and reports whether it did.
func (o *aggOp) scanInPlace() bool {
	in := o.in
	if co, ok := in.(*countOp); ok {
		in = co.in
	}
	s, ok := in.(*scanOp)
	if ok {
		s.reuse = true
	}
	return ok
}

func indexOf(xs []int, x int) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}
