package cypher

import (
	"sort"
	"strings"

	"github.com/quiverdb/quiver/core/value"
)

// builtinProcedures are the procedures every engine has: Neo4j's schema
// introspection that drivers and tools call first (db.labels(),
// db.relationshipTypes(), db.propertyKeys(), dbms.components()) and
// Memgraph's mg.procedures(). They read the transaction's snapshot, so
// they answer deterministically, in sorted order.
func (e *Engine) builtinProcedures() []Procedure {
	str := func(name string) []ProcParam { return []ProcParam{{Name: name, Type: "STRING"}} }
	list := func(names []string) [][]value.Value {
		rows := make([][]value.Value, len(names))
		for i, n := range names {
			rows[i] = []value.Value{n}
		}
		return rows
	}
	return []Procedure{
		{Name: "db.labels", Outputs: str("label"), run: func(c *execCtx, _ []value.Value) ([][]value.Value, error) {
			return list(graphNames(c.tx).labels), nil
		}},
		{Name: "db.relationshipTypes", Outputs: str("relationshipType"), run: func(c *execCtx, _ []value.Value) ([][]value.Value, error) {
			return list(graphNames(c.tx).types), nil
		}},
		{Name: "db.propertyKeys", Outputs: str("propertyKey"), run: func(c *execCtx, _ []value.Value) ([][]value.Value, error) {
			return list(graphNames(c.tx).keys), nil
		}},
		{Name: "dbms.components", Outputs: []ProcParam{{Name: "name", Type: "STRING"}, {Name: "versions", Type: "LIST OF STRING"}, {Name: "edition", Type: "STRING"}},
			run: func(*execCtx, []value.Value) ([][]value.Value, error) {
				return [][]value.Value{{"Quiver", value.List{e.host().Version}, "community"}}, nil
			}},
		e.showProcedure("quiver.show.indexes", "show-indexes"),
		e.showProcedure("quiver.show.constraints", "show-constraints"),
		{Name: "mg.procedures", Outputs: []ProcParam{{Name: "name", Type: "STRING"}, {Name: "signature", Type: "STRING"},
			{Name: "is_write", Type: "BOOLEAN"}, {Name: "path", Type: "STRING"}, {Name: "is_editable", Type: "BOOLEAN"}},
			run: func(*execCtx, []value.Value) ([][]value.Value, error) { return e.procedureRows(), nil }},
	}
}

// procedureRows lists every callable procedure for mg.procedures(), by name.
func (e *Engine) procedureRows() [][]value.Value {
	keys := make([]string, 0, len(e.procs))
	for k := range e.procs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	rows := make([][]value.Value, 0, len(keys))
	for _, k := range keys {
		p := e.procs[k]
		path := "builtin"
		if p.run == nil {
			path = "registered"
		}
		rows = append(rows, []value.Value{p.Name, Signature(p), p.write, path, false})
	}
	return rows
}

// Signature renders a procedure's signature as Memgraph and Neo4j list it:
// name(in :: TYPE) :: (out :: TYPE).
func Signature(p Procedure) string {
	params := func(ps []ProcParam) string {
		parts := make([]string, len(ps))
		for i, q := range ps {
			parts[i] = q.Name + " :: " + strings.ToUpper(q.Type)
		}
		return strings.Join(parts, ", ")
	}
	return p.Name + "(" + params(p.Inputs) + ") :: (" + params(p.Outputs) + ")"
}

// showProcedure is the procedure behind SHOW INDEXES|CONSTRAINTS YIELD ...:
// the statement's rows as procedure output.
func (e *Engine) showProcedure(name, kind string) Procedure {
	stmt := &SchemaStmt{Kind: kind}
	cols := schemaColumns(stmt)
	outs := make([]ProcParam, len(cols))
	for i, c := range cols {
		outs[i] = ProcParam{Name: c, Type: "ANY"}
	}
	return Procedure{Name: name, Outputs: outs, run: func(c *execCtx, _ []value.Value) ([][]value.Value, error) {
		st, ok := c.tx.(SchemaTx)
		if !ok {
			return nil, runtimeErr(CodeSemanticError, "Unsupported", "this transaction does not support schema statements")
		}
		var out [][]value.Value
		for _, r := range e.show(c, st, stmt) {
			vals := make([]value.Value, len(cols))
			for i, col := range cols {
				vals[i] = r[col]
			}
			out = append(out, vals)
		}
		return out, nil
	}}
}
