package cypher

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/quiverdb/quiver/core/value"
)

// exprString prints an expression in a canonical, fully parenthesised form.
// It is used for AST dumps and to recognise equal expressions.
func exprString(e Expr) string {
	var b strings.Builder
	writeExpr(&b, e)
	return b.String()
}

func writeLiteral(b *strings.Builder, v value.Value) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		b.WriteString(strconv.Quote(x))
	case int64, float64:
		b.WriteString(numString(x))
	default:
		fmt.Fprint(b, x)
	}
}

func writeExprs(b *strings.Builder, es []Expr) {
	for i, e := range es {
		if i > 0 {
			b.WriteString(", ")
		}
		writeExpr(b, e)
	}
}

func writeExpr(b *strings.Builder, e Expr) {
	switch x := e.(type) {
	case nil:
		b.WriteString("<nil>")
	case *Literal:
		writeLiteral(b, x.Val)
	case *Param:
		b.WriteString("$" + x.Name)
	case *Var:
		b.WriteString(x.Name)
	case *PropAccess:
		writeExpr(b, x.X)
		b.WriteString("." + x.Key)
	case *IndexExpr:
		writeExpr(b, x.X)
		b.WriteString("[")
		writeExpr(b, x.Idx)
		b.WriteString("]")
	case *SliceExpr:
		writeExpr(b, x.X)
		b.WriteString("[")
		if x.From != nil {
			writeExpr(b, x.From)
		}
		b.WriteString("..")
		if x.To != nil {
			writeExpr(b, x.To)
		}
		b.WriteString("]")
	case *Binary:
		b.WriteString("(")
		writeExpr(b, x.L)
		b.WriteString(" " + x.Op + " ")
		writeExpr(b, x.R)
		b.WriteString(")")
	case *Unary:
		b.WriteString("(" + x.Op + " ")
		writeExpr(b, x.X)
		b.WriteString(")")
	case *IsNull:
		b.WriteString("(")
		writeExpr(b, x.X)
		if x.Not {
			b.WriteString(" IS NOT NULL)")
		} else {
			b.WriteString(" IS NULL)")
		}
	case *HasLabels:
		writeExpr(b, x.X)
		b.WriteString(":" + strings.Join(x.Labels, ":"))
	case *FuncCall:
		b.WriteString(strings.ToLower(x.Name) + "(")
		if x.Star {
			b.WriteString("*")
		}
		if x.Distinct {
			b.WriteString("DISTINCT ")
		}
		writeExprs(b, x.Args)
		b.WriteString(")")
	case *ListLit:
		b.WriteString("[")
		writeExprs(b, x.Items)
		b.WriteString("]")
	case *MapLit:
		b.WriteString("{")
		for i, k := range x.Keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k + ": ")
			writeExpr(b, x.Vals[i])
		}
		b.WriteString("}")
	case *CaseExpr:
		b.WriteString("CASE")
		if x.Test != nil {
			b.WriteString(" ")
			writeExpr(b, x.Test)
		}
		for i := range x.Whens {
			b.WriteString(" WHEN ")
			writeExpr(b, x.Whens[i])
			b.WriteString(" THEN ")
			writeExpr(b, x.Thens[i])
		}
		if x.Else != nil {
			b.WriteString(" ELSE ")
			writeExpr(b, x.Else)
		}
		b.WriteString(" END")
	case *ListComp:
		b.WriteString("[" + x.Var + " IN ")
		writeExpr(b, x.List)
		if x.Where != nil {
			b.WriteString(" WHERE ")
			writeExpr(b, x.Where)
		}
		if x.Proj != nil {
			b.WriteString(" | ")
			writeExpr(b, x.Proj)
		}
		b.WriteString("]")
	case *Quantifier:
		b.WriteString(x.Kind + "(" + x.Var + " IN ")
		writeExpr(b, x.List)
		if x.Where != nil {
			b.WriteString(" WHERE ")
			writeExpr(b, x.Where)
		}
		b.WriteString(")")
	case *Reduce:
		b.WriteString("reduce(" + x.Acc + " = ")
		writeExpr(b, x.Init)
		b.WriteString(", " + x.Var + " IN ")
		writeExpr(b, x.List)
		b.WriteString(" | ")
		writeExpr(b, x.Expr)
		b.WriteString(")")
	case *MapProjection:
		b.WriteString(x.Var + "{")
		for i, it := range x.Items {
			if i > 0 {
				b.WriteString(", ")
			}
			switch it.Kind {
			case "all":
				b.WriteString(".*")
			case "prop":
				b.WriteString("." + it.Key)
			case "var":
				b.WriteString(it.Key)
			default:
				b.WriteString(it.Key + ": ")
				writeExpr(b, it.Val)
			}
		}
		b.WriteString("}")
	case *PatternExpr:
		b.WriteString(patternString(x.Pattern))
	case *PatternComp:
		b.WriteString("[" + patternString(x.Pattern))
		if x.Where != nil {
			b.WriteString(" WHERE ")
			writeExpr(b, x.Where)
		}
		b.WriteString(" | ")
		writeExpr(b, x.Proj)
		b.WriteString("]")
	case *ExistsSubquery:
		if x.Count {
			b.WriteString("COUNT {")
		} else {
			b.WriteString("EXISTS {")
		}
		for i, p := range x.Patterns {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(patternString(p))
		}
		if x.Where != nil {
			b.WriteString(" WHERE ")
			writeExpr(b, x.Where)
		}
		b.WriteString("}")
	default:
		fmt.Fprintf(b, "<%T>", e)
	}
}

func patternString(pp *PathPattern) string {
	var b strings.Builder
	if pp.Var != "" {
		b.WriteString(pp.Var + " = ")
	}
	if pp.Shortest != "" {
		b.WriteString(pp.Shortest + "(")
	}
	for i, n := range pp.Nodes {
		b.WriteString("(" + strings.TrimSpace(n.Var))
		for _, l := range n.Labels {
			b.WriteString(":" + l)
		}
		if n.Props != nil {
			b.WriteString(" ")
			writeExpr(&b, n.Props)
		}
		b.WriteString(")")
		if i < len(pp.Rels) {
			r := pp.Rels[i]
			if r.Dir == DirIn {
				b.WriteString("<")
			}
			b.WriteString("-[" + strings.TrimSpace(r.Var))
			if len(r.Types) > 0 {
				b.WriteString(":" + strings.Join(r.Types, "|"))
			}
			if r.VarLen {
				b.WriteString("*" + strconv.FormatInt(r.Min, 10) + "..")
				if r.Max >= 0 {
					b.WriteString(strconv.FormatInt(r.Max, 10))
				}
			}
			if r.Props != nil {
				b.WriteString(" ")
				writeExpr(&b, r.Props)
			}
			b.WriteString("]-")
			if r.Dir == DirOut {
				b.WriteString(">")
			}
		}
	}
	if pp.Shortest != "" {
		b.WriteString(")")
	}
	return b.String()
}
