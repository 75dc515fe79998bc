package cypher

// children returns the direct sub-expressions of e (not those bound in a
// nested scope's own pattern).
func children(e Expr) []Expr {
	var out []Expr
	add := func(es ...Expr) {
		for _, x := range es {
			if x != nil {
				out = append(out, x)
			}
		}
	}
	switch x := e.(type) {
	case *PropAccess:
		add(x.X)
	case *IndexExpr:
		add(x.X, x.Idx)
	case *SliceExpr:
		add(x.X, x.From, x.To)
	case *Binary:
		add(x.L, x.R)
	case *Unary:
		add(x.X)
	case *IsNull:
		add(x.X)
	case *HasLabels:
		add(x.X)
	case *FuncCall:
		add(x.Args...)
	case *ListLit:
		add(x.Items...)
	case *MapLit:
		add(x.Vals...)
	case *CaseExpr:
		add(x.Test)
		add(x.Whens...)
		add(x.Thens...)
		add(x.Else)
	case *ListComp:
		add(x.List, x.Where, x.Proj)
	case *Quantifier:
		add(x.List, x.Where)
	case *Reduce:
		add(x.Init, x.List, x.Expr)
	case *MapProjection:
		for _, it := range x.Items {
			add(it.Val)
		}
	case *PatternComp:
		add(x.Where, x.Proj)
	case *ExistsSubquery:
		add(x.Where)
	}
	return out
}

// containsAggregate reports whether e calls an aggregate function.
func containsAggregate(e Expr) bool {
	if f, ok := e.(*FuncCall); ok && isAggregate(f) {
		return true
	}
	for _, c := range children(e) {
		if containsAggregate(c) {
			return true
		}
	}
	return false
}

func collectAggregates(e Expr, out *[]*FuncCall) {
	if f, ok := e.(*FuncCall); ok && isAggregate(f) {
		*out = append(*out, f)
		return
	}
	for _, c := range children(e) {
		collectAggregates(c, out)
	}
}

// substitute returns e with every sub-expression whose printed form is a
// key of repl replaced by a variable reference.
func substitute(e Expr, repl map[string]string) Expr {
	if e == nil {
		return nil
	}
	if name, ok := repl[exprString(e)]; ok {
		return &Var{node: node{e.exprPos()}, Name: name}
	}
	switch x := e.(type) {
	case *PropAccess:
		return &PropAccess{x.node, substitute(x.X, repl), x.Key}
	case *IndexExpr:
		return &IndexExpr{x.node, substitute(x.X, repl), substitute(x.Idx, repl)}
	case *Binary:
		return newBinary(x.node, x.Op, substitute(x.L, repl), substitute(x.R, repl))
	case *Unary:
		return &Unary{x.node, x.Op, substitute(x.X, repl)}
	case *IsNull:
		return &IsNull{x.node, substitute(x.X, repl), x.Not}
	case *FuncCall:
		n := *x
		n.Args = make([]Expr, len(x.Args))
		for i, a := range x.Args {
			n.Args[i] = substitute(a, repl)
		}
		return &n
	case *ListLit:
		n := &ListLit{node: x.node}
		for _, a := range x.Items {
			n.Items = append(n.Items, substitute(a, repl))
		}
		return n
	case *CaseExpr:
		n := &CaseExpr{node: x.node, Test: substitute(x.Test, repl), Else: substitute(x.Else, repl)}
		for i := range x.Whens {
			n.Whens = append(n.Whens, substitute(x.Whens[i], repl))
			n.Thens = append(n.Thens, substitute(x.Thens[i], repl))
		}
		return n
	}
	return e
}
