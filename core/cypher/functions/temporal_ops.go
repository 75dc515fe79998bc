package functions

import (
	"math"

	"github.com/quiverdb/quiver/core/cypher/cyerr"
	"github.com/quiverdb/quiver/core/value"
)

// TemporalArith applies + - * / when an operand is a temporal value or a
// duration: instant ± duration, duration ± duration, duration * or / a
// number. ok is false when neither operand is temporal (the caller handles
// the operator); an unsupported combination is a TypeError.
func TemporalArith(op string, a, b value.Value) (v value.Value, ok bool, err error) {
	if !isTemporal(a) && !isTemporal(b) {
		return nil, false, nil
	}
	bad := func() (value.Value, bool, error) {
		return nil, true, cyerr.TypeError(cyerr.DetailInvalidArgumentType, "cannot apply %s to %s and %s", op, typeName(a), typeName(b))
	}
	da, aDur := a.(value.Duration)
	db, bDur := b.(value.Duration)
	switch op {
	case "+", "-":
		switch {
		case aDur && bDur:
			if op == "-" {
				db = negateDuration(db)
			}
			return normDuration(da.Months+db.Months, da.Days+db.Days, da.Seconds+db.Seconds, int64(da.Nanos)+int64(db.Nanos)), true, nil
		case bDur:
			if op == "-" {
				db = negateDuration(db)
			}
			r, ok := addToInstant(a, db)
			if !ok {
				return bad()
			}
			return r, true, nil
		case aDur && op == "+":
			r, ok := addToInstant(b, da)
			if !ok {
				return bad()
			}
			return r, true, nil
		}
	case "*", "/":
		f, isNum := number(b)
		if !aDur || !isNum {
			if g, isNumA := number(a); op == "*" && bDur && isNumA {
				return scaleDuration(db, g), true, nil
			}
			return bad()
		}
		if op == "/" {
			if f == 0 {
				return nil, true, cyerr.ArgumentError(cyerr.DetailNumberOutOfRange, "division of a duration by zero")
			}
			f = 1 / f
		}
		return scaleDuration(da, f), true, nil
	}
	return bad()
}

func isTemporal(v value.Value) bool {
	switch v.(type) {
	case value.Date, value.LocalTime, value.Time, value.LocalDateTime, value.DateTime, value.Duration:
		return true
	}
	return false
}

func number(v value.Value) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// scaleDuration multiplies each component; fractions of months flow into
// days and seconds (by the average month), fractions of days into seconds.
func scaleDuration(d value.Duration, f float64) value.Duration {
	months := float64(d.Months) * f
	wholeMonths := math.Trunc(months)
	days := float64(d.Days)*f + (months-wholeMonths)*avgMonthSeconds/daySeconds
	wholeDays := math.Trunc(days)
	nanos := float64(d.Seconds*1e9+int64(d.Nanos))*f + (days-wholeDays)*daySeconds*1e9
	return normDuration(int64(wholeMonths), int64(wholeDays), 0, int64(math.Trunc(nanos)))
}

// addToInstant adds a duration to a temporal instant: months first (the
// day clamped to the month's length), then days, then the time part.
func addToInstant(t value.Value, d value.Duration) (value.Value, bool) {
	timeNanos := d.Seconds*1e9 + int64(d.Nanos)
	switch x := t.(type) {
	case value.Date:
		days := addMonthsDays(x.Days, d) + timeNanos/(daySeconds*1e9)
		return value.Date{Days: days}, true
	case value.LocalTime:
		return value.LocalTime{Nanos: floorMod(x.Nanos+timeNanos, daySeconds*1e9)}, true
	case value.Time:
		return value.Time{Nanos: floorMod(x.Nanos+timeNanos, daySeconds*1e9), OffsetSec: x.OffsetSec}, true
	case value.LocalDateTime:
		days, nanos := addDateTime(floorDiv(x.Sec, daySeconds), floorMod(x.Sec, daySeconds)*1e9+int64(x.Nsec), d)
		return value.LocalDateTime{Sec: days*daySeconds + nanos/1e9, Nsec: int32(nanos % 1e9)}, true
	case value.DateTime:
		local := x.Sec + int64(x.OffsetSec)
		days, nanos := addDateTime(floorDiv(local, daySeconds), floorMod(local, daySeconds)*1e9+int64(x.Nsec), d)
		z, _ := zoneOf(x)
		return localToDateTime(days, nanos, z), true
	}
	return nil, false
}

func addMonthsDays(days int64, d value.Duration) int64 {
	y, m, dd := civilFromDays(days)
	total := y*12 + (m - 1) + d.Months
	ny, nm := floorDiv(total, 12), floorMod(total, 12)+1
	dd = min(dd, daysInMonth(ny, nm))
	return daysFromCivil(ny, nm, dd) + d.Days
}

func addDateTime(days, nanos int64, d value.Duration) (int64, int64) {
	days = addMonthsDays(days, d)
	nanos += d.Seconds*1e9 + int64(d.Nanos)
	days += floorDiv(nanos, daySeconds*1e9)
	return days, floorMod(nanos, daySeconds*1e9)
}

// TemporalField reads a component of a temporal value or duration
// (d.year, t.hour, dt.epochMillis, dur.minutesOfHour, ...). ok is false for
// a value that is not temporal; an unknown field is null.
func TemporalField(v value.Value, key string) (value.Value, bool) {
	switch x := v.(type) {
	case value.Date:
		return dateField(x.Days, key), true
	case value.LocalTime:
		return timeField(x.Nanos, key), true
	case value.Time:
		if r := offsetField(x.OffsetSec, "", key); r != nil {
			return r, true
		}
		return timeField(x.Nanos, key), true
	case value.LocalDateTime:
		days, nanos := floorDiv(x.Sec, daySeconds), floorMod(x.Sec, daySeconds)*1e9+int64(x.Nsec)
		if r := dateField(days, key); r != nil {
			return r, true
		}
		return timeField(nanos, key), true
	case value.DateTime:
		switch key {
		case "epochSeconds":
			return x.Sec, true
		case "epochMillis":
			return x.Sec*1000 + int64(x.Nsec)/1e6, true
		}
		if r := offsetField(x.OffsetSec, x.Zone, key); r != nil {
			return r, true
		}
		local := x.Sec + int64(x.OffsetSec)
		if r := dateField(floorDiv(local, daySeconds), key); r != nil {
			return r, true
		}
		return timeField(floorMod(local, daySeconds)*1e9+int64(x.Nsec), key), true
	case value.Duration:
		return durationField(x, key), true
	}
	return nil, false
}

func dateField(days int64, key string) value.Value {
	y, m, d := civilFromDays(days)
	switch key {
	case "year":
		return y
	case "quarter":
		return (m-1)/3 + 1
	case "month":
		return m
	case "week":
		_, w := isoWeek(days)
		return w
	case "weekYear":
		wy, _ := isoWeek(days)
		return wy
	case "day":
		return d
	case "ordinalDay":
		return days - daysFromCivil(y, 1, 1) + 1
	case "weekDay", "dayOfWeek":
		return isoWeekday(days)
	case "dayOfQuarter":
		return days - daysFromCivil(y, (m-1)/3*3+1, 1) + 1
	}
	return nil
}

func timeField(nanos int64, key string) value.Value {
	switch key {
	case "hour":
		return nanos / 3600e9
	case "minute":
		return nanos / 60e9 % 60
	case "second":
		return nanos / 1e9 % 60
	case "millisecond":
		return nanos % 1e9 / 1e6
	case "microsecond":
		return nanos % 1e9 / 1e3
	case "nanosecond":
		return nanos % 1e9
	}
	return nil
}

func offsetField(off int32, zoneName, key string) value.Value {
	switch key {
	case "timezone":
		if zoneName != "" {
			return zoneName
		}
		return formatOffset(off)
	case "offset":
		return formatOffset(off)
	case "offsetMinutes":
		return int64(off) / 60
	case "offsetSeconds":
		return int64(off)
	}
	return nil
}

func durationField(d value.Duration, key string) value.Value {
	nanos := d.Seconds*1e9 + int64(d.Nanos)
	switch key {
	case "years":
		return d.Months / 12
	case "quarters":
		return d.Months / 3
	case "months":
		return d.Months
	case "weeks":
		return d.Days / 7
	case "days":
		return d.Days
	case "hours":
		return nanos / 3600e9
	case "minutes":
		return nanos / 60e9
	case "seconds":
		return nanos / 1e9
	case "milliseconds":
		return nanos / 1e6
	case "microseconds":
		return nanos / 1e3
	case "nanoseconds":
		return nanos
	case "quartersOfYear":
		return d.Months % 12 / 3
	case "monthsOfQuarter":
		return d.Months % 3
	case "monthsOfYear":
		return d.Months % 12
	case "daysOfWeek":
		return d.Days % 7
	case "minutesOfHour":
		return nanos / 60e9 % 60
	case "secondsOfMinute":
		return nanos / 1e9 % 60
	case "millisecondsOfSecond":
		return nanos % 1e9 / 1e6
	case "microsecondsOfSecond":
		return nanos % 1e9 / 1e3
	case "nanosecondsOfSecond":
		return nanos % 1e9
	}
	return nil
}
