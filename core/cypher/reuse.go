package cypher

// Row reuse: an operator whose consumer keeps no row past its next pull may
// rebind one output row in place instead of allocating a row per result
// (scans, expansions, UNWIND and projections do). markReuse walks a read-only plan
// from its root and tells each operator whether that holds for it.
//
// An operator's input may be reused when the operator either copies what
// it keeps (projections, aggregation) or passes rows through unchanged to
// a consumer that may itself see reused rows (filters, DISTINCT, SKIP and
// LIMIT, scans and expansions that return a bound row as it is). Operators
// that hold rows across pulls (ORDER BY, eager writes) stop the walk, and
// so does any operator the walk does not know.

// markReuse records, for o and the operators below it, whether their
// output rows may be reused; safe says whether o's consumer keeps none.
func markReuse(o op, safe bool) {
	switch x := o.(type) {
	case *countOp:
		markReuse(x.in, safe)
	case *filterOp:
		markReuse(x.in, safe)
	case *distinctOp:
		markReuse(x.in, safe)
	case *skipLimitOp:
		markReuse(x.in, safe)
	case *trimOp:
		markReuse(x.in, safe)
	case *unionOp:
		for _, p := range x.parts {
			markReuse(p, safe)
		}
	case *drainOp:
		markReuse(x.in, true)
	case *projectOp:
		x.reuse = safe
		markReuse(x.in, true)
	case *aggOp:
		x.volatile = true
		markReuse(x.in, true)
	case *scanOp:
		x.reuse = safe
		markReuse(x.in, safe)
	case *expandOp:
		x.reuse = safe
		markReuse(x.in, safe)
	case *unwindListOp:
		x.reuse = safe
		markReuse(x.in, safe)
	case *varExpandOp:
		markReuse(x.in, safe)
	case *flatMapOp:
		markReuse(x.in, safe)
	case *optionalOp:
		markReuse(x.in, safe)
	}
}
