package cypher

import (
	"strings"

	"github.com/quiverdb/quiver/core/cypher/functions"
	"github.com/quiverdb/quiver/core/value"
)

// aggState accumulates one aggregate call over one group, through the
// function library's accumulators. Graph entities are exported to values
// on the way in and turned back into references on the way out.
type aggState struct {
	f    *FuncCall
	acc  functions.Accumulator
	args []value.Value // scratch: accumulators keep values, never the slice
	// holds: the accumulator keeps its inputs (collect, percentiles,
	// DISTINCT), so each one counts against the query's memory.
	holds bool
	// presence: only whether the argument is null matters (count without
	// DISTINCT), so an entity is not exported to be counted.
	presence bool
}

func newAggState(f *FuncCall) *aggState {
	acc, ok := functions.NewAccumulator(f.Name, f.Distinct)
	if !ok {
		panic("unknown aggregate " + f.Name) // the compiler checked the name
	}
	holds := f.Distinct
	name := strings.ToLower(f.Name)
	switch name {
	case "collect", "percentilecont", "percentiledisc":
		holds = true
	}
	return &aggState{f: f, acc: acc, holds: holds, presence: name == "count" && !f.Distinct}
}

func (s *aggState) add(c *execCtx, r row) error {
	if s.args == nil && len(s.f.Args) > 0 {
		s.args = make([]value.Value, len(s.f.Args))
	}
	args := s.args
	for i, a := range s.f.Args {
		v, err := c.eval(a, r)
		if err != nil {
			return err
		}
		args[i] = s.arg(c, v)
	}
	if s.holds && c.guard != nil {
		if err := c.guard.Grow(valuesBytes(args)); err != nil {
			return err
		}
	}
	return fromCyerr(s.acc.Add(args))
}

// arg is what the accumulator gets for argument value v.
func (s *aggState) arg(c *execCtx, v value.Value) value.Value {
	if s.presence {
		if v == nil {
			return nil
		}
		return true
	}
	return c.exportShallow(v)
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
	slots  []int // the items' slots
	groups []int // indexes of grouping items
	aggs   []*FuncCall
	out    []row
	done   bool
	// volatile: the input may reuse its rows, so a group keeps a copy of
	// its first row.
	volatile bool
	// The groups so far, kept across a Step that ends inside the input
	// (a pipelined write below yields between the rows it hands up).
	tab   keyTable[*group]
	order []*group
	key   value.List // scratch
}

type group struct {
	key    value.List
	rep    row
	owned  bool // rep is the group's own copy, which finish may fill in
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
		// A write below that yields (errYield, Result.Step) leaves the
		// groups so far in o.tab and o.order, and the next step goes on.
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
	if s, keys, args := o.fusedScan(c); s != nil {
		order, err := o.runFused(c, s, keys, args)
		if err != nil {
			return err
		}
		return o.finish(c, order)
	}
	order, err := o.group(c)
	if err != nil {
		return err
	}
	return o.finish(c, order)
}

// group pulls every input row into its group.
func (o *aggOp) group(c *execCtx) ([]*group, error) {
	if o.key == nil {
		o.key = make(value.List, len(o.groups))
	}
	key, volatile := o.key, o.volatile
	for {
		r, err := o.in.next(c)
		if err != nil {
			return nil, err
		}
		if r == nil {
			break
		}
		if err := c.guard.Tick(); err != nil {
			return nil, err
		}
		// The key is built in a scratch buffer; only a new group copies
		// it, so a row of an existing group allocates nothing here.
		for i, gi := range o.groups {
			if key[i], err = c.eval(o.items[gi].Expr, r); err != nil {
				return nil, err
			}
		}
		g, ok := o.tab.get(key)
		if !ok {
			rep := r
			if volatile {
				rep = r.clone()
			}
			if err := c.guard.Grow(rowBytes(rep) + 2*valuesBytes(key) + 64*int64(1+len(o.aggs))); err != nil {
				return nil, err
			}
			g = &group{key: append(value.List(nil), key...), rep: rep, owned: volatile, states: o.newStates()}
			o.tab.put(key, g)
			o.order = append(o.order, g)
		}
		for _, s := range g.states {
			if err := s.add(c, r); err != nil {
				return nil, err
			}
		}
	}
	order := o.order
	o.tab, o.order = keyTable[*group]{}, nil
	return order, nil
}

// finish computes each group's output row.
func (o *aggOp) finish(c *execCtx, order []*group) error {
	if len(order) == 0 && len(o.groups) == 0 {
		order = append(order, &group{rep: c.lay.newRow(), owned: true, states: o.newStates()})
	}
	vals := make([]value.Value, len(o.items))
	for _, g := range order {
		out := g.rep
		if !g.owned {
			out = out.clone()
		}
		for i, s := range g.states {
			v, err := s.result()
			if err != nil {
				return err
			}
			out[o.aggs[i].aggSlot-1] = v
		}
		// Every item reads the group's input row before any item is bound
		// in it: an item may be named as a variable another item reads
		// (RETURN a.n AS a, a.n + count(*) AS s).
		for i, it := range o.items {
			if gi := indexOf(o.groups, i); gi >= 0 {
				vals[i] = g.key[gi]
				continue
			}
			v, err := c.eval(it.Expr, out)
			if err != nil {
				return err
			}
			vals[i] = v
		}
		for i, v := range vals {
			out[o.slots[i]] = v
		}
		o.out = append(o.out, out)
	}
	return nil
}

func indexOf(xs []int, x int) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}
