package tck

import (
	"errors"
	"math"
	"strings"

	"github.com/quiverdb/quiver/core/value"
)

// fakeEngine answers scripted queries and keeps a graph that scripted
// writes change. It lets the runner's tests drive every verdict.
type fakeEngine struct {
	script map[string]fakeResponse
	graph  Graph
	params map[string]value.Value
	procs  map[string]Procedure
}

// RegisterProcedure keeps test procedures; a script entry "DROPPROCS"
// makes the engine lose them (a broken registry).
func (f *fakeEngine) RegisterProcedure(p Procedure) error {
	if _, drop := f.script["DROPPROCS"]; drop {
		return nil
	}
	if f.procs == nil {
		f.procs = map[string]Procedure{}
	}
	f.procs[p.Name] = p
	return nil
}

type fakeResponse struct {
	res   *Result
	err   error
	apply func(g *Graph)
}

func (f *fakeEngine) Execute(q string, params map[string]value.Value) (*Result, error) {
	if strings.TrimSpace(q) == "CALLPROC" {
		p, ok := f.procs["test.labels"]
		if !ok {
			return nil, &QueryError{Type: "ProcedureError", Phase: "compile time", Detail: "ProcedureNotFound"}
		}
		rs, err := p.Call(nil)
		return &Result{Columns: []string{"label"}, Rows: rs}, err
	}
	r, ok := f.script[strings.TrimSpace(q)]
	if !ok {
		return nil, &QueryError{Type: "SyntaxError", Phase: "compile time", Detail: "UnexpectedSyntax", Msg: "unscripted query " + q}
	}
	f.params = params
	if r.apply != nil {
		r.apply(&f.graph)
	}
	if r.err != nil {
		return nil, r.err
	}
	return r.res, nil
}

func (f *fakeEngine) Graph() (*Graph, error) {
	g := Graph{Nodes: append([]value.Node(nil), f.graph.Nodes...), Rels: append([]value.Relationship(nil), f.graph.Rels...)}
	return &g, nil
}

func rows(cols []string, rs ...[]value.Value) *Result { return &Result{Columns: cols, Rows: rs} }
func row(vs ...value.Value) []value.Value             { return vs }

// goodScript answers every fixture scenario correctly.
func goodScript() map[string]fakeResponse {
	a := value.Node{ID: 1, Labels: []string{"A"}}
	b := value.Node{ID: 2, Labels: []string{"B"}}
	c := value.Node{ID: 3}
	return map[string]fakeResponse{
		"SETUP": {res: rows(nil), apply: func(g *Graph) {
			g.Nodes = append(g.Nodes, value.Node{ID: 9, Labels: []string{"Old"}, Props: value.Map{"p": int64(1)}})
		}},
		"ANYORDER": {res: rows([]string{"x", "n"},
			row(nil, value.Node{ID: 5}),
			row(2.5, value.Node{ID: 6, Labels: []string{"C", "B"}}),
			row(int64(1), value.Node{ID: 7, Labels: []string{"A"}, Props: value.Map{"name": "a"}}))},
		"ORDERED": {res: rows([]string{"x", "l"},
			row(int64(1), value.List{int64(1), int64(2)}),
			row(int64(2), value.List{"a", "b"}))},
		"FAILS": {err: &QueryError{Type: "TypeError", Phase: "runtime", Detail: "InvalidArgumentValue"}},
		"CREATES": {res: rows([]string{}), apply: func(g *Graph) {
			g.Nodes = append(g.Nodes, value.Node{ID: 10, Labels: []string{"New"}, Props: value.Map{"k": "v"}})
		}},
		"PARAMS": {res: rows([]string{"p", "l"}, row(value.Path{
			Nodes: []value.Node{a, b, c},
			Rels: []value.Relationship{
				{ID: 1, StartID: 1, EndID: 2, Type: "T", Props: value.Map{"w": int64(1)}},
				{ID: 2, StartID: 3, EndID: 2, Type: "U"},
			}}, value.List{int64(1), int64(2), int64(3)}))},
		"ONE": {res: rows([]string{"x"}, row(int64(1)))},
		"TWO": {res: rows([]string{"x"}, row("two"))},
	}
}

// mutate returns goodScript with one response replaced.
func mutate(q string, r fakeResponse) map[string]fakeResponse {
	s := goodScript()
	s[q] = r
	return s
}

type badScript struct {
	scenario string // substring of the scenario ID that must fail
	script   map[string]fakeResponse
}

func res(cols []string, rs ...[]value.Value) fakeResponse {
	return fakeResponse{res: rows(cols, rs...)}
}

// badScripts are the engines that must fail the named scenario.
func badScripts() map[string]badScript {
	node := func(labels []string, props value.Map) value.Node {
		return value.Node{ID: 1, Labels: labels, Props: props}
	}
	good := goodScript()
	any := good["ANYORDER"].res.Rows // columns x, n
	xn := []string{"x", "n"}
	ord := good["ORDERED"].res.Rows
	xl := []string{"x", "l"}
	pl := []string{"p", "l"}
	addNew := func(g *Graph) {
		g.Nodes = append(g.Nodes, value.Node{ID: 10, Labels: []string{"New"}, Props: value.Map{"k": "v"}})
	}
	m := map[string]badScript{}
	add := func(name, scenario, q string, r fakeResponse) {
		m[name] = badScript{scenario, mutate(q, r)}
	}
	add("wrong value", "[1]", "ANYORDER", res(xn, any[0], any[1], row(int64(1), node([]string{"A"}, value.Map{"name": "b"}))))
	add("float for integer", "[1]", "ANYORDER", res(xn, any[0], any[1], row(1.0, any[2][1])))
	add("integer for float", "[1]", "ANYORDER", res(xn, any[0], row(int64(2), any[1][1]), any[2]))
	add("missing label", "[1]", "ANYORDER", res(xn, any[0], row(2.5, node([]string{"B"}, nil)), any[2]))
	add("extra property", "[1]", "ANYORDER", res(xn, any[0], any[1], row(int64(1), node([]string{"A"}, value.Map{"name": "a", "z": int64(0)}))))
	add("null property", "[1]", "ANYORDER", res(xn, any[0], any[1], row(int64(1), node([]string{"A"}, value.Map{"name": nil}))))
	add("missing row", "[1]", "ANYORDER", res(xn, any[0], any[1]))
	add("extra row", "[1]", "ANYORDER", res(xn, any[0], any[1], any[2], any[2]))
	add("duplicate row instead of another", "[1]", "ANYORDER", res(xn, any[0], any[1], any[1]))
	add("wrong column name", "[1]", "ANYORDER", res([]string{"x", "m"}, any...))
	add("columns swapped", "[1]", "ANYORDER", res([]string{"n", "x"},
		row(any[0][1], any[0][0]), row(any[1][1], any[1][0]), row(any[2][1], any[2][0])))
	add("extra column", "[1]", "ANYORDER", res([]string{"x", "n", "y"}, append(any[0], nil), append(any[1], nil), append(any[2], nil)))
	add("wrong order", "[2]", "ORDERED", res(xl, ord[1], ord[0]))
	add("list order", "[2]", "ORDERED", res(xl, row(int64(1), value.List{int64(2), int64(1)}), ord[1]))
	add("NaN for number", "[2]", "ORDERED", res(xl, row(math.NaN(), value.List{int64(1), int64(2)}), ord[1]))
	add("string for number", "[2]", "ORDERED", res(xl, row("1", value.List{int64(1), int64(2)}), ord[1]))
	add("query error instead of rows", "[2]", "ORDERED", fakeResponse{err: &QueryError{Type: "TypeError", Phase: "runtime", Detail: "X"}})
	add("wrong error type", "[3]", "FAILS", fakeResponse{err: &QueryError{Type: "ArgumentError", Phase: "runtime", Detail: "InvalidArgumentValue"}})
	add("wrong error phase", "[3]", "FAILS", fakeResponse{err: &QueryError{Type: "TypeError", Phase: "compile time", Detail: "InvalidArgumentValue"}})
	add("wrong error detail", "[3]", "FAILS", fakeResponse{err: &QueryError{Type: "TypeError", Phase: "runtime", Detail: "InvalidArgumentType"}})
	add("no error", "[3]", "FAILS", res([]string{"x"}))
	add("error with side effect", "[3]", "FAILS", fakeResponse{err: good["FAILS"].err,
		apply: func(g *Graph) { g.Nodes = append(g.Nodes, value.Node{ID: 50}) }})
	add("engine fault", "[3]", "FAILS", fakeResponse{err: errors.New("disk on fire")})
	add("missed side effect", "[4]", "CREATES", res([]string{}))
	add("extra side effect", "[4]", "CREATES", fakeResponse{res: rows([]string{}), apply: func(g *Graph) {
		addNew(g)
		g.Nodes = append(g.Nodes, value.Node{ID: 11})
	}})
	add("label already present", "[4]", "CREATES", fakeResponse{res: rows([]string{}), apply: func(g *Graph) {
		g.Nodes = append(g.Nodes, value.Node{ID: 10, Labels: []string{"Old"}, Props: value.Map{"k": "v"}})
	}})
	add("property changed as well", "[4]", "CREATES", fakeResponse{res: rows([]string{}), apply: func(g *Graph) {
		addNew(g)
		g.Nodes[0].Props = value.Map{"p": int64(2)}
	}})
	add("property integer turned float", "[4]", "CREATES", fakeResponse{res: rows([]string{}), apply: func(g *Graph) {
		addNew(g)
		g.Nodes[0].Props = value.Map{"p": 1.0}
	}})
	add("rows where empty expected", "[4]", "CREATES", fakeResponse{res: rows([]string{"x"}, row(int64(1))), apply: addNew})
	a, b, c := value.Node{ID: 1, Labels: []string{"A"}}, value.Node{ID: 2, Labels: []string{"B"}}, value.Node{ID: 3}
	t := value.Relationship{ID: 1, StartID: 1, EndID: 2, Type: "T", Props: value.Map{"w": int64(1)}}
	add("path direction", "[5]", "PARAMS", res(pl, row(value.Path{Nodes: []value.Node{a, b, c},
		Rels: []value.Relationship{t, {ID: 2, StartID: 2, EndID: 3, Type: "U"}}}, value.List{int64(1), int64(2), int64(3)})))
	add("path relationship type", "[5]", "PARAMS", res(pl, row(value.Path{Nodes: []value.Node{a, b, c},
		Rels: []value.Relationship{t, {ID: 2, StartID: 3, EndID: 2, Type: "V"}}}, value.List{int64(1), int64(2), int64(3)})))
	add("list multiset", "[5]", "PARAMS", res(pl, row(good["PARAMS"].res.Rows[0][0], value.List{int64(1), int64(2), int64(2)})))
	add("procedure lost", "[7]", "DROPPROCS", fakeResponse{})
	add("outline row", "[6] Outline <q> #2", "TWO", res([]string{"x"}, row("one")))
	add("panic", "[6] Outline <q> #1", "ONE", fakeResponse{apply: func(*Graph) { panic("boom") }})
	return m
}
