package functions

import (
	"math"
	"sort"
	"strings"

	"github.com/quiverdb/quiver/core/cypher/cyerr"
	"github.com/quiverdb/quiver/core/value"
)

// Accumulator folds the rows of one group into an aggregate value. Add
// receives the evaluated arguments of one row (none for count(*)).
type Accumulator interface {
	Add(args []value.Value) error
	Result() (value.Value, error)
}

// Aggregate describes one aggregation function.
type Aggregate struct {
	// Name is the canonical spelling.
	Name string
	// MinArgs and MaxArgs bound the argument count.
	MinArgs, MaxArgs int
	new              func() Accumulator
}

func aggregates() []Aggregate {
	return []Aggregate{
		{"count", 0, 1, func() Accumulator { return &count{} }},
		{"sum", 1, 1, func() Accumulator { return &sum{} }},
		{"avg", 1, 1, func() Accumulator { return &avg{} }},
		{"min", 1, 1, func() Accumulator { return &extreme{sign: -1} }},
		{"max", 1, 1, func() Accumulator { return &extreme{sign: 1} }},
		{"collect", 1, 1, func() Accumulator { return &collect{list: value.List{}} }},
		{"stDev", 1, 1, func() Accumulator { return &stdev{sample: true} }},
		{"stDevP", 1, 1, func() Accumulator { return &stdev{} }},
		{"percentileCont", 2, 2, func() Accumulator { return &percentile{name: "percentileCont", cont: true} }},
		{"percentileDisc", 2, 2, func() Accumulator { return &percentile{name: "percentileDisc"} }},
	}
}

// aggregateIndex holds every aggregation function under its lower-case
// name; built once, never written.
var aggregateIndex = indexAggregates(aggregates())

func indexAggregates(as []Aggregate) map[string]Aggregate {
	m := make(map[string]Aggregate, len(as))
	for _, a := range as {
		m[strings.ToLower(a.Name)] = a
	}
	return m
}

// LookupAggregate finds an aggregation function by name, case-insensitively.
func LookupAggregate(name string) (Aggregate, bool) {
	a, ok := aggregateIndex[strings.ToLower(name)]
	return a, ok
}

// IsAggregate reports whether name is an aggregation function.
func IsAggregate(name string) bool {
	_, ok := LookupAggregate(name)
	return ok
}

// New returns a fresh accumulator. With distinct, a row whose first
// argument is equivalent (value.Equivalent) to an earlier row's is skipped.
func (a Aggregate) New(distinct bool) Accumulator {
	acc := a.new()
	if distinct {
		return &distinctAcc{inner: acc, seen: map[string]bool{}}
	}
	return acc
}

// NewAccumulator looks up an aggregation function and returns a fresh
// accumulator for it.
func NewAccumulator(name string, distinct bool) (Accumulator, bool) {
	a, ok := LookupAggregate(name)
	if !ok {
		return nil, false
	}
	return a.New(distinct), true
}

type distinctAcc struct {
	inner Accumulator
	seen  map[string]bool
}

func (d *distinctAcc) Add(args []value.Value) error {
	if len(args) > 0 {
		if args[0] == nil {
			return nil
		}
		k := value.Key(args[0])
		if d.seen[k] {
			return nil
		}
		d.seen[k] = true
	}
	return d.inner.Add(args)
}

func (d *distinctAcc) Result() (value.Value, error) { return d.inner.Result() }

// count counts rows (count(*), no arguments) or non-null values.
type count struct{ n int64 }

func (c *count) Add(args []value.Value) error {
	if len(args) == 0 || args[0] != nil {
		c.n++
	}
	return nil
}

func (c *count) Result() (value.Value, error) { return c.n, nil }

// AddCount counts n more rows at once, as n calls of Add with non-null
// arguments would (a scan that counts rows by column).
func (c *count) AddCount(n int64) { c.n += n }

// sum adds numbers (integer while every value is an integer and the sum
// fits) or durations; it is 0 over no values.
type sum struct {
	i       int64
	f       float64
	isFloat bool
	dur     *value.Duration
}

func (s *sum) Add(args []value.Value) error {
	switch x := args[0].(type) {
	case nil:
	case int64:
		if s.dur != nil {
			return mixedSum(x)
		}
		if s.isFloat {
			s.f += float64(x)
			return nil
		}
		r := s.i + x
		if (r > s.i) != (x > 0) {
			return cyerr.ArgumentError(cyerr.DetailNumberOutOfRange, "sum() overflows an integer")
		}
		s.i = r
	case float64:
		if s.dur != nil {
			return mixedSum(x)
		}
		if !s.isFloat {
			s.isFloat, s.f = true, float64(s.i)
		}
		s.f += x
	case value.Duration:
		if s.isFloat || s.i != 0 {
			return mixedSum(x)
		}
		if s.dur == nil {
			s.dur = &value.Duration{}
		}
		*s.dur = addDurations(*s.dur, x)
	default:
		return badArg("sum", x)
	}
	return nil
}

func mixedSum(v value.Value) error {
	return cyerr.TypeError(cyerr.DetailInvalidArgumentType, "sum() cannot mix durations and numbers (%s)", typeName(v))
}

func addDurations(a, b value.Duration) value.Duration {
	out := value.Duration{Months: a.Months + b.Months, Days: a.Days + b.Days, Seconds: a.Seconds + b.Seconds}
	nanos := int64(a.Nanos) + int64(b.Nanos)
	out.Seconds += nanos / 1e9
	out.Nanos = int32(nanos % 1e9)
	return out
}

func (s *sum) Result() (value.Value, error) {
	switch {
	case s.dur != nil:
		return *s.dur, nil
	case s.isFloat:
		return s.f, nil
	}
	return s.i, nil
}

// avg is the mean of numbers as a float, null over no values.
type avg struct {
	n    int64
	mean float64
}

func (a *avg) Add(args []value.Value) error {
	if args[0] == nil {
		return nil
	}
	x, err := toF("avg", args[0])
	if err != nil {
		return err
	}
	a.n++
	// Incremental mean: no overflow for large sums.
	a.mean += (x - a.mean) / float64(a.n)
	return nil
}

func (a *avg) Result() (value.Value, error) {
	if a.n == 0 {
		return nil, nil
	}
	return a.mean, nil
}

// extreme is min (sign -1) or max (sign 1) under the ORDER BY order.
type extreme struct {
	sign int
	best value.Value
}

func (e *extreme) Add(args []value.Value) error {
	v := args[0]
	if v == nil {
		return nil
	}
	if e.best == nil || value.Order(v, e.best)*e.sign > 0 {
		e.best = v
	}
	return nil
}

func (e *extreme) Result() (value.Value, error) { return e.best, nil }

// collect gathers non-null values into a list.
type collect struct{ list value.List }

func (c *collect) Add(args []value.Value) error {
	if args[0] != nil {
		c.list = append(c.list, args[0])
	}
	return nil
}

func (c *collect) Result() (value.Value, error) { return c.list, nil }

// stdev is the sample (stDev) or population (stDevP) standard deviation,
// by Welford's method; 0.0 over fewer than two values.
type stdev struct {
	sample bool
	n      int64
	mean   float64
	m2     float64
}

func (s *stdev) Add(args []value.Value) error {
	if args[0] == nil {
		return nil
	}
	name := "stDevP"
	if s.sample {
		name = "stDev"
	}
	x, err := toF(name, args[0])
	if err != nil {
		return err
	}
	s.n++
	d := x - s.mean
	s.mean += d / float64(s.n)
	s.m2 += d * (x - s.mean)
	return nil
}

func (s *stdev) Result() (value.Value, error) {
	div := float64(s.n)
	if s.sample {
		div--
	}
	if div <= 0 {
		return 0.0, nil
	}
	return math.Sqrt(s.m2 / div), nil
}

// percentile is percentileCont (linear interpolation, a float) or
// percentileDisc (the nearest value, of the input's type). The percentile
// argument must be a number in [0, 1].
type percentile struct {
	name string
	cont bool
	p    float64
	set  bool
	vals []value.Value
}

func (p *percentile) Add(args []value.Value) error {
	// Every row's percentile is checked; the first one is used.
	if args[1] == nil {
		return cyerr.ArgumentError(cyerr.DetailNumberOutOfRange, "%s(): the percentile must not be null", p.name)
	}
	f, err := toF(p.name, args[1])
	if err != nil {
		return err
	}
	if !(f >= 0 && f <= 1) {
		return cyerr.ArgumentError(cyerr.DetailNumberOutOfRange, "%s(): percentile %v is not between 0.0 and 1.0", p.name, f)
	}
	if !p.set {
		p.p, p.set = f, true
	}
	v := args[0]
	if v == nil {
		return nil
	}
	if _, err := toF(p.name, v); err != nil {
		return err
	}
	p.vals = append(p.vals, v)
	return nil
}

func (p *percentile) Result() (value.Value, error) {
	n := len(p.vals)
	if n == 0 {
		return nil, nil
	}
	sort.SliceStable(p.vals, func(i, j int) bool { return value.Order(p.vals[i], p.vals[j]) < 0 })
	if p.cont {
		idx := p.p * float64(n-1)
		lo := int(math.Floor(idx))
		hi := int(math.Ceil(idx))
		flo, _ := toF(p.name, p.vals[lo])
		if lo == hi {
			return flo, nil
		}
		fhi, _ := toF(p.name, p.vals[hi])
		return flo + (fhi-flo)*(idx-float64(lo)), nil
	}
	if p.p == 1 || n == 1 {
		return p.vals[n-1], nil
	}
	fidx := p.p * float64(n)
	idx := int(fidx)
	if float64(idx) == fidx && idx > 0 {
		idx--
	}
	return p.vals[idx], nil
}
