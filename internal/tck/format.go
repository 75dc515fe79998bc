package tck

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/quiverdb/quiver/core/cypher/functions"
	"github.com/quiverdb/quiver/core/value"
)

// Format writes a value in the TCK's notation (used in failure reports, and
// for temporal values, which the TCK writes as strings).
func Format(v value.Value) string {
	var b strings.Builder
	formatTo(&b, v)
	return b.String()
}

func formatTo(b *strings.Builder, v value.Value) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		b.WriteString(functions.FormatFloat(x))
	case string:
		b.WriteString(quote(x))
	case value.List:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			formatTo(b, e)
		}
		b.WriteByte(']')
	case value.Map:
		formatMap(b, x)
	case value.Node:
		b.WriteByte('(')
		for _, l := range x.Labels {
			b.WriteString(":" + l)
		}
		formatProps(b, x.Props, len(x.Labels) > 0)
		b.WriteByte(')')
	case value.Relationship:
		b.WriteString("[:" + x.Type)
		formatProps(b, x.Props, true)
		b.WriteByte(']')
	case value.Path:
		formatPath(b, x)
	default:
		if s, ok := FormatTemporal(v); ok {
			b.WriteString(quote(s))
			return
		}
		fmt.Fprintf(b, "%v", v)
	}
}

func quote(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return "'" + strings.ReplaceAll(s, "'", `\'`) + "'"
}

func formatMap(b *strings.Builder, m value.Map) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k + ": ")
		formatTo(b, m[k])
	}
	b.WriteByte('}')
}

func formatProps(b *strings.Builder, m value.Map, space bool) {
	if len(m) == 0 {
		return
	}
	if space {
		b.WriteByte(' ')
	}
	formatMap(b, m)
}

func formatPath(b *strings.Builder, p value.Path) {
	b.WriteByte('<')
	for i, n := range p.Nodes {
		formatTo(b, n)
		if i < len(p.Rels) {
			r := p.Rels[i]
			if r.StartID == n.ID {
				b.WriteByte('-')
				formatTo(b, r)
				b.WriteString("->")
			} else {
				b.WriteString("<-")
				formatTo(b, r)
				b.WriteByte('-')
			}
		}
	}
	b.WriteByte('>')
}

// FormatTemporal writes a temporal value as Cypher's toString() does; ok
// is false for other values.
func FormatTemporal(v value.Value) (string, bool) { return functions.FormatTemporal(v) }
