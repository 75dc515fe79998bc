package functions

import (
	"fmt"
	"strings"

	"github.com/quiverdb/quiver/core/value"
)

// FormatTemporal writes a temporal value as Cypher's toString() does (ISO
// 8601 as java.time prints it: "1984-10-11", "12:31:14.645Z",
// "1984-10-11T12:31+01:00[Europe/Stockholm]", "P1Y2M3DT4H5M6.5S"). ok is
// false for values that are not temporal.
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
	y, m, d := civilFromDays(days)
	switch {
	case y > 9999:
		return fmt.Sprintf("+%d-%02d-%02d", y, m, d)
	case y < 0:
		return fmt.Sprintf("-%04d-%02d-%02d", -y, m, d)
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
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
	days := floorDiv(sec, 86400)
	rem := sec - days*86400
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
	sec, ns := d.Seconds, int64(d.Nanos)
	if sec < 0 && ns > 0 { // give both parts one sign
		sec, ns = sec+1, ns-1e9
	}
	if sec == 0 && ns == 0 {
		if d.Months == 0 && d.Days == 0 {
			return "PT0S"
		}
		return b.String()
	}
	b.WriteByte('T')
	if h := sec / 3600; h != 0 {
		fmt.Fprintf(&b, "%dH", h)
	}
	if m := sec % 3600 / 60; m != 0 {
		fmt.Fprintf(&b, "%dM", m)
	}
	if s, n := sec%60, ns; s != 0 || n != 0 {
		if s < 0 || n < 0 {
			b.WriteByte('-')
			s, n = -s, -n
		}
		fmt.Fprintf(&b, "%d", s)
		if frac := strings.TrimRight(fmt.Sprintf("%09d", n), "0"); frac != "" {
			b.WriteString("." + frac)
		}
		b.WriteByte('S')
	}
	return b.String()
}
