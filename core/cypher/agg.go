package cypher

import (
	"math"
	"sort"
	"strings"

	"github.com/quiverdb/quiver/core/value"
)

// aggState accumulates one aggregate call over one group.
type aggState struct {
	f      *FuncCall
	name   string
	count  int64
	sumI   int64
	sumF   float64
	isF    bool
	best   value.Value
	vals   value.List
	seen   []value.Value
	param  value.Value
	hasArg bool
}

func (s *aggState) add(c *execCtx, r row) error {
	if s.f.Star {
		s.count++
		return nil
	}
	v, err := c.eval(s.f.Args[0], r)
	if err != nil {
		return err
	}
	if len(s.f.Args) > 1 && !s.hasArg {
		if s.param, err = c.eval(s.f.Args[1], r); err != nil {
			return err
		}
		s.hasArg = true
	}
	if v == nil {
		return nil
	}
	if s.f.Distinct {
		for _, p := range s.seen {
			if equivalent(p, v) {
				return nil
			}
		}
		s.seen = append(s.seen, v)
	}
	s.count++
	switch s.name {
	case "sum", "avg":
		if !isNumber(v) {
			return typeErr("%s() expects numbers, got %s", s.name, typeName(v))
		}
		if i, ok := v.(int64); ok && !s.isF {
			s.sumI += i
		} else {
			if !s.isF {
				s.isF, s.sumF = true, float64(s.sumI)
			}
			s.sumF += toFloat(v)
		}
	case "min":
		if s.best == nil || orderCompare(v, s.best) < 0 {
			s.best = v
		}
	case "max":
		if s.best == nil || orderCompare(v, s.best) > 0 {
			s.best = v
		}
	case "collect", "percentilecont", "percentiledisc", "stdev", "stdevp":
		if s.name != "collect" && !isNumber(v) {
			return typeErr("%s() expects numbers, got %s", s.name, typeName(v))
		}
		s.vals = append(s.vals, v)
	}
	return nil
}

func (s *aggState) result() (value.Value, error) {
	switch s.name {
	case "count":
		return s.count, nil
	case "sum":
		if s.isF {
			return s.sumF, nil
		}
		return s.sumI, nil
	case "avg":
		if s.count == 0 {
			return nil, nil
		}
		if s.isF {
			return s.sumF / float64(s.count), nil
		}
		return float64(s.sumI) / float64(s.count), nil
	case "min", "max":
		return s.best, nil
	case "collect":
		if s.vals == nil {
			return value.List{}, nil
		}
		return s.vals, nil
	case "stdev", "stdevp":
		n := float64(len(s.vals))
		if n == 0 || (s.name == "stdev" && n == 1) {
			return 0.0, nil
		}
		mean := 0.0
		for _, v := range s.vals {
			mean += toFloat(v)
		}
		mean /= n
		ss := 0.0
		for _, v := range s.vals {
			d := toFloat(v) - mean
			ss += d * d
		}
		if s.name == "stdev" {
			return math.Sqrt(ss / (n - 1)), nil
		}
		return math.Sqrt(ss / n), nil
	}
	return s.percentile()
}

func (s *aggState) percentile() (value.Value, error) {
	p, ok := s.param.(float64)
	if i, isI := s.param.(int64); isI {
		p, ok = float64(i), true
	}
	if !ok || p < 0 || p > 1 {
		return nil, runtimeErr(CodeArgumentError, "NumberOutOfRange", "percentile must be a number between 0 and 1")
	}
	if len(s.vals) == 0 {
		return nil, nil
	}
	vs := append(value.List{}, s.vals...)
	sort.SliceStable(vs, func(i, j int) bool { return orderCompare(vs[i], vs[j]) < 0 })
	n := float64(len(vs))
	if s.name == "percentiledisc" {
		idx := int(math.Ceil(p*n)) - 1
		if idx < 0 {
			idx = 0
		}
		return vs[idx], nil
	}
	pos := p * (n - 1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	f := pos - float64(lo)
	return toFloat(vs[lo])*(1-f) + toFloat(vs[hi])*f, nil
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
	done   bool
}

type group struct {
	key    value.List
	rep    row
	states []*aggState
}

func (o *aggOp) newStates() []*aggState {
	st := make([]*aggState, len(o.aggs))
	for i, f := range o.aggs {
		st[i] = &aggState{f: f, name: strings.ToLower(f.Name)}
	}
	return st
}

func (o *aggOp) next(c *execCtx) (row, error) {
	if !o.done {
		o.done = true
		if err := o.run(c); err != nil {
			return nil, err
		}
	}
	if len(o.out) == 0 {
		return nil, nil
	}
	r := o.out[0]
	o.out = o.out[1:]
	return r, nil
}

func (o *aggOp) run(c *execCtx) error {
	buckets := map[string][]*group{}
	var order []*group
	for {
		r, err := o.in.next(c)
		if err != nil {
			return err
		}
		if r == nil {
			break
		}
		key := make(value.List, len(o.groups))
		for i, gi := range o.groups {
			if key[i], err = c.eval(o.items[gi].Expr, r); err != nil {
				return err
			}
		}
		h := hashKey(key)
		var g *group
		for _, cand := range buckets[h] {
			if equivalent(cand.key, key) {
				g = cand
				break
			}
		}
		if g == nil {
			g = &group{key: key, rep: r, states: o.newStates()}
			buckets[h] = append(buckets[h], g)
			order = append(order, g)
		}
		for _, s := range g.states {
			if err := s.add(c, r); err != nil {
				return err
			}
		}
	}
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

func indexOf(xs []int, x int) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}
