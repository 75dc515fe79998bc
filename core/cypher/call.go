package cypher

import (
	"fmt"
	"strings"

	"github.com/quiverdb/quiver/core/value"
)

// RegisterProcedure makes a procedure callable with CALL. It clears the
// plan cache, since plans check calls against the registered signatures.
func (e *Engine) RegisterProcedure(p Procedure) {
	if e.procs == nil {
		e.procs = map[string]Procedure{}
	}
	e.procs[strings.ToLower(p.Name)] = p
	e.cache.Clear()
}

// procArgMissing marks the parameter a standalone implicit call needs.
func (c *compiler) call(x *CallClause, sc scope, standalone bool) ([]stage, []string) {
	proc, ok := c.procs[strings.ToLower(x.Name)]
	if !ok {
		panic(&Error{Code: CodeProcNotFound, Detail: "ProcedureNotFound", Phase: PhaseCompile, Line: x.P.Line, Column: x.P.Col, Msg: fmt.Sprintf("there is no procedure %s", x.Name)})
	}
	args := x.Args
	if x.Implicit {
		if !standalone && len(proc.Inputs) > 0 {
			panic(syntaxErr(x.P, "InvalidArgumentPassingMode", "an in-query CALL must pass its arguments explicitly"))
		}
		args = nil
		for _, in := range proc.Inputs {
			a := &Param{node{x.P}, in.Name}
			c.needParam(a)
			args = append(args, a)
		}
	}
	if len(args) != len(proc.Inputs) {
		panic(syntaxErr(x.P, "InvalidNumberOfArguments", "procedure %s takes %d arguments, got %d", proc.Name, len(proc.Inputs), len(args)))
	}
	for i, a := range args {
		if containsAggregate(a) {
			panic(syntaxErr(a.exprPos(), "InvalidAggregation", "aggregate functions cannot be procedure arguments"))
		}
		c.checkExpr(a, sc, false)
		if t := stype(a, sc); t != "" && t != "null" && !procTypeAccepts(proc.Inputs[i].Type, t) {
			panic(syntaxErr(a.exprPos(), "InvalidArgumentType", "procedure %s expects %s for %s, got %s", proc.Name, proc.Inputs[i].Type, proc.Inputs[i].Name, t))
		}
	}
	if x.YieldAll && !standalone {
		panic(syntaxErr(x.P, "UnexpectedSyntax", "YIELD * is only allowed in a standalone CALL"))
	}
	yields := x.Yields
	if x.YieldAll || (standalone && len(yields) == 0) {
		yields = nil
		for _, o := range proc.Outputs {
			yields = append(yields, YieldItem{P: x.P, Field: o.Name, Var: o.Name})
		}
	}
	if !standalone && len(yields) == 0 && len(proc.Outputs) > 0 {
		panic(syntaxErr(x.P, "UndefinedVariable", "an in-query CALL of a procedure with outputs must YIELD them"))
	}
	idx := make([]int, len(yields))
	var cols []string
	seen := map[string]bool{}
	for i, y := range yields {
		idx[i] = -1
		for j, o := range proc.Outputs {
			if strings.EqualFold(o.Name, y.Field) {
				idx[i] = j
			}
		}
		if idx[i] < 0 {
			panic(syntaxErr(y.P, "UndefinedVariable", "procedure %s has no output %s", proc.Name, y.Field))
		}
		if _, bound := sc[y.Var]; bound || seen[y.Var] {
			panic(syntaxErr(y.P, "VariableAlreadyBound", "variable `%s` already declared", y.Var))
		}
		seen[y.Var] = true
		cols = append(cols, y.Var)
	}
	for _, y := range yields {
		c.bind(sc, y.Var, kAny)
	}
	if x.Where != nil {
		c.checkPredicate(x.Where, sc)
	}
	where, callFn, runFn := x.Where, proc.Call, proc.run
	st := []stage{{desc: "CallProcedure(" + proc.Name + ")", build: func(in op, est *estimator) op {
		yslots := make([]int, len(yields))
		for i, y := range yields {
			yslots[i] = est.slot(y.Var)
		}
		return &flatMapOp{in: in, f: func(ec *execCtx, r row) ([]row, error) {
			vals := make([]value.Value, len(args))
			for i, a := range args {
				v, err := ec.eval(a, r)
				if err != nil {
					return nil, err
				}
				vals[i] = ec.export(v)
			}
			var rows [][]value.Value
			var err error
			if runFn != nil {
				rows, err = runFn(ec, vals)
			} else {
				rows, err = callFn(vals)
			}
			if err != nil {
				return nil, runtimeErr("Neo.ClientError.Procedure.ProcedureCallFailed", "ProcedureCallFailed", "%s: %v", proc.Name, err)
			}
			if len(proc.Outputs) == 0 {
				return []row{r}, nil // a void procedure passes its input row on
			}
			var out []row
			for _, pr := range rows {
				nr := r.clone()
				for i := range yields {
					var v value.Value
					if idx[i] < len(pr) {
						v = fromExternal(pr[idx[i]])
					}
					nr[yslots[i]] = v
				}
				if where != nil {
					t, err := ec.evalBool(where, nr)
					if err != nil {
						return nil, err
					}
					if t != triTrue {
						continue
					}
				}
				out = append(out, nr)
			}
			return out, nil
		}}
	}}}
	if standalone {
		colsCopy := cols
		st = append(st, stage{desc: "Project", build: func(in op, est *estimator) op { return &trimOp{in: in, cols: est.lay.slots(colsCopy)} }})
	}
	return st, cols
}

// procTypeAccepts reports whether a procedure input of type decl takes a
// value of static type t.
func procTypeAccepts(decl, t string) bool {
	switch strings.TrimSuffix(strings.ToUpper(decl), "?") {
	case "ANY":
		return true
	case "INTEGER":
		return t == "Integer"
	case "FLOAT":
		return t == "Float" || t == "Integer"
	case "NUMBER":
		return t == "Integer" || t == "Float"
	case "STRING":
		return t == "String"
	case "BOOLEAN":
		return t == "Boolean"
	case "MAP":
		return t == "Map"
	}
	return strings.HasPrefix(strings.ToUpper(decl), "LIST") == (t == "List")
}
