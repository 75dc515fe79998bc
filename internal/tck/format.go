package tck

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

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

// FormatTemporal writes a temporal value as Cypher's toString() does (ISO
// 8601 as java.time prints it). ok is false for non-temporal values.
func FormatTemporal(v value.Value) (s string, ok bool) {
	switch x := v.(type) {
	case value.Date:
		return formatDate(x.Days), true
	case value.LocalTime:
		return formatClock(x.Nanos), true
	case value.Time:
		return formatClock(x.Nanos) + formatOffset(x.OffsetSec), true
	case value.LocalDateTime:
		return formatLocalDateTime(x.Sec, x.Nsec), true
	case value.DateTime:
		s := formatLocalDateTime(x.Sec+int64(x.OffsetSec), x.Nsec) + formatOffset(x.OffsetSec)
		if x.Zone != "" {
			s += "[" + x.Zone + "]"
		}
		return s, true
	case value.Duration:
		return formatDuration(x), true
	}
	return "", false
}

func formatDate(days int64) string {
	t := time.Unix(days*86400, 0).UTC()
	y := t.Year()
	switch {
	case y > 9999:
		return fmt.Sprintf("+%d-%02d-%02d", y, t.Month(), t.Day())
	case y < 0:
		return fmt.Sprintf("-%04d-%02d-%02d", -y, t.Month(), t.Day())
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, t.Month(), t.Day())
}

// formatClock prints HH:MM[:SS[.fff|.ffffff|.fffffffff]] like LocalTime.toString.
func formatClock(nanos int64) string {
	h, m := nanos/3600e9, nanos/60e9%60
	sec, ns := nanos/1e9%60, nanos%1e9
	s := fmt.Sprintf("%02d:%02d", h, m)
	if sec == 0 && ns == 0 {
		return s
	}
	s += fmt.Sprintf(":%02d", sec)
	switch {
	case ns == 0:
	case ns%1e6 == 0:
		s += fmt.Sprintf(".%03d", ns/1e6)
	case ns%1e3 == 0:
		s += fmt.Sprintf(".%06d", ns/1e3)
	default:
		s += fmt.Sprintf(".%09d", ns)
	}
	return s
}

func formatOffset(sec int32) string {
	if sec == 0 {
		return "Z"
	}
	sign := '+'
	if sec < 0 {
		sign, sec = '-', -sec
	}
	s := fmt.Sprintf("%c%02d:%02d", sign, sec/3600, sec/60%60)
	if sec%60 != 0 {
		s += fmt.Sprintf(":%02d", sec%60)
	}
	return s
}

func formatLocalDateTime(sec int64, nsec int32) string {
	days := sec / 86400
	rem := sec % 86400
	if rem < 0 {
		days--
		rem += 86400
	}
	return formatDate(days) + "T" + formatClock(rem*1e9+int64(nsec))
}

func formatDuration(d value.Duration) string {
	var b strings.Builder
	b.WriteByte('P')
	if y := d.Months / 12; y != 0 {
		fmt.Fprintf(&b, "%dY", y)
	}
	if m := d.Months % 12; m != 0 {
		fmt.Fprintf(&b, "%dM", m)
	}
	if d.Days != 0 {
		fmt.Fprintf(&b, "%dD", d.Days)
	}
	total := d.Seconds*1e9 + int64(d.Nanos)
	if total == 0 {
		if d.Months == 0 && d.Days == 0 {
			return "PT0S"
		}
		return b.String()
	}
	b.WriteByte('T')
	h, rest := total/3600e9, total%3600e9
	m, rest := rest/60e9, rest%60e9
	if h != 0 {
		fmt.Fprintf(&b, "%dH", h)
	}
	if m != 0 {
		fmt.Fprintf(&b, "%dM", m)
	}
	if rest != 0 {
		sign := ""
		if rest < 0 {
			sign, rest = "-", -rest
		}
		frac := strings.TrimRight(fmt.Sprintf("%09d", rest%1e9), "0")
		fmt.Fprintf(&b, "%s%d", sign, rest/1e9)
		if frac != "" {
			b.WriteString("." + frac)
		}
		b.WriteByte('S')
	}
	return b.String()
}
