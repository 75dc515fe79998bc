package functions

import (
	"math"
	"strconv"
	"strings"

	"github.com/quiverdb/quiver/core/value"
)

// Parsing the ISO 8601 forms Cypher accepts: dates in calendar, week,
// ordinal and reduced forms, basic or extended; times with optional
// fraction and offset; date-times with an optional [Zone]; durations.

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// parseDateString parses a date; it returns the day number.
func parseDateString(name, s string) (int64, error) {
	bad := func() (int64, error) { return 0, temporalErr(name, "cannot parse %q as a date", s) }
	// The year: 4 digits, or a sign and more digits.
	var year int64
	var rest string
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		i := 1
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i < 5 || i > 19 {
			return bad()
		}
		year = atoi(s[1:i])
		if s[0] == '-' {
			year = -year
		}
		rest = s[i:]
	} else {
		if len(s) < 4 || !allDigits(s[:4]) {
			return bad()
		}
		year, rest = atoi(s[:4]), s[4:]
	}
	f := fields{"year": year}
	extended := strings.HasPrefix(rest, "-")
	if extended {
		rest = rest[1:]
	}
	switch {
	case rest == "" && !extended:
	case strings.HasPrefix(rest, "W"):
		w := rest[1:]
		if len(w) < 2 || !allDigits(w[:2]) {
			return bad()
		}
		f["week"] = atoi(w[:2])
		w = w[2:]
		if extended && strings.HasPrefix(w, "-") {
			w = w[1:]
		} else if extended && w != "" {
			return bad()
		}
		if w != "" {
			if len(w) != 1 || !allDigits(w) {
				return bad()
			}
			f["dayofweek"] = atoi(w)
		}
	case allDigits(rest) && len(rest) == 3:
		f["ordinalday"] = atoi(rest)
	case extended && len(rest) == 5 && allDigits(rest[:2]) && rest[2] == '-' && allDigits(rest[3:]):
		f["month"], f["day"] = atoi(rest[:2]), atoi(rest[3:])
	case !extended && len(rest) == 4 && allDigits(rest):
		f["month"], f["day"] = atoi(rest[:2]), atoi(rest[2:])
	case len(rest) == 2 && allDigits(rest):
		f["month"] = atoi(rest)
	default:
		return bad()
	}
	return f.buildDate(name, nil)
}

// splitZone cuts a time string into the clock part and its offset and
// zone suffix ("" when absent).
func splitZone(s string) (clock, offset, zoneName string) {
	if i := strings.IndexByte(s, '['); i >= 0 && strings.HasSuffix(s, "]") {
		s, zoneName = s[:i], s[i+1:len(s)-1]
	}
	if i := strings.IndexAny(s, "Zz+-"); i >= 0 {
		return s[:i], s[i:], zoneName
	}
	return s, "", zoneName
}

// parseClock parses HH[:MM[:SS[.fff]]] or HH[MM[SS[.fff]]]; it returns the
// nanosecond of day.
func parseClock(name, s string) (int64, error) {
	bad := func() (int64, error) { return 0, temporalErr(name, "cannot parse %q as a time", s) }
	frac := ""
	if i := strings.IndexAny(s, ".,"); i >= 0 {
		s, frac = s[:i], s[i+1:]
		if !allDigits(frac) || len(frac) > 9 {
			return bad()
		}
	}
	var parts []string
	if strings.Contains(s, ":") {
		parts = strings.Split(s, ":")
	} else {
		for i := 0; i < len(s); i += 2 {
			if i+2 > len(s) {
				return bad()
			}
			parts = append(parts, s[i:i+2])
		}
	}
	if len(parts) == 0 || len(parts) > 3 || (frac != "" && len(parts) != 3) {
		return bad()
	}
	keys := []string{"hour", "minute", "second"}
	f := fields{}
	for i, p := range parts {
		if len(p) != 2 || !allDigits(p) {
			return bad()
		}
		f[keys[i]] = atoi(p)
	}
	if frac != "" {
		f["nanosecond"] = atoi((frac + "000000000")[:9])
	}
	return f.buildTime(name, nil)
}

// parseTimeString parses a time with an optional offset.
func parseTimeString(name, s string) (nanos int64, z *zone, err error) {
	clock, off, zn := splitZone(s)
	if zn != "" {
		return 0, nil, temporalErr(name, "a time cannot have a named zone: %q", s)
	}
	nanos, err = parseClock(name, clock)
	if err != nil {
		return 0, nil, err
	}
	if off != "" {
		zz, err := parseZone(name, off)
		if err != nil || zz.loc != nil {
			return 0, nil, temporalErr(name, "cannot parse offset in %q", s)
		}
		z = &zz
	}
	return nanos, z, nil
}

// parseDateTimeString parses DATE[T TIME[OFFSET][[ZONE]]].
func parseDateTimeString(name, s string) (days, nanos int64, z *zone, err error) {
	datePart, timePart, hasTime := strings.Cut(s, "T")
	days, err = parseDateString(name, datePart)
	if err != nil || !hasTime {
		return days, 0, nil, err
	}
	clock, off, zn := splitZone(timePart)
	nanos, err = parseClock(name, clock)
	if err != nil {
		return 0, 0, nil, err
	}
	switch {
	case zn != "":
		zz, err := parseZone(name, zn)
		if err != nil || zz.loc == nil {
			return 0, 0, nil, temporalErr(name, "unknown time zone in %q", s)
		}
		if off != "" {
			if _, ok := parseOffset(off); !ok && off != "Z" {
				return 0, 0, nil, temporalErr(name, "cannot parse offset in %q", s)
			}
		}
		z = &zz
	case off != "":
		zz, err := parseZone(name, off)
		if err != nil || zz.loc != nil {
			return 0, 0, nil, temporalErr(name, "cannot parse offset in %q", s)
		}
		z = &zz
	}
	return days, nanos, z, nil
}

// parseDurationString parses PnYnMnWnDTnHnMnS (each number may have a sign
// and a fraction) or the alternative form PYYYY-MM-DDThh:mm:ss.
func parseDurationString(name, s string) (value.Duration, error) {
	bad := func() (value.Duration, error) {
		return value.Duration{}, temporalErr(name, "cannot parse %q as a duration", s)
	}
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	if !strings.HasPrefix(s, "P") || len(s) < 2 {
		return bad()
	}
	body := s[1:]
	if len(body) >= 5 && allDigits(body[:4]) && body[4] == '-' {
		return parseAltDuration(name, body, neg)
	}
	datePart, timePart, hasT := strings.Cut(body, "T")
	if hasT && timePart == "" {
		return bad()
	}
	f := value.Map{}
	units := func(part string, keys map[byte]string) bool {
		for part != "" {
			i := 0
			for i < len(part) && (part[i] == '-' || part[i] == '+' || part[i] == '.' || part[i] == ',' || (part[i] >= '0' && part[i] <= '9')) {
				i++
			}
			if i == 0 || i == len(part) {
				return false
			}
			key, ok := keys[part[i]]
			if !ok {
				return false
			}
			if _, dup := f[key]; dup {
				return false
			}
			num := strings.Replace(part[:i], ",", ".", 1)
			if strings.Contains(num, ".") {
				x, err := strconv.ParseFloat(num, 64)
				if err != nil {
					return false
				}
				f[key] = x
			} else {
				x, err := strconv.ParseInt(num, 10, 64)
				if err != nil {
					return false
				}
				f[key] = x
			}
			part = part[i+1:]
		}
		return true
	}
	if !units(datePart, map[byte]string{'Y': "years", 'M': "months", 'W': "weeks", 'D': "days"}) ||
		!units(timePart, map[byte]string{'H': "hours", 'M': "minutes", 'S': "seconds"}) {
		return bad()
	}
	if len(f) == 0 {
		return bad()
	}
	d, err := buildDuration(name, f)
	if err != nil || !neg {
		return d, err
	}
	return negateDuration(d), nil
}

func parseAltDuration(name, body string, neg bool) (value.Duration, error) {
	datePart, timePart, _ := strings.Cut(body, "T")
	dp := strings.Split(datePart, "-")
	if len(dp) != 3 || !allDigits(dp[0]) || !allDigits(dp[1]) || !allDigits(dp[2]) {
		return value.Duration{}, temporalErr(name, "cannot parse %q as a duration", body)
	}
	f := value.Map{"years": atoi(dp[0]), "months": atoi(dp[1]), "days": atoi(dp[2])}
	if timePart != "" {
		nanos, err := parseClock(name, timePart)
		if err != nil {
			return value.Duration{}, err
		}
		f["nanoseconds"] = nanos
	}
	d, err := buildDuration(name, f)
	if err != nil || !neg {
		return d, err
	}
	return negateDuration(d), nil
}

func negateDuration(d value.Duration) value.Duration {
	return normDuration(-d.Months, -d.Days, -d.Seconds, -int64(d.Nanos))
}

// normDuration keeps nanoseconds in [0, 1e9), carrying into seconds.
func normDuration(months, days, seconds, nanos int64) value.Duration {
	seconds += floorDiv(nanos, 1e9)
	return value.Duration{Months: months, Days: days, Seconds: seconds, Nanos: int32(floorMod(nanos, 1e9))}
}

// secondsPerMonth is the average Gregorian month; secondsPerDay a day.
const (
	avgMonthSeconds = 2629746
	daySeconds      = 86400
)

// buildDuration builds a duration from years, quarters, months, weeks,
// days, hours, minutes, seconds, milliseconds, microseconds and
// nanoseconds. Fractions flow down: a fraction of a month becomes days and
// seconds (by the average month), a fraction of a day becomes seconds.
func buildDuration(name string, m value.Map) (value.Duration, error) {
	f, err := newFields(name, m)
	if err != nil {
		return value.Duration{}, err
	}
	num := func(key string) (float64, bool, error) {
		v, ok := f[key]
		if !ok || v == nil {
			return 0, false, nil
		}
		switch x := v.(type) {
		case int64:
			return float64(x), true, nil
		case float64:
			return x, true, nil
		}
		return 0, false, temporalErr(name, "%s must be a number, not %s", key, typeName(v))
	}
	for k := range f {
		switch k {
		case "years", "quarters", "months", "weeks", "days", "hours", "minutes", "seconds", "milliseconds", "microseconds", "nanoseconds":
		default:
			return value.Duration{}, temporalErr(name, "unknown duration field %q", k)
		}
	}
	// Integer parts are kept exact; fractions flow down one level at a
	// time: years and quarters to months, months to days (by the average
	// month), weeks to days, days to seconds.
	var months, days, nanos int64
	var fracMonths, fracDays, fracSeconds float64
	type unit struct {
		key  string
		size int64
		frac *float64
		into *int64
	}
	units := []unit{
		{"years", 12, &fracMonths, &months}, {"quarters", 3, &fracMonths, &months}, {"months", 1, &fracMonths, &months},
		{"weeks", 7, &fracDays, &days}, {"days", 1, &fracDays, &days},
		{"hours", 3600e9, &fracSeconds, &nanos}, {"minutes", 60e9, &fracSeconds, &nanos}, {"seconds", 1e9, &fracSeconds, &nanos},
		{"milliseconds", 1e6, &fracSeconds, &nanos}, {"microseconds", 1e3, &fracSeconds, &nanos}, {"nanoseconds", 1, &fracSeconds, &nanos},
	}
	for _, u := range units {
		x, ok, err := num(u.key)
		if err != nil {
			return value.Duration{}, err
		}
		if !ok {
			continue
		}
		if i, isInt := f[u.key].(int64); isInt {
			*u.into += i * u.size
			continue
		}
		whole, frac := math.Modf(x * float64(u.size))
		*u.into += int64(whole)
		*u.frac += frac
	}
	// fracSeconds holds fractions of nanoseconds scaled by the unit: turn it
	// back into nanoseconds.
	fracNanos := fracSeconds
	if fracMonths != 0 {
		whole, frac := math.Modf(fracMonths * avgMonthSeconds / daySeconds)
		days += int64(whole)
		fracDays += frac
	}
	if fracDays != 0 {
		whole, frac := math.Modf(fracDays)
		days += int64(whole)
		fracNanos += frac * daySeconds * 1e9
	}
	nanos += int64(math.Round(fracNanos))
	return normDuration(months, days, 0, nanos), nil
}
