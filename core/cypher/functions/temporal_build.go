package functions

import (
	"math"
	"strings"
	"time"

	"github.com/quiverdb/quiver/core/cypher/cyerr"
	"github.com/quiverdb/quiver/core/value"
)

// Building temporal values from maps, as date({year: 1984, week: 10}),
// datetime({date: d, hour: 12, timezone: 'Europe/Stockholm'}) and
// duration({days: 1.5}) do.

// maxYear bounds the years Cypher supports.
const maxYear = 999_999_999

// fields is a constructor map with lower-cased keys.
type fields map[string]value.Value

func newFields(name string, m value.Map) (fields, error) {
	f := fields{}
	for k, v := range m {
		lk := strings.ToLower(k)
		if _, dup := f[lk]; dup {
			return nil, temporalErr(name, "duplicate key %q", k)
		}
		f[lk] = v
	}
	return f, nil
}

func temporalErr(name, format string, args ...any) error {
	return cyerr.ArgumentError(cyerr.DetailInvalidArgumentValue, name+"(): "+format, args...)
}

func (f fields) has(keys ...string) bool {
	for _, k := range keys {
		if _, ok := f[k]; ok {
			return true
		}
	}
	return false
}

// int reads an integer field; ok is false when absent.
func (f fields) int(name, key string) (n int64, ok bool, err error) {
	v, present := f[key]
	if !present || v == nil {
		return 0, false, nil
	}
	switch x := v.(type) {
	case int64:
		return x, true, nil
	case float64:
		if x == math.Trunc(x) {
			return int64(x), true, nil
		}
	}
	return 0, false, temporalErr(name, "%s must be an integer, not %s", key, typeName(v))
}

// intOr reads an integer field or returns def.
func (f fields) intOr(name, key string, def int64) (int64, error) {
	n, ok, err := f.int(name, key)
	if !ok {
		return def, err
	}
	return n, err
}

func inRange(name, key string, n, lo, hi int64) error {
	if n < lo || n > hi {
		return temporalErr(name, "%s %d is out of range %d..%d", key, n, lo, hi)
	}
	return nil
}

// baseDate is the date part a map inherits from a "date" or "datetime" key.
func (f fields) baseDate(env Env, name string) (*int64, error) {
	for _, k := range []string{"date", "datetime"} {
		if v, ok := f[k]; ok && v != nil {
			d, ok := datePart(v)
			if !ok {
				return nil, temporalErr(name, "%s must be a temporal value with a date, not %s", k, typeName(v))
			}
			return &d, nil
		}
	}
	return nil, nil
}

// datePart returns the (local) day number of a temporal value with a date.
func datePart(v value.Value) (int64, bool) {
	switch x := v.(type) {
	case value.Date:
		return x.Days, true
	case value.LocalDateTime:
		return floorDiv(x.Sec, 86400), true
	case value.DateTime:
		return floorDiv(x.Sec+int64(x.OffsetSec), 86400), true
	}
	return 0, false
}

// timePart returns the local nanosecond of day of a temporal value with a
// time, and its offset when it has one.
func timePart(v value.Value) (nanos int64, offset *int32, ok bool) {
	switch x := v.(type) {
	case value.LocalTime:
		return x.Nanos, nil, true
	case value.Time:
		o := x.OffsetSec
		return x.Nanos, &o, true
	case value.LocalDateTime:
		return floorMod(x.Sec, 86400)*1e9 + int64(x.Nsec), nil, true
	case value.DateTime:
		o := x.OffsetSec
		return floorMod(x.Sec+int64(x.OffsetSec), 86400)*1e9 + int64(x.Nsec), &o, true
	}
	return 0, nil, false
}

// buildDate computes the day number a map describes: calendar (year, month,
// day), week (year, week, dayOfWeek), ordinal (year, ordinalDay) or quarter
// (year, quarter, dayOfQuarter) form, over an optional base date.
func (f fields) buildDate(name string, base *int64) (int64, error) {
	var by, bm, bd int64
	if base != nil {
		by, bm, bd = civilFromDays(*base)
	} else if !f.has("year") {
		return 0, temporalErr(name, "year is required")
	}
	if y, ok, err := f.int(name, "year"); err != nil || (ok && (y < -maxYear || y > maxYear)) {
		if err == nil {
			err = temporalErr(name, "year %d is out of range", y)
		}
		return 0, err
	}
	switch {
	case f.has("week", "dayofweek"):
		return f.weekDate(name, base)
	case f.has("ordinalday"):
		y, err := f.intOr(name, "year", by)
		if err != nil {
			return 0, err
		}
		od, err := f.intOr(name, "ordinalday", 1)
		if err != nil {
			return 0, err
		}
		max := int64(365)
		if isLeap(y) {
			max = 366
		}
		if err := inRange(name, "ordinalDay", od, 1, max); err != nil {
			return 0, err
		}
		return daysFromCivil(y, 1, 1) + od - 1, nil
	case f.has("quarter", "dayofquarter"):
		return f.quarterDate(name, base)
	}
	y, err := f.intOr(name, "year", by)
	if err != nil {
		return 0, err
	}
	if base == nil {
		bm, bd = 1, 1
	}
	m, err := f.intOr(name, "month", bm)
	if err != nil {
		return 0, err
	}
	if err := inRange(name, "month", m, 1, 12); err != nil {
		return 0, err
	}
	d, err := f.intOr(name, "day", bd)
	if err != nil {
		return 0, err
	}
	if err := inRange(name, "day", d, 1, daysInMonth(y, m)); err != nil {
		return 0, err
	}
	return daysFromCivil(y, m, d), nil
}

func (f fields) weekDate(name string, base *int64) (int64, error) {
	var by, bw, bdow int64 = 0, 1, 1
	if base != nil {
		by, bw = isoWeek(*base)
		bdow = isoWeekday(*base)
	}
	y, err := f.intOr(name, "year", by)
	if err != nil {
		return 0, err
	}
	w, err := f.intOr(name, "week", bw)
	if err != nil {
		return 0, err
	}
	if err := inRange(name, "week", w, 1, weeksInYear(y)); err != nil {
		return 0, err
	}
	dow, err := f.intOr(name, "dayofweek", bdow)
	if err != nil {
		return 0, err
	}
	if err := inRange(name, "dayOfWeek", dow, 1, 7); err != nil {
		return 0, err
	}
	return weekStart(y) + (w-1)*7 + dow - 1, nil
}

func (f fields) quarterDate(name string, base *int64) (int64, error) {
	var by, bq, bdq int64 = 0, 1, 1
	if base != nil {
		var m int64
		by, m, _ = civilFromDays(*base)
		bq = (m-1)/3 + 1
		bdq = *base - daysFromCivil(by, (bq-1)*3+1, 1) + 1
	}
	y, err := f.intOr(name, "year", by)
	if err != nil {
		return 0, err
	}
	q, err := f.intOr(name, "quarter", bq)
	if err != nil {
		return 0, err
	}
	if err := inRange(name, "quarter", q, 1, 4); err != nil {
		return 0, err
	}
	dq, err := f.intOr(name, "dayofquarter", bdq)
	if err != nil {
		return 0, err
	}
	start := daysFromCivil(y, (q-1)*3+1, 1)
	if err := inRange(name, "dayOfQuarter", dq, 1, daysFromCivil(y, (q-1)*3+4, 1)-start); err != nil {
		return 0, err
	}
	return start + dq - 1, nil
}

// buildTime computes the nanosecond of day from hour, minute, second,
// millisecond, microsecond and nanosecond over an optional base time.
func (f fields) buildTime(name string, base *int64) (int64, error) {
	var bh, bmin, bs, bns int64
	if base != nil {
		bh, bmin, bs, bns = *base/3600e9, *base/60e9%60, *base/1e9%60, *base%1e9
	}
	h, err := f.intOr(name, "hour", bh)
	if err != nil {
		return 0, err
	}
	mi, err := f.intOr(name, "minute", bmin)
	if err != nil {
		return 0, err
	}
	s, err := f.intOr(name, "second", bs)
	if err != nil {
		return 0, err
	}
	if f.has("minute") && !f.has("hour") && base == nil {
		return 0, temporalErr(name, "minute needs hour")
	}
	for _, c := range []struct {
		key    string
		v, max int64
	}{{"hour", h, 23}, {"minute", mi, 59}, {"second", s, 59}} {
		if err := inRange(name, c.key, c.v, 0, c.max); err != nil {
			return 0, err
		}
	}
	ns := bns
	if f.has("millisecond", "microsecond", "nanosecond") {
		// Over a base, each sub-second field replaces its own part.
		var bms, bus, bn int64
		if base != nil {
			bms, bus, bn = bns/1e6, bns/1e3%1000, bns%1000
			if !f.has("millisecond") && !f.has("microsecond") {
				if n, _, _ := f.int(name, "nanosecond"); n > 999 {
					bms, bus = 0, 0
				}
			} else if !f.has("millisecond") {
				if us, _, _ := f.int(name, "microsecond"); us > 999 {
					bms = 0
				}
			}
		}
		ms, err := f.intOr(name, "millisecond", bms)
		if err != nil {
			return 0, err
		}
		us, err := f.intOr(name, "microsecond", bus)
		if err != nil {
			return 0, err
		}
		n, err := f.intOr(name, "nanosecond", bn)
		if err != nil {
			return 0, err
		}
		if err := inRange(name, "millisecond", ms, 0, 999); err != nil {
			return 0, err
		}
		if ms != 0 || f.has("millisecond") {
			if err := inRange(name, "microsecond", us, 0, 999); err != nil {
				return 0, err
			}
		} else if err := inRange(name, "microsecond", us, 0, 999_999); err != nil {
			return 0, err
		}
		maxNs := int64(999_999_999)
		if ms != 0 || us != 0 || f.has("millisecond", "microsecond") {
			maxNs = 999
		}
		if err := inRange(name, "nanosecond", n, 0, maxNs); err != nil {
			return 0, err
		}
		ns = ms*1e6 + us*1e3 + n
	}
	return h*3600e9 + mi*60e9 + s*1e9 + ns, nil
}

// zone is a parsed time zone: a fixed offset, or an IANA zone.
type zone struct {
	offset int32
	loc    *time.Location // nil for a fixed offset
	name   string
}

// parseZone reads "Z", "+01:00", "+0100", "+01", "-02:05:07" or an IANA
// name.
func parseZone(fn, s string) (zone, error) {
	if s == "Z" || s == "z" {
		return zone{}, nil
	}
	if off, ok := parseOffset(s); ok {
		return zone{offset: off}, nil
	}
	loc, err := value.LoadZone(s)
	if err != nil || s == "" || s == "Local" {
		return zone{}, temporalErr(fn, "unknown time zone %q", s)
	}
	return zone{loc: loc, name: s}, nil
}

// parseOffset reads ±HH, ±HHMM, ±HH:MM, ±HHMMSS or ±HH:MM:SS.
func parseOffset(s string) (int32, bool) {
	if len(s) < 3 || (s[0] != '+' && s[0] != '-') {
		return 0, false
	}
	sign := int32(1)
	if s[0] == '-' {
		sign = -1
	}
	digits := strings.ReplaceAll(s[1:], ":", "")
	if len(digits) != 2 && len(digits) != 4 && len(digits) != 6 {
		return 0, false
	}
	var parts [3]int32
	for i := 0; i < len(digits); i += 2 {
		a, b := digits[i], digits[i+1]
		if a < '0' || a > '9' || b < '0' || b > '9' {
			return 0, false
		}
		parts[i/2] = int32(a-'0')*10 + int32(b-'0')
	}
	if parts[0] > 18 || parts[1] > 59 || parts[2] > 59 {
		return 0, false
	}
	return sign * (parts[0]*3600 + parts[1]*60 + parts[2]), true
}

// zoneField reads the "timezone" key, or returns def.
func (f fields) zoneField(name string, def zone) (zone, error) {
	v, ok := f["timezone"]
	if !ok || v == nil {
		return def, nil
	}
	s, ok := v.(string)
	if !ok {
		return zone{}, temporalErr(name, "timezone must be a string, not %s", typeName(v))
	}
	return parseZone(name, s)
}

// zoneOf returns the zone a temporal value carries.
func zoneOf(v value.Value) (zone, bool) {
	switch x := v.(type) {
	case value.Time:
		return zone{offset: x.OffsetSec}, true
	case value.DateTime:
		if x.Zone != "" {
			if loc, err := value.LoadZone(x.Zone); err == nil {
				return zone{offset: x.OffsetSec, loc: loc, name: x.Zone}, true
			}
		}
		return zone{offset: x.OffsetSec}, true
	}
	return zone{}, false
}

// localToDateTime places a local date and time in a zone (a local time in
// a daylight-saving gap moves forward, as time.Date does).
func localToDateTime(days, nanos int64, z zone) value.DateTime {
	nsec := int32(nanos % 1e9)
	if z.loc == nil {
		return value.DateTime{Sec: days*86400 + nanos/1e9 - int64(z.offset), Nsec: nsec, OffsetSec: z.offset}
	}
	y, m, d := civilFromDays(days)
	t := time.Date(int(y), time.Month(m), int(d), int(nanos/3600e9), int(nanos/60e9%60), int(nanos/1e9%60), int(nsec), z.loc)
	_, off := t.Zone()
	return value.DateTime{Sec: t.Unix(), Nsec: nsec, OffsetSec: int32(off), Zone: z.name}
}

// instantInZone returns a DateTime for a UTC instant in zone z.
func instantInZone(sec int64, nsec int32, z zone) value.DateTime {
	if z.loc == nil {
		return value.DateTime{Sec: sec, Nsec: nsec, OffsetSec: z.offset}
	}
	_, off := time.Unix(sec, 0).In(z.loc).Zone()
	return value.DateTime{Sec: sec, Nsec: nsec, OffsetSec: int32(off), Zone: z.name}
}

// offsetForTime returns the offset a zone has for a time of day without a
// date: fixed offsets as they are, named zones at 1970-01-01.
func offsetForTime(z zone) int32 {
	if z.loc == nil {
		return z.offset
	}
	_, off := time.Unix(0, 0).In(z.loc).Zone()
	return int32(off)
}
