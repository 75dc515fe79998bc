package cypher

import (
	"math"
	"sort"
	"strconv"

	"github.com/quiverdb/quiver/core/value"
)

// op is a pull-based operator: next returns the next row, or nil at the end.
type op interface {
	next(c *execCtx) (row, error)
}

// argOp yields one given row (the empty row for the first clause).
type argOp struct {
	r    row
	done bool
}

func (o *argOp) next(*execCtx) (row, error) {
	if o.done {
		return nil, nil
	}
	o.done = true
	return o.r, nil
}

// flatMapOp turns each input row into zero or more output rows.
type flatMapOp struct {
	in   op
	f    func(c *execCtx, r row) ([]row, error)
	buf  []row
	held int64 // bytes of buf accounted to the guard
}

func (o *flatMapOp) next(c *execCtx) (row, error) {
	if err := c.guard.Tick(); err != nil {
		return nil, err
	}
	for len(o.buf) == 0 {
		c.guard.Shrink(o.held)
		o.held = 0
		r, err := o.in.next(c)
		if err != nil || r == nil {
			return nil, err
		}
		if o.buf, err = o.f(c, r); err != nil {
			return nil, err
		}
		if len(o.buf) > 1 && c.guard != nil {
			o.held = int64(len(o.buf)) * rowBytes(o.buf[0])
			if err := c.guard.Grow(o.held); err != nil {
				return nil, err
			}
		}
	}
	r := o.buf[0]
	o.buf = o.buf[1:]
	return r, nil
}

// filterOp keeps rows whose predicate is true.
type filterOp struct {
	in   op
	pred Expr
}

func (o *filterOp) next(c *execCtx) (row, error) {
	for {
		if err := c.guard.Tick(); err != nil {
			return nil, err
		}
		r, err := o.in.next(c)
		if err != nil || r == nil {
			return nil, err
		}
		t, err := c.evalBool(o.pred, r)
		if err != nil {
			return nil, err
		}
		if t == triTrue {
			return r, nil
		}
	}
}

// scanOp binds a node variable to each candidate vertex, per input row,
// without materialising more than the candidate id list.
type scanOp struct {
	in   op
	name string
	slot int // name's slot
	np   *NodePattern
	hint []propHint
	cur  row
	ids  IDIter
	// reuse lets next rebind one output row in place instead of copying
	// cur per vertex; only a consumer that keeps no row it was given (an
	// aggregation, which clones the rows it keeps) sets it.
	reuse bool
	out   row
	// exact: ids yields exactly the vertices np's labels select.
	exact bool
	// owned: in hands over every row it yields (see handsOver), so in a
	// write plan the scan may bind its variable in the input row itself
	// for the input's last match instead of copying it; pend is the match
	// found by looking one ahead, when hasPend.
	owned   bool
	pend    int64
	hasPend bool
	// scanLabel, when set, is the label a plain label scan walks (the
	// rarest of the node's labels); seeks use the first label.
	scanLabel string
	// spent is the last equality seek's iterator once exhausted, for the
	// next seek to reuse (ReuseTx).
	spent  IDIter
	seeked IDIter // the iterator seekEq returned, which ids may hold
}

// handsOver reports whether o hands every row it yields to its consumer
// for good, in a write plan (which never reuses rows): an UNWIND yields a
// fresh row per element, and a scan whose own input hands its rows over
// yields fresh copies or, for the last match, the input row itself.
func handsOver(o op) bool {
	switch x := o.(type) {
	case *countOp:
		return handsOver(x.in)
	case *unwindListOp:
		return true
	case *scanOp:
		return x.owned
	}
	return false
}

// candidates returns the vertices the scan considers for input row r: an
// id or index seek when a usable hint allows one, else the label (or all
// vertices). A hint whose value fails to evaluate is skipped, so a seek
// never raises an error the plain scan and filter would not.
func (o *scanOp) candidates(c *execCtx, r row) (IDIter, error) {
	for _, h := range o.hint {
		if h.op != "id" {
			continue
		}
		v, ok, err := c.hintValue(h, r)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if id, ok := v.(int64); ok {
			return NewSliceIter([]int64{id}), nil
		}
		if f, ok := v.(float64); ok && f == float64(int64(f)) {
			return NewSliceIter([]int64{int64(f)}), nil
		}
		return NewSliceIter(nil), nil
	}
	o.exact = false
	if len(o.np.Labels) == 0 {
		o.exact = true
		return c.tx.Vertices(), nil
	}
	label := o.np.Labels[0]
	for _, h := range o.hint {
		if h.op != "=" || h.key == "" {
			continue
		}
		v, ok, err := c.hintValue(h, r)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if v == nil {
			return NewSliceIter(nil), nil
		}
		if ids, ok := o.seekEq(c, label, h.key, v); ok {
			return ids, nil
		}
	}
	for _, h := range o.hint {
		if h.op != "in" {
			continue
		}
		it, ok, err := o.inSeek(c, label, h, r)
		if err != nil || ok {
			return it, err
		}
	}
	if rt, ok := c.tx.(RangeTx); ok {
		it, ok, err := o.rangeSeek(c, rt, label, r)
		if err != nil || ok {
			return it, err
		}
	}
	o.exact = len(o.np.Labels) == 1
	if o.scanLabel != "" {
		label = o.scanLabel
	}
	return c.tx.VerticesByLabel(label), nil
}

// seekEq looks v up in the label+property index, reusing the iterator of
// the previous seek when the transaction can.
func (o *scanOp) seekEq(c *execCtx, label, key string, v value.Value) (IDIter, bool) {
	rt, ok := c.tx.(ReuseTx)
	if !ok {
		return c.tx.VerticesByLabelProp(label, key, v)
	}
	spent := o.spent
	o.spent = nil
	ids, ok := rt.VerticesByLabelPropReuse(spent, label, key, v)
	if ok {
		o.seeked = ids
	}
	return ids, ok
}

// inSeek answers v.key IN list with one index seek per element, the union
// in ascending id order without duplicates; false when the list does not evaluate
// to a list of seekable values or no index covers the property.
func (o *scanOp) inSeek(c *execCtx, label string, h propHint, r row) (IDIter, bool, error) {
	v, ok, err := c.hintValue(h, r)
	if err != nil || !ok {
		return nil, false, err
	}
	if v == nil {
		return NewSliceIter(nil), true, nil
	}
	l, ok := v.(value.List)
	if !ok {
		return nil, false, nil
	}
	var ids []int64
	for _, e := range l {
		if e == nil {
			continue
		}
		if !seekable(e) {
			return nil, false, nil
		}
		// Equal elements find the same vertices; the ids are deduplicated
		// below.
		it, ok := c.tx.VerticesByLabelProp(label, h.key, e)
		if !ok {
			return nil, false, nil
		}
		for it.Next() {
			ids = append(ids, it.ID())
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return NewSliceIter(uniqSortedIDs(ids)), true, nil
}

// hintValue evaluates a hint's value for row r. ok is false when the value
// cannot drive a seek (it is no property value, or evaluating it failed: the
// scan then runs unnarrowed and the filter raises what it must); the one
// error returned is a missing parameter, which the query reports wherever
// the parameter appears.
func (c *execCtx) hintValue(h propHint, r row) (value.Value, bool, error) {
	v, err := c.eval(h.val, r)
	if err != nil {
		if ce, isCE := err.(*Error); isCE && ce.Code == CodeParamMissing {
			return nil, false, err
		}
		return nil, false, nil
	}
	return v, seekable(v), nil
}

func uniqSortedIDs(ids []int64) []int64 {
	out := ids[:0]
	for i, id := range ids {
		if i == 0 || id != ids[i-1] {
			out = append(out, id)
		}
	}
	return out
}

// seekable reports whether v can be looked up in a property index: a
// property value (null included, which matches nothing), not a graph
// entity, which no property can hold.
func seekable(v value.Value) bool {
	switch x := v.(type) {
	case nodeRef, relRef, pathRef, value.Map:
		return false
	case value.List:
		for _, e := range x {
			if !seekable(e) {
				return false
			}
		}
	}
	return true
}

func (o *scanOp) next(c *execCtx) (row, error) {
	give := o.owned && c.plan.writes
	for {
		if o.hasPend {
			return o.give(c)
		}
		for o.ids != nil {
			id, ok, err := o.match(c)
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			if give {
				o.pend, o.hasPend = id, true
				return o.give(c)
			}
			return o.emit(id), nil
		}
		r, err := o.in.next(c)
		if err != nil || r == nil {
			return nil, err
		}
		if v, bound := r.lookup(o.slot); bound {
			n, isNode := v.(nodeRef)
			if !isNode {
				continue
			}
			ok, err := c.nodeMatches(n.id, o.np, r)
			if err != nil {
				return nil, err
			}
			if ok {
				return r, nil
			}
			continue
		}
		o.cur, o.ids, o.out = r, nil, nil
		if o.ids, err = o.candidates(c, r); err != nil {
			return nil, err
		}
	}
}

// match advances to the next candidate that matches the pattern node for
// the current input row; false when there is none left.
func (o *scanOp) match(c *execCtx) (int64, bool, error) {
	for o.ids.Next() {
		if err := c.guard.Tick(); err != nil {
			return 0, false, err
		}
		id := o.ids.ID()
		// The candidates of a plain label (or all-vertex) scan are
		// visible and carry the label; a read-only plan cannot change
		// that before they are bound, so they need no second look.
		ok := o.exact && o.np.Props == nil && !c.plan.writes
		if !ok {
			var err error
			if ok, err = c.nodeMatches(id, o.np, o.cur); err != nil {
				return 0, false, err
			}
		}
		if ok {
			return id, true, nil
		}
	}
	if o.ids == o.seeked {
		o.spent = o.ids
	}
	o.ids, o.seeked = nil, nil
	return 0, false, nil
}

// give yields the pending match, looking one match ahead: a copy of the
// input row when another follows, else the input row itself, which the
// scan owns and never reads again (an index seek on a unique value, the
// bulk-load pattern, copies no row).
func (o *scanOp) give(c *execCtx) (row, error) {
	id := o.pend
	if o.ids != nil {
		next, ok, err := o.match(c)
		if err != nil {
			return nil, err
		}
		if ok {
			o.pend = next
			return o.cur.with(o.slot, nodeRef{id}), nil
		}
	}
	o.hasPend = false
	r := o.cur
	o.cur = nil
	r[o.slot] = nodeRef{id}
	return r, nil
}

// emit returns cur with the scanned variable bound to vertex id.
func (o *scanOp) emit(id int64) row {
	if !o.reuse {
		return o.cur.with(o.slot, nodeRef{id})
	}
	if o.out == nil {
		o.out = o.cur.with(o.slot, nodeRef{id})
	} else {
		o.out[o.slot] = nodeRef{id}
	}
	return o.out
}

func (c *execCtx) propsMatch(have value.Map, props Expr, r row) (bool, error) {
	if props == nil {
		return true, nil
	}
	pv, err := c.eval(props, r)
	if err != nil {
		return false, err
	}
	m, ok := pv.(value.Map)
	if !ok {
		return pv == nil, nil
	}
	for k, v := range m {
		if equal(have[k], v) != triTrue {
			return false, nil
		}
	}
	return true, nil
}

func (c *execCtx) nodeMatches(id int64, np *NodePattern, r row) (bool, error) {
	if c.ptx != nil && len(np.Labels) > 0 {
		// HasLabel is false for a vertex that is not visible.
		for _, l := range np.Labels {
			if !c.ptx.HasLabel(id, l) {
				return false, nil
			}
		}
	} else {
		if !c.tx.VertexExists(id) {
			return false, nil
		}
		if len(np.Labels) > 0 && !hasLabels(c.tx.VertexLabels(id), np.Labels) {
			return false, nil
		}
	}
	if np.Props == nil {
		return true, nil
	}
	if m, ok := np.Props.(*MapLit); ok && c.ftx != nil {
		return c.mapLitMatches(id, m, r)
	}
	return c.propsMatch(c.tx.VertexProps(id), np.Props, r)
}

// edgeMatches reports whether edge id has the properties of a relationship
// pattern (props, not nil): an inline map reads only the properties it
// names instead of building the edge's map.
func (c *execCtx) edgeMatches(id int64, props Expr, r row) (bool, error) {
	if m, ok := props.(*MapLit); ok && c.ftx != nil {
		return c.mapLitMatchesBy(id, m, r, c.ftx.EdgePropOK)
	}
	return c.propsMatch(c.tx.EdgeProps(id), props, r)
}

// keyRepeated reports whether keys[i] appears again after i: in a map
// literal the last value of a key wins, as evaluating the literal gives.
func keyRepeated(keys []string, i int) bool {
	for _, k := range keys[i+1:] {
		if k == keys[i] {
			return true
		}
	}
	return false
}

// mapLitMatches is propsMatch for an inline property map, reading only the
// properties it names instead of building the vertex's map.
func (c *execCtx) mapLitMatches(id int64, m *MapLit, r row) (bool, error) {
	return c.mapLitMatchesBy(id, m, r, c.ftx.VertexPropOK)
}

// mapLitMatchesBy is mapLitMatches reading properties through prop.
func (c *execCtx) mapLitMatchesBy(id int64, m *MapLit, r row, prop func(int64, string) (value.Value, bool)) (bool, error) {
	var buf [8]value.Value
	want := buf[:0]
	for _, e := range m.Vals {
		v, err := c.eval(e, r) // all of them first, as propsMatch does
		if err != nil {
			return false, err
		}
		want = append(want, v)
	}
	for i, k := range m.Keys {
		if keyRepeated(m.Keys, i) {
			continue // a later value for the key replaces this one
		}
		have, _ := prop(id, k)
		if equal(have, want[i]) != triTrue {
			return false, nil
		}
	}
	return true, nil
}

// sortOp materialises its input and sorts it.
type sortOp struct {
	in    op
	keys  []SortItem
	rows  []row
	all   []keyedRow // input collected so far (resumable after errYield)
	ready bool
	held  int64 // bytes accounted to the guard
}

// keyedRow is a row with its evaluated sort keys.
type keyedRow struct {
	r row
	k []value.Value
}

func (o *sortOp) next(c *execCtx) (row, error) {
	if !o.ready {
		for {
			r, err := o.in.next(c)
			if err != nil {
				return nil, err
			}
			if r == nil {
				break
			}
			k := make([]value.Value, len(o.keys))
			for i, s := range o.keys {
				if k[i], err = c.eval(s.Expr, r); err != nil {
					return nil, err
				}
			}
			if err := o.hold(c, r, k); err != nil {
				return nil, err
			}
			o.all = append(o.all, keyedRow{r, k})
		}
		o.ready = true
		all := o.all
		o.all = nil
		sort.SliceStable(all, func(i, j int) bool {
			for n, s := range o.keys {
				cmp := orderCompare(all[i].k[n], all[j].k[n])
				if cmp != 0 {
					if s.Desc {
						return cmp > 0
					}
					return cmp < 0
				}
			}
			return false
		})
		for _, k := range all {
			o.rows = append(o.rows, k.r)
		}
	}
	if len(o.rows) == 0 {
		c.guard.Shrink(o.held)
		o.held = 0
		return nil, nil
	}
	r := o.rows[0]
	o.rows = o.rows[1:]
	return r, nil
}

// hold accounts one more row and its sort keys to the guard.
func (o *sortOp) hold(c *execCtx, r row, k []value.Value) error {
	if c.guard == nil {
		return nil
	}
	if err := c.guard.Tick(); err != nil {
		return err
	}
	n := rowBytes(r) + valuesBytes(k) + 48
	o.held += n
	return c.guard.Grow(n)
}

// skipLimitOp drops the first skip rows and stops after limit (-1: none).
type skipLimitOp struct {
	in          op
	skip, limit Expr
	s, l        int64
	init        bool
	// drain pulls the input to its end once the limit is reached, so that
	// update clauses below run in full whatever the limit.
	drain bool
}

func (c *execCtx) nonNegInt(e Expr, what string) (int64, error) {
	v, err := c.eval(e, c.lay.blank)
	if err != nil {
		return 0, err
	}
	n, ok := v.(int64)
	if !ok {
		if f, isF := v.(float64); isF {
			return 0, runtimeErr(CodeSyntaxError, "InvalidArgumentType", "%s must be an integer, got %v", what, f)
		}
		return 0, runtimeErr(CodeSyntaxError, "InvalidArgumentType", "%s must be an integer, got %s", what, typeName(v))
	}
	if n < 0 {
		return 0, runtimeErr(CodeSyntaxError, "NegativeIntegerArgument", "%s must not be negative", what)
	}
	return n, nil
}

func (o *skipLimitOp) next(c *execCtx) (row, error) {
	if !o.init {
		o.init = true
		o.l = -1
		var err error
		if o.skip != nil {
			if o.s, err = c.nonNegInt(o.skip, "SKIP"); err != nil {
				return nil, err
			}
		}
		if o.limit != nil {
			if o.l, err = c.nonNegInt(o.limit, "LIMIT"); err != nil {
				return nil, err
			}
		}
	}
	for o.s > 0 {
		r, err := o.in.next(c)
		if err != nil || r == nil {
			return nil, err
		}
		o.s--
	}
	if o.l == 0 {
		for o.drain {
			r, err := o.in.next(c)
			if err == errYield {
				return nil, err // a pipelined write below: drain on at the next step
			}
			if err != nil || r == nil {
				o.drain = false
				return nil, err
			}
		}
		return nil, nil
	}
	r, err := o.in.next(c)
	if err != nil || r == nil {
		return nil, err
	}
	if o.l > 0 {
		o.l--
	}
	return r, nil
}

// distinctOp drops rows whose key columns equal an earlier row's.
type distinctOp struct {
	in   op
	cols []int // the slots of the key columns
	seen keyTable[struct{}]
	key  value.List // scratch
}

func (o *distinctOp) next(c *execCtx) (row, error) {
	for {
		r, err := o.in.next(c)
		if err != nil || r == nil {
			return nil, err
		}
		// The key goes to a scratch buffer; only a new key is copied.
		if o.key == nil {
			o.key = make(value.List, len(o.cols))
		}
		for i, k := range o.cols {
			o.key[i] = r.get(k)
		}
		if _, dup := o.seen.get(o.key); !dup {
			if err := c.guard.Grow(2*valuesBytes(o.key) + 64); err != nil {
				return nil, err
			}
			o.seen.put(o.key, struct{}{})
			return r, nil
		}
		if err := c.guard.Tick(); err != nil {
			return nil, err
		}
	}
}

// appendHashKey appends a coarse bucket key for grouping l to b (equal
// values share it); callers reuse b and look a bucket up without
// allocating.
func appendHashKey(b []byte, l value.List) []byte {
	for _, v := range l {
		b = appendHash(b, v)
		b = append(b, '|')
	}
	return b
}

func appendHash(b []byte, v value.Value) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, 'n')
	case bool:
		if x {
			return append(b, 't')
		}
		return append(b, 'f')
	case int64:
		return strconv.AppendInt(append(b, '#'), x, 10)
	case float64:
		if x != x {
			return append(b, "NaN"...)
		}
		if x == math.Trunc(x) && math.Abs(x) < 1<<62 {
			return strconv.AppendInt(append(b, '#'), int64(x), 10) // equal to the integer
		}
		return strconv.AppendFloat(append(b, '#'), x, 'g', -1, 64)
	case string:
		return append(append(b, 's'), x...)
	case nodeRef:
		return strconv.AppendInt(append(b, 'N'), x.id, 10)
	case relRef:
		return strconv.AppendInt(append(b, 'R'), x.id, 10)
	case value.List:
		b = append(b, '[')
		for _, e := range x {
			b = appendHash(b, e)
			b = append(b, ',')
		}
		return append(b, ']')
	case value.Map:
		b = append(b, '{')
		for _, k := range sortedKeys(x) {
			b = append(append(b, k...), ':')
			b = appendHash(b, x[k])
			b = append(b, ',')
		}
		return append(b, '}')
	}
	return append(b, '?')
}

// projectOp evaluates projection items into a new row; keep says whether the
// input bindings stay visible (for ORDER BY on non-projected variables).
type projectOp struct {
	in    op
	items []ReturnItem
	slots []int // the items' slots
	keep  bool
	// reuse: the consumer keeps no row past its next pull, so one output
	// row is refilled in place.
	reuse bool
	out   row
}

func (o *projectOp) next(c *execCtx) (row, error) {
	r, err := o.in.next(c)
	if err != nil || r == nil {
		return nil, err
	}
	var out row
	switch {
	case o.reuse && o.out != nil:
		out = o.out
	default:
		out = make(row, len(r))
	}
	if o.reuse {
		o.out = out
	}
	if o.keep {
		copy(out, r)
	} else {
		copy(out, c.lay.blank)
	}
	for i, it := range o.items {
		v, err := c.eval(it.Expr, r)
		if err != nil {
			return nil, err
		}
		out[o.slots[i]] = v
	}
	return out, nil
}

// trimOp keeps only the named columns.
type trimOp struct {
	in   op
	cols []int // the slots of the columns
}

func (o *trimOp) next(c *execCtx) (row, error) {
	r, err := o.in.next(c)
	if err != nil || r == nil {
		return nil, err
	}
	if sameColumns(r, o.cols) {
		return r, nil // rows are never mutated, so the input can be shared
	}
	out := c.lay.newRow()
	for _, k := range o.cols {
		out[k] = r.get(k)
	}
	return out, nil
}

// sameColumns reports whether r binds exactly cols (a projection's output
// that trimOp need not copy).
func sameColumns(r row, cols []int) bool {
	for _, k := range cols {
		if !r.has(k) {
			return false
		}
	}
	return r.bound() == len(cols)
}

// unwindOp emits one row per list element, binding slot.
func unwindOp(in op, e Expr, slot int) op {
	return &unwindListOp{in: in, e: e, slot: slot}
}

// unwindListOp emits one row per element of its list, one per pull: it
// holds the list, never a row per element (10M rows of a long range()
// took gigabytes).
type unwindListOp struct {
	in   op
	e    Expr
	slot int // the slot of the element variable
	// reuse: the consumer keeps no row past its next pull, so one output
	// row is rebound in place per element (markReuse).
	reuse bool
	out   row
	cur   row
	list  value.List
	i     int
	held  int64 // bytes of list accounted to the guard
}

func (o *unwindListOp) next(c *execCtx) (row, error) {
	for {
		if err := c.guard.Tick(); err != nil {
			return nil, err
		}
		if o.i < len(o.list) {
			o.i++
			return o.emit(o.list[o.i-1]), nil
		}
		c.guard.Shrink(o.held)
		o.list, o.i, o.held = nil, 0, 0
		r, err := o.in.next(c)
		if err != nil || r == nil {
			return nil, err
		}
		v, err := c.eval(o.e, r)
		if err != nil {
			return nil, err
		}
		switch l := v.(type) {
		case nil:
		case value.List:
			o.cur, o.list = r, l
			if c.guard != nil {
				o.held = valuesBytes(l)
				if err := c.guard.Grow(o.held); err != nil {
					return nil, err
				}
			}
		default:
			return r.with(o.slot, v), nil
		}
	}
}

// emit returns the current input row with the element variable bound to v.
func (o *unwindListOp) emit(v value.Value) row {
	if !o.reuse {
		return o.cur.with(o.slot, v)
	}
	switch {
	case o.out == nil:
		o.out = o.cur.with(o.slot, v)
	case o.i == 1: // a new input row
		copy(o.out, o.cur)
		o.out[o.slot] = v
	default:
		o.out[o.slot] = v
	}
	return o.out
}

// optionalOp runs a sub-plan per input row and, when it yields nothing,
// emits the row with the new variables set to null.
type optionalOp struct {
	in      op
	build   func(in op) op
	newVars []int // the slots of the variables the sub-plan binds
	sub     op
	cur     row
	got     bool
}

func (o *optionalOp) next(c *execCtx) (row, error) {
	for {
		if o.sub != nil {
			r, err := o.sub.next(c)
			if err != nil {
				return nil, err
			}
			if r != nil {
				o.got = true
				return r, nil
			}
			o.sub = nil
			if !o.got {
				out := o.cur.clone()
				for _, v := range o.newVars {
					out[v] = nil
				}
				return out, nil
			}
		}
		r, err := o.in.next(c)
		if err != nil || r == nil {
			return nil, err
		}
		o.cur, o.got = r, false
		o.sub = o.build(&argOp{r: r})
	}
}

// eagerOp drains its input, applies f to each row in order, and then
// streams the rows f returned. Write clauses are eager so that reads before
// them never observe their own writes. Its progress lives in its fields, so
// a Step that runs out of budget (errYield) resumes it where it stopped.
// f may return a buffer of its own, reused from row to row: eagerOp copies
// the rows out before it calls f again.
type eagerOp struct {
	in      op
	f       func(c *execCtx, r row) ([]row, error)
	rows    []row   // input collected so far
	sizes   []int64 // rowBytes of each of rows, when a guard counts them
	drained bool    // the input is exhausted
	applied int     // rows f has been applied to
	out     []row
	// outSizes holds rowBytes of each of out once holdOutput counted them
	// (an output row that is its input row has its size, -1 until then).
	outSizes []int64
	done     bool
	held     int64 // bytes of rows the guard counts for this operator
}

func (o *eagerOp) next(c *execCtx) (row, error) {
	if !o.done {
		for !o.drained {
			if c.yield() {
				return nil, errYield
			}
			r, err := o.in.next(c)
			if err != nil {
				return nil, err
			}
			if r == nil {
				o.drained = true
				break
			}
			if err := c.guard.Tick(); err != nil {
				return nil, err
			}
			if c.guard != nil {
				n := rowBytes(r)
				if err := c.guard.Grow(n); err != nil {
					return nil, err
				}
				o.held += n
				o.sizes = append(o.sizes, n)
			}
			o.rows = append(o.rows, r)
		}
		if rt, ok := c.tx.(ReserveTx); ok && o.applied == 0 && c.depth == 0 {
			rt.ReserveWrites(min(len(o.rows), maxReserve))
		}
		for o.applied < len(o.rows) {
			if c.yield() {
				return nil, errYield
			}
			if err := c.guard.Tick(); err != nil {
				return nil, err
			}
			c.depth++
			rs, err := o.f(c, o.rows[o.applied])
			c.depth--
			if err != nil {
				return nil, err
			}
			if c.guard != nil {
				o.noteSizes(o.rows[o.applied], o.sizes[o.applied], rs)
			}
			o.applied++
			o.out = append(o.out, rs...)
		}
		o.done, o.rows, o.sizes = true, nil, nil
		if err := o.holdOutput(c); err != nil {
			return nil, err
		}
	}
	if len(o.out) == 0 {
		return nil, nil
	}
	r := o.out[0]
	o.out[0] = nil
	o.out = o.out[1:]
	if o.held > 0 {
		n := min(o.outSizes[0], o.held)
		c.guard.Shrink(n)
		o.held -= n
	}
	if len(o.outSizes) > 0 {
		o.outSizes = o.outSizes[1:]
	}
	return r, nil
}

// noteSizes records the sizes of the rows f made from input row in (of
// size n): an output row that is the input row itself has its size, which
// holdOutput then need not compute again.
func (o *eagerOp) noteSizes(in row, n int64, rs []row) {
	for _, r := range rs {
		if len(r) > 0 && len(in) > 0 && &r[0] == &in[0] {
			o.outSizes = append(o.outSizes, n)
		} else {
			o.outSizes = append(o.outSizes, -1)
		}
	}
}

// maxReserve bounds the writes an eager operator announces (ReserveTx).
const maxReserve = 8192

// holdOutput moves the guard's count from the input rows, let go, to the
// output rows, each let go as it leaves (a streaming write's consumer
// pulls them as the client does).
func (o *eagerOp) holdOutput(c *execCtx) error {
	c.guard.Shrink(o.held)
	o.held = 0
	if c.depth > 0 || c.guard == nil {
		return nil // per-row work: its few rows leave at once
	}
	var n int64
	for i, r := range o.out {
		if o.outSizes[i] < 0 {
			o.outSizes[i] = rowBytes(r)
		}
		n += o.outSizes[i]
	}
	if err := c.guard.Grow(n); err != nil {
		return err
	}
	o.held = n
	return nil
}

// unionOp concatenates its parts' rows.
type unionOp struct {
	parts []op
	i     int
}

func (o *unionOp) next(c *execCtx) (row, error) {
	for o.i < len(o.parts) {
		r, err := o.parts[o.i].next(c)
		if err != nil {
			return nil, err
		}
		if r != nil {
			return r, nil
		}
		o.i++
	}
	return nil, nil
}

// rowsOp streams precomputed rows.
type rowsOp struct{ rows []row }

func (o *rowsOp) next(*execCtx) (row, error) {
	if len(o.rows) == 0 {
		return nil, nil
	}
	r := o.rows[0]
	o.rows = o.rows[1:]
	return r, nil
}

// rangeSeek uses the range hints on the first hinted property.
func (o *scanOp) rangeSeek(c *execCtx, rt RangeTx, label string, r row) (IDIter, bool, error) {
	key := ""
	var lower, upper *Bound
	for _, h := range o.hint {
		if h.op == "=" || h.op == "id" || h.op == "in" || (key != "" && h.key != key) {
			continue
		}
		v, ok, err := c.hintValue(h, r)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			continue
		}
		if v == nil || isFloatNaN(v) {
			return NewSliceIter(nil), true, nil
		}
		key = h.key
		b := &Bound{Value: v, Inclusive: h.op == ">=" || h.op == "<="}
		if h.op[0] == '>' {
			if lower == nil || tighter(b, lower, 1) {
				lower = b
			}
		} else if upper == nil || tighter(b, upper, -1) {
			upper = b
		}
	}
	if key == "" {
		return nil, false, nil
	}
	it, ok := rt.VerticesByLabelPropRange(label, key, lower, upper)
	return it, ok, nil
}

// tighter reports whether b narrows the range more than cur (sign 1 for a
// lower bound, -1 for an upper one). Incomparable bounds keep the first.
func tighter(b, cur *Bound, sign int) bool {
	cmp, ok := compareOp(b.Value, cur.Value)
	if !ok {
		return false
	}
	return cmp*sign > 0 || (cmp == 0 && !b.Inclusive)
}
