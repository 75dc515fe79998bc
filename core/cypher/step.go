package cypher

import "errors"

// errYield is how a write operator stops when the Step that runs it has
// spent its budget. It never leaves the package: Step turns it into
// "not done yet", and every operator that can sit above a write keeps its
// progress in its fields, so the next Step resumes exactly there.
var errYield = errors.New("cypher: step budget spent")

// yield spends one unit of the step budget and reports whether the
// operator must stop here. Writes nested in another write's per-row work
// (depth > 0) never stop: their caller cannot resume them.
func (c *execCtx) yield() bool {
	if !c.stepping || c.depth > 0 {
		return false
	}
	c.stepLeft--
	return c.stepLeft < 0
}

// canYield reports whether an operator may end the current Step here:
// inside a Step, and not nested in another write's per-row work.
func (c *execCtx) canYield() bool { return c.stepping && c.depth == 0 }

// Step runs an updating query's work for about budget rows (rows read into
// or written by each top-level write clause) and reports whether that work
// is finished; afterwards Next serves its rows. A host cuts a large write
// into steps this way and yields to its loop between them; the writes all
// stay in the one transaction. A budget <= 0 runs to the end. For a result
// that is not an updating query Step reports done at once.
func (r *Result) Step(budget int) (done bool, err error) {
	if !r.eager || r.done {
		return true, r.err
	}
	defer func() {
		if err != nil {
			r.done, r.err, done = true, err, true
		}
	}()
	defer recoverInto(&err)
	r.ctx.stepping, r.ctx.stepLeft = budget > 0, budget
	defer func() { r.ctx.stepping = false }()
	for {
		rw, err := r.root.next(r.ctx)
		if err == errYield {
			return false, nil
		}
		if err != nil {
			return true, err
		}
		if rw == nil {
			break
		}
		if err := r.ctx.guard.Grow(rowBytes(rw)); err != nil {
			return true, err
		}
		r.buf = append(r.buf, rw)
	}
	r.eager = false
	r.root = &rowsOp{rows: r.buf}
	r.buf = nil
	return true, nil
}
