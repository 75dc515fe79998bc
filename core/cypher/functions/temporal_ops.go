package functions

import (
	"math"
	"strings"

	"github.com/quiverdb/quiver/core/value"
)

// Operations the engine's operators and property access need on temporal
// values: t + d, t - d, d + d, d - d, d * n, d / n and t.field.

// AddDuration returns t + d for a temporal value t: months and days move
// the local date (clamping the day to the month), seconds and nanoseconds
// the time (an instant for a zoned date-time). A date ignores the
// sub-day part; a time wraps around midnight.
func AddDuration(t value.Value, d value.Duration) (value.Value, error) {
	switch x := t.(type) {
	case value.Date:
		l := addMonths(local{x.Days, 0}, d.Months)
		return value.Date{Days: l.days + d.Days + (d.Seconds+int64(d.Nanos)/1e9)/86400}, nil
	case value.LocalTime:
		return value.LocalTime{Nanos: addClock(x.Nanos, d)}, nil
	case value.Time:
		return value.Time{Nanos: addClock(x.Nanos, d), OffsetSec: x.OffsetSec}, nil
	case value.LocalDateTime:
		l := addMonths(local{floorDiv(x.Sec, 86400), floorMod(x.Sec, 86400)*1e9 + int64(x.Nsec)}, d.Months)
		l.days += d.Days
		sec := l.days*86400 + l.nanos/1e9 + d.Seconds
		nsec := l.nanos%1e9 + int64(d.Nanos)
		sec += floorDiv(nsec, 1e9)
		return value.LocalDateTime{Sec: sec, Nsec: int32(floorMod(nsec, 1e9))}, nil
	case value.DateTime:
		z, _ := zoneOf(x)
		localSec := x.Sec + int64(x.OffsetSec)
		l := addMonths(local{floorDiv(localSec, 86400), floorMod(localSec, 86400)*1e9 + int64(x.Nsec)}, d.Months)
		l.days += d.Days
		dt := localToDateTime(l.days, l.nanos, z)
		nsec := int64(dt.Nsec) + int64(d.Nanos)
		sec := dt.Sec + d.Seconds + floorDiv(nsec, 1e9)
		return instantInZone(sec, int32(floorMod(nsec, 1e9)), z), nil
	}
	return nil, badArg("+", t)
}

// SubtractDuration returns t - d.
func SubtractDuration(t value.Value, d value.Duration) (value.Value, error) {
	return AddDuration(t, negateDuration(d))
}

func addClock(nanos int64, d value.Duration) int64 {
	return floorMod(nanos+floorMod(d.Seconds, 86400)*1e9+int64(d.Nanos), 86400e9)
}

// AddDurations returns a + b, component by component.
func AddDurations(a, b value.Duration) value.Duration {
	return normDuration(a.Months+b.Months, a.Days+b.Days, a.Seconds+b.Seconds, int64(a.Nanos)+int64(b.Nanos))
}

// SubtractDurations returns a - b.
func SubtractDurations(a, b value.Duration) value.Duration { return AddDurations(a, negateDuration(b)) }

// MultiplyDuration returns d * n for a number n; fractions flow down from
// months to days to seconds as in duration({...}).
func MultiplyDuration(d value.Duration, n value.Value) (value.Value, error) {
	switch x := n.(type) {
	case int64:
		return normDuration(d.Months*x, d.Days*x, d.Seconds*x, int64(d.Nanos)*x), nil
	case float64:
		return scaleDuration(d, x)
	}
	return nil, badArg("*", n)
}

// DivideDuration returns d / n for a number n.
func DivideDuration(d value.Duration, n value.Value) (value.Value, error) {
	f, err := toF("/", n)
	if err != nil {
		return nil, err
	}
	if f == 0 {
		return nil, temporalErr("/", "division of a duration by zero")
	}
	return scaleDuration(d, 1/f)
}

func scaleDuration(d value.Duration, f float64) (value.Value, error) {
	secs := (float64(d.Seconds) + float64(d.Nanos)/1e9) * f
	whole, frac := math.Modf(secs)
	base, err := buildDuration("*", value.Map{"months": float64(d.Months) * f, "days": float64(d.Days) * f})
	if err != nil {
		return nil, err
	}
	return AddDurations(base, normDuration(0, 0, int64(whole), int64(math.Round(frac*1e9)))), nil
}

// TemporalProperty returns t.key for a temporal value or duration (year,
// month, week, weekYear, dayOfWeek, hour, timezone, offset, epochSeconds,
// ...; for durations years, months, days, hours, ..., monthsOfYear,
// nanosecondsOfSecond, ...). ok is false when t has no such field.
func TemporalProperty(t value.Value, key string) (v value.Value, ok bool) {
	k := strings.ToLower(key)
	if d, isDur := t.(value.Duration); isDur {
		return durationField(d, k)
	}
	p, isTemporal := partsOf(t)
	if !isTemporal {
		return nil, false
	}
	if p.hasDate {
		if v, ok := dateField(p.days, k); ok {
			return v, true
		}
	}
	if p.hasTime {
		if v, ok := timeField(p.nanos, k); ok {
			return v, true
		}
	}
	if p.zone != nil {
		if v, ok := zoneField(t, p, k); ok {
			return v, true
		}
	}
	return nil, false
}

func dateField(days int64, k string) (value.Value, bool) {
	y, m, d := civilFromDays(days)
	switch k {
	case "year":
		return y, true
	case "quarter":
		return (m-1)/3 + 1, true
	case "month":
		return m, true
	case "week":
		_, w := isoWeek(days)
		return w, true
	case "weekyear":
		wy, _ := isoWeek(days)
		return wy, true
	case "day":
		return d, true
	case "ordinalday":
		return days - daysFromCivil(y, 1, 1) + 1, true
	case "weekday", "dayofweek":
		return isoWeekday(days), true
	case "dayofquarter":
		return days - daysFromCivil(y, (m-1)/3*3+1, 1) + 1, true
	}
	return nil, false
}

func timeField(nanos int64, k string) (value.Value, bool) {
	switch k {
	case "hour":
		return nanos / 3600e9, true
	case "minute":
		return nanos / 60e9 % 60, true
	case "second":
		return nanos / 1e9 % 60, true
	case "millisecond":
		return nanos % 1e9 / 1e6, true
	case "microsecond":
		return nanos % 1e9 / 1e3, true
	case "nanosecond":
		return nanos % 1e9, true
	}
	return nil, false
}

func zoneField(t value.Value, p localParts, k string) (value.Value, bool) {
	var off int32
	switch x := t.(type) {
	case value.Time:
		off = x.OffsetSec
	case value.DateTime:
		off = x.OffsetSec
	}
	switch k {
	case "timezone":
		if p.zone.name != "" {
			return p.zone.name, true
		}
		return formatOffset(off), true
	case "offset":
		return formatOffset(off), true
	case "offsetminutes":
		return int64(off / 60), true
	case "offsetseconds":
		return int64(off), true
	}
	if dt, isDT := t.(value.DateTime); isDT {
		switch k {
		case "epochseconds":
			return dt.Sec, true
		case "epochmillis":
			return dt.Sec*1000 + int64(dt.Nsec)/1e6, true
		}
	}
	return nil, false
}

func durationField(d value.Duration, k string) (value.Value, bool) {
	nanos := int64(d.Nanos)
	switch k {
	case "years":
		return d.Months / 12, true
	case "quarters":
		return d.Months / 3, true
	case "months":
		return d.Months, true
	case "weeks":
		return d.Days / 7, true
	case "days":
		return d.Days, true
	case "hours":
		return d.Seconds / 3600, true
	case "minutes":
		return d.Seconds / 60, true
	case "seconds":
		return d.Seconds, true
	case "milliseconds":
		return d.Seconds*1000 + nanos/1e6, true
	case "microseconds":
		return d.Seconds*1e6 + nanos/1e3, true
	case "nanoseconds":
		return d.Seconds*1e9 + nanos, true
	case "quartersofyear":
		return d.Months % 12 / 3, true
	case "monthsofquarter":
		return d.Months % 3, true
	case "monthsofyear":
		return d.Months % 12, true
	case "daysofweek":
		return d.Days % 7, true
	case "minutesofhour":
		return d.Seconds / 60 % 60, true
	case "secondsofminute":
		return d.Seconds % 60, true
	case "millisecondsofsecond":
		return nanos / 1e6, true
	case "microsecondsofsecond":
		return nanos / 1e3, true
	case "nanosecondsofsecond":
		return nanos, true
	}
	return nil, false
}

// TemporalArith applies a binary operator (+, -, *, /) when a temporal
// value or duration is involved: temporal ± duration, duration + temporal,
// duration ± duration, duration * number, number * duration and duration /
// number. handled is false when the operands are not such a pair, so the
// engine can fall through to its numeric and string operators.
func TemporalArith(op string, a, b value.Value) (v value.Value, handled bool, err error) {
	ad, aDur := a.(value.Duration)
	bd, bDur := b.(value.Duration)
	_, aTemporal := partsOf(a)
	_, bTemporal := partsOf(b)
	switch {
	case aDur && bDur && op == "+":
		return AddDurations(ad, bd), true, nil
	case aDur && bDur && op == "-":
		return SubtractDurations(ad, bd), true, nil
	case aTemporal && bDur && op == "+":
		v, err = AddDuration(a, bd)
		return v, true, err
	case aTemporal && bDur && op == "-":
		v, err = SubtractDuration(a, bd)
		return v, true, err
	case aDur && bTemporal && op == "+":
		v, err = AddDuration(b, ad)
		return v, true, err
	case aDur && isNum(b) && op == "*":
		v, err = MultiplyDuration(ad, b)
		return v, true, err
	case isNum(a) && bDur && op == "*":
		v, err = MultiplyDuration(bd, a)
		return v, true, err
	case aDur && isNum(b) && op == "/":
		v, err = DivideDuration(ad, b)
		return v, true, err
	}
	return nil, false, nil
}

func isNum(v value.Value) bool {
	switch v.(type) {
	case int64, float64:
		return true
	}
	return false
}
