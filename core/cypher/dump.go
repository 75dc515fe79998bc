package cypher

import (
	"fmt"
	"strings"
)

// Dump prints a parsed statement, one clause per line, with expressions in
// their canonical parenthesised form. It is the parser's test transcript.
func Dump(q *Query) string {
	var b strings.Builder
	if q.Explain {
		b.WriteString("EXPLAIN\n")
	}
	if q.Profile {
		b.WriteString("PROFILE\n")
	}
	if a := q.Admin; a != nil {
		b.WriteString(dumpAdmin(a) + "\n")
		return b.String()
	}
	if s := q.Schema; s != nil {
		fmt.Fprintf(&b, "%s label=%s property=%s kind=%s", s.Kind, s.Label, s.Property, s.CKind)
		if s.Name != "" {
			fmt.Fprintf(&b, " name=%s", s.Name)
		}
		if s.IfNotExists {
			b.WriteString(" if-not-exists")
		}
		if s.IfExists {
			b.WriteString(" if-exists")
		}
		b.WriteString("\n")
		return b.String()
	}
	for i, sq := range q.Parts {
		if i > 0 {
			if q.UnionAll[i-1] {
				b.WriteString("UNION ALL\n")
			} else {
				b.WriteString("UNION\n")
			}
		}
		for _, c := range sq.Clauses {
			b.WriteString(dumpClause(c) + "\n")
		}
	}
	return b.String()
}

func patterns(pps []*PathPattern) string {
	var ps []string
	for _, p := range pps {
		ps = append(ps, patternString(p))
	}
	return strings.Join(ps, ", ")
}

func setItems(items []SetItem) string {
	var ps []string
	for _, it := range items {
		switch it.Kind {
		case "labels":
			ps = append(ps, exprString(it.Target)+":"+strings.Join(it.Labels, ":"))
		case "prop":
			s := exprString(it.Target)
			if it.Val != nil {
				s += " = " + exprString(it.Val)
			}
			ps = append(ps, s)
		case "replace":
			ps = append(ps, exprString(it.Target)+" = "+exprString(it.Val))
		case "merge":
			ps = append(ps, exprString(it.Target)+" += "+exprString(it.Val))
		}
	}
	return strings.Join(ps, ", ")
}

func dumpProjection(p Projection) string {
	var b strings.Builder
	if p.Distinct {
		b.WriteString(" DISTINCT")
	}
	var ps []string
	if p.Star {
		ps = append(ps, "*")
	}
	for _, it := range p.Items {
		ps = append(ps, exprString(it.Expr)+" AS `"+it.Name+"`")
	}
	b.WriteString(" " + strings.Join(ps, ", "))
	if len(p.Order) > 0 {
		var os []string
		for _, o := range p.Order {
			s := exprString(o.Expr)
			if o.Desc {
				s += " DESC"
			}
			os = append(os, s)
		}
		b.WriteString(" ORDER BY " + strings.Join(os, ", "))
	}
	if p.Skip != nil {
		b.WriteString(" SKIP " + exprString(p.Skip))
	}
	if p.Limit != nil {
		b.WriteString(" LIMIT " + exprString(p.Limit))
	}
	return b.String()
}

func dumpClause(c Clause) string {
	switch x := c.(type) {
	case *MatchClause:
		s := "MATCH "
		if x.Optional {
			s = "OPTIONAL MATCH "
		}
		s += patterns(x.Patterns)
		if x.Where != nil {
			s += " WHERE " + exprString(x.Where)
		}
		return s
	case *CallSubqueryClause:
		return dumpCallSubquery(x)
	case *LoadCSVClause:
		return dumpLoadCSV(x)
	case *UnwindClause:
		return "UNWIND " + exprString(x.Expr) + " AS " + x.Var
	case *WithClause:
		s := "WITH" + dumpProjection(x.Proj)
		if x.Where != nil {
			s += " WHERE " + exprString(x.Where)
		}
		return s
	case *ReturnClause:
		return "RETURN" + dumpProjection(x.Proj)
	case *CreateClause:
		return "CREATE " + patterns(x.Patterns)
	case *MergeClause:
		s := "MERGE " + patternString(x.Pattern)
		if len(x.OnCreate) > 0 {
			s += " ON CREATE SET " + setItems(x.OnCreate)
		}
		if len(x.OnMatch) > 0 {
			s += " ON MATCH SET " + setItems(x.OnMatch)
		}
		return s
	case *SetClause:
		return "SET " + setItems(x.Items)
	case *RemoveClause:
		return "REMOVE " + setItems(x.Items)
	case *DeleteClause:
		s := "DELETE "
		if x.Detach {
			s = "DETACH DELETE "
		}
		var es []string
		for _, e := range x.Exprs {
			es = append(es, exprString(e))
		}
		return s + strings.Join(es, ", ")
	case *ForeachClause:
		var cs []string
		for _, cl := range x.Clauses {
			cs = append(cs, dumpClause(cl))
		}
		return "FOREACH (" + x.Var + " IN " + exprString(x.List) + " | " + strings.Join(cs, " ") + ")"
	case *CallClause:
		s := "CALL " + x.Name
		if !x.Implicit {
			var as []string
			for _, a := range x.Args {
				as = append(as, exprString(a))
			}
			s += "(" + strings.Join(as, ", ") + ")"
		}
		if x.YieldAll {
			s += " YIELD *"
		}
		for i, y := range x.Yields {
			if i == 0 {
				s += " YIELD "
			} else {
				s += ", "
			}
			s += y.Field + " AS " + y.Var
		}
		if x.Where != nil {
			s += " WHERE " + exprString(x.Where)
		}
		return s
	}
	return fmt.Sprintf("%T", c)
}

// dumpAdmin prints an administrative statement with its arguments.
func dumpAdmin(a AdminStmt) string {
	switch r := a.(type) {
	case SetReplicationRole:
		if r.Replica {
			return fmt.Sprintf("admin %s replica port=%d", a.AdminName(), r.Port)
		}
		return "admin " + a.AdminName() + " main"
	case RegisterReplica:
		return fmt.Sprintf("admin %s name=%s mode=%s address=%s", a.AdminName(), r.Name, r.Mode, argString(r.Address))
	case DropReplica:
		return "admin " + a.AdminName() + " name=" + r.Name
	}
	t, ok := a.(TerminateTransactions)
	if !ok {
		return "admin " + a.AdminName()
	}
	var args []string
	for _, id := range t.IDs {
		args = append(args, argString(id))
	}
	return "admin " + a.AdminName() + " ids=" + strings.Join(args, ",")
}

// argString prints an admin argument: $param or a quoted literal.
func argString(a AdminArg) string {
	if a.Param != "" {
		return "$" + a.Param
	}
	return fmt.Sprintf("%q", a.Value)
}
