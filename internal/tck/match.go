package tck

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/quiverdb/quiver/core/value"
)

// MatchValue reports whether an actual value matches an expected one parsed
// by ParseValue. Integers match only integers and floats only floats (NaN
// matches NaN); strings match strings, and temporal values match the string
// of their ISO form; lists match element by element (as multisets when
// ignoreListOrder); maps need the same keys; nodes need the same label set
// and properties, relationships the same type and properties, paths the same
// nodes and relationships in the same directions. Entity ids are not
// compared, as the TCK notation has none.
func MatchValue(exp, act value.Value, ignoreListOrder bool) bool {
	switch e := exp.(type) {
	case nil:
		return act == nil
	case bool:
		a, ok := act.(bool)
		return ok && a == e
	case int64:
		a, ok := act.(int64)
		return ok && a == e
	case float64:
		a, ok := act.(float64)
		return ok && (a == e || (a != a && e != e))
	case string:
		if a, ok := act.(string); ok {
			return a == e
		}
		s, ok := FormatTemporal(act)
		return ok && s == e
	case value.List:
		a, ok := act.(value.List)
		return ok && matchList(e, a, ignoreListOrder)
	case value.Map:
		a, ok := act.(value.Map)
		return ok && matchMap(e, a, ignoreListOrder)
	case value.Node:
		a, ok := act.(value.Node)
		return ok && matchNode(e, a, ignoreListOrder)
	case value.Relationship:
		a, ok := act.(value.Relationship)
		return ok && a.Type == e.Type && matchMap(e.Props, a.Props, ignoreListOrder)
	case value.Path:
		a, ok := act.(value.Path)
		return ok && matchPath(e, a, ignoreListOrder)
	}
	return false
}

func matchList(e, a value.List, ignoreOrder bool) bool {
	if len(e) != len(a) {
		return false
	}
	if !ignoreOrder {
		for i := range e {
			if !MatchValue(e[i], a[i], false) {
				return false
			}
		}
		return true
	}
	return fullMatching(len(e), func(i, j int) bool { return MatchValue(e[i], a[j], true) })
}

func matchMap(e, a value.Map, ignoreListOrder bool) bool {
	if len(e) != len(a) {
		return false
	}
	for k, ev := range e {
		av, ok := a[k]
		if !ok || !MatchValue(ev, av, ignoreListOrder) {
			return false
		}
	}
	return true
}

func matchNode(e, a value.Node, ignoreListOrder bool) bool {
	if len(e.Labels) != len(a.Labels) {
		return false
	}
	el := append([]string(nil), e.Labels...)
	al := append([]string(nil), a.Labels...)
	sort.Strings(el)
	sort.Strings(al)
	for i := range el {
		if el[i] != al[i] {
			return false
		}
	}
	return matchMap(e.Props, a.Props, ignoreListOrder)
}

// matchPath compares a parsed path (positional node ids, see ParseValue)
// with an actual one.
func matchPath(e, a value.Path, ignoreListOrder bool) bool {
	if len(e.Nodes) != len(a.Nodes) || len(e.Rels) != len(a.Rels) {
		return false
	}
	for i := range e.Nodes {
		if !matchNode(e.Nodes[i], a.Nodes[i], ignoreListOrder) {
			return false
		}
	}
	for i, er := range e.Rels {
		ar := a.Rels[i]
		if ar.Type != er.Type || !matchMap(er.Props, ar.Props, ignoreListOrder) {
			return false
		}
		expForward := er.StartID == int64(i)
		forward := ar.StartID == a.Nodes[i].ID && ar.EndID == a.Nodes[i+1].ID
		backward := ar.EndID == a.Nodes[i].ID && ar.StartID == a.Nodes[i+1].ID
		if (expForward && !forward) || (!expForward && !backward) {
			return false
		}
	}
	return true
}

// fullMatching reports whether the bipartite graph on n left and n right
// vertices with edges ok(i, j) has a perfect matching (Kuhn's algorithm),
// so that rows or elements pair off one to one.
func fullMatching(n int, ok func(i, j int) bool) bool {
	owner := make([]int, n) // right vertex -> left vertex, -1 when free
	for j := range owner {
		owner[j] = -1
	}
	adj := make([][]int, n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if ok(i, j) {
				adj[i] = append(adj[i], j)
			}
		}
		if len(adj[i]) == 0 {
			return false
		}
	}
	for i := 0; i < n; i++ {
		seen := make([]bool, n)
		if !augment(i, adj, owner, seen) {
			return false
		}
	}
	return true
}

func augment(i int, adj [][]int, owner []int, seen []bool) bool {
	for _, j := range adj[i] {
		if seen[j] {
			continue
		}
		seen[j] = true
		if owner[j] < 0 || augment(owner[j], adj, owner, seen) {
			owner[j] = i
			return true
		}
	}
	return false
}

// Expected is an expected result table.
type Expected struct {
	Columns []string
	Rows    [][]value.Value
	// Ordered: rows must come in this order ("in order").
	Ordered bool
	// IgnoreListOrder: lists compare as multisets.
	IgnoreListOrder bool
}

// ParseTable reads a result table: a header row of column names, then rows
// of values in the TCK notation.
func ParseTable(table [][]string) (Expected, error) {
	var exp Expected
	if len(table) == 0 {
		return exp, fmt.Errorf("result table without a header")
	}
	exp.Columns = table[0]
	for _, row := range table[1:] {
		var vals []value.Value
		for _, cell := range row {
			v, err := ParseValue(cell)
			if err != nil {
				return exp, err
			}
			vals = append(vals, v)
		}
		exp.Rows = append(exp.Rows, vals)
	}
	return exp, nil
}

// CompareResult returns nil when res matches exp, else an error saying how
// it differs. Columns must carry the same names in the same order, as the
// TCK's result tables fix them; rows must match one to one, in order when
// exp.Ordered.
func CompareResult(exp Expected, res *Result) error {
	if !slices.Equal(exp.Columns, res.Columns) {
		return fmt.Errorf("got columns %q, want %q", res.Columns, exp.Columns)
	}
	rows := res.Rows
	for i, r := range rows {
		if len(r) != len(res.Columns) {
			return fmt.Errorf("row %d has %d values for %d columns", i, len(r), len(res.Columns))
		}
	}
	rowOK := func(e, a []value.Value) bool {
		for c := range e {
			if !MatchValue(e[c], a[c], exp.IgnoreListOrder) {
				return false
			}
		}
		return true
	}
	if len(rows) != len(exp.Rows) {
		return fmt.Errorf("got %d rows, want %d\n%s", len(rows), len(exp.Rows), describe(exp, rows))
	}
	if exp.Ordered {
		for i := range rows {
			if !rowOK(exp.Rows[i], rows[i]) {
				return fmt.Errorf("row %d differs\n%s", i, describe(exp, rows))
			}
		}
		return nil
	}
	if !fullMatching(len(rows), func(i, j int) bool { return rowOK(exp.Rows[i], rows[j]) }) {
		return fmt.Errorf("rows differ\n%s", describe(exp, rows))
	}
	return nil
}

func describe(exp Expected, rows [][]value.Value) string {
	var b strings.Builder
	b.WriteString("  want:\n")
	for _, r := range exp.Rows {
		b.WriteString("    | " + formatRow(r) + " |\n")
	}
	b.WriteString("  got:\n")
	for _, r := range rows {
		b.WriteString("    | " + formatRow(r) + " |\n")
	}
	return b.String()
}

func formatRow(r []value.Value) string {
	parts := make([]string, len(r))
	for i, v := range r {
		parts[i] = Format(v)
	}
	return strings.Join(parts, " | ")
}
