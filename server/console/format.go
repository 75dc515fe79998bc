package console

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"

	"github.com/quiverdb/quiver/core/cypher/functions"
	"github.com/quiverdb/quiver/core/value"
)

// Format renders a driver value as a Cypher literal would show it: strings
// double-quoted and escaped, floats as Cypher prints them ("1.0"),
// temporal values as Cypher's toString() (zone names included), nodes
// "(:L {k: v})", relationships "[:T {k: v}]", and paths with each
// relationship's direction, "(:A)<-[:R]-(:B)".
func Format(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return functions.FormatFloat(x)
	case string:
		return Quote(x)
	case []byte:
		return "bytes(" + strconv.Itoa(len(x)) + ")"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = Format(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		return "{" + formatProps(x) + "}"
	case dbtype.Node:
		return formatNode(x)
	case dbtype.Relationship:
		return formatRel(x)
	case dbtype.Path:
		return formatPath(x)
	case dbtype.Point2D:
		return "point({srid: " + strconv.FormatUint(uint64(x.SpatialRefId), 10) + ", x: " + functions.FormatFloat(x.X) + ", y: " + functions.FormatFloat(x.Y) + "})"
	case dbtype.Point3D:
		return "point({srid: " + strconv.FormatUint(uint64(x.SpatialRefId), 10) + ", x: " + functions.FormatFloat(x.X) + ", y: " + functions.FormatFloat(x.Y) + ", z: " + functions.FormatFloat(x.Z) + "})"
	}
	if t, ok := Temporal(v); ok {
		s, _ := functions.FormatTemporal(t)
		return s
	}
	return fmt.Sprint(v)
}

// Quote writes s as a double-quoted Cypher string literal, escaping
// backslashes, quotes and control characters.
func Quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 || r == 0x7f {
				b.WriteString(`\u` + strconv.FormatInt(int64(r)+0x10000, 16)[1:])
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Temporal converts the driver's temporal values to Quiver's, whose
// formatting is Cypher's toString().
func Temporal(v any) (value.Value, bool) {
	switch x := v.(type) {
	case dbtype.Date:
		t := time.Time(x)
		return value.Date{Days: floorDiv(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Unix(), 86400)}, true
	case dbtype.LocalTime:
		return value.LocalTime{Nanos: clockNanos(time.Time(x))}, true
	case dbtype.Time:
		t := time.Time(x)
		_, off := t.Zone()
		return value.Time{Nanos: clockNanos(t), OffsetSec: int32(off)}, true
	case dbtype.LocalDateTime:
		t := time.Time(x)
		u := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
		return value.LocalDateTime{Sec: u.Unix(), Nsec: int32(u.Nanosecond())}, true
	case time.Time:
		_, off := x.Zone()
		zone := x.Location().String()
		if zone == "Offset" || zone == "Local" {
			zone = ""
		}
		return value.DateTime{Sec: x.Unix(), Nsec: int32(x.Nanosecond()), OffsetSec: int32(off), Zone: zone}, true
	case dbtype.Duration:
		return value.Duration{Months: x.Months, Days: x.Days, Seconds: x.Seconds, Nanos: int32(x.Nanos)}, true
	}
	return nil, false
}

func clockNanos(t time.Time) int64 {
	return int64(t.Hour())*int64(time.Hour) + int64(t.Minute())*int64(time.Minute) + int64(t.Second())*int64(time.Second) + int64(t.Nanosecond())
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func formatNode(n dbtype.Node) string {
	s := "("
	for _, l := range n.Labels {
		s += ":" + name(l)
	}
	if len(n.Props) > 0 {
		if len(n.Labels) > 0 {
			s += " "
		}
		s += "{" + formatProps(n.Props) + "}"
	}
	return s + ")"
}

func formatRel(r dbtype.Relationship) string {
	s := "[:" + name(r.Type)
	if len(r.Props) > 0 {
		s += " {" + formatProps(r.Props) + "}"
	}
	return s + "]"
}

// formatPath writes a path in its order, each relationship pointing the
// way it goes: (:A)-[:R]->(:B)<-[:S]-(:C).
func formatPath(p dbtype.Path) string {
	var b strings.Builder
	for i, n := range p.Nodes {
		b.WriteString(formatNode(n))
		if i >= len(p.Relationships) || i+1 >= len(p.Nodes) {
			continue
		}
		r := p.Relationships[i]
		if r.StartElementId == n.ElementId && r.EndElementId == p.Nodes[i+1].ElementId {
			b.WriteString("-" + formatRel(r) + "->")
		} else {
			b.WriteString("<-" + formatRel(r) + "-")
		}
	}
	return b.String()
}

// name writes a label, type or key, back-quoted when it is not a plain
// identifier.
func name(s string) string {
	plain := s != ""
	for i, r := range s {
		if !(r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')) {
			plain = false
		}
	}
	if plain {
		return s
	}
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

func formatProps(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = name(k) + ": " + Format(m[k])
	}
	return strings.Join(parts, ", ")
}
