package functions

import (
	"strings"

	"github.com/quiverdb/quiver/core/value"
)

// X.truncate(unit, temporal [, map]) for X in date, localtime, time,
// localdatetime and datetime: the temporal value cut down to the start of
// the unit (millennium, century, decade, year, weekYear, quarter, month,
// week, day, hour, minute, second, millisecond, microsecond), in its own
// local time, then adjusted by the map's fields like a constructor's base.

func truncateFuncs() []*Func {
	kinds := []string{"date", "localtime", "time", "localdatetime", "datetime"}
	var out []*Func
	for _, k := range kinds {
		kind := k
		out = append(out, &Func{Name: kind + ".truncate", MinArgs: 2, MaxArgs: 3,
			Call: func(env Env, args []value.Value) (value.Value, error) { return truncate(env, kind, args) }})
	}
	return out
}

// localParts splits a temporal value into its local date, time of day and
// zone; hasDate and hasTime say which parts it has.
type localParts struct {
	days, nanos      int64
	hasDate, hasTime bool
	zone             *zone
}

func partsOf(v value.Value) (localParts, bool) {
	var p localParts
	var ok bool
	p.days, p.hasDate = datePart(v)
	var off *int32
	p.nanos, off, p.hasTime = timePart(v)
	ok = p.hasDate || p.hasTime
	if z, has := zoneOf(v); has {
		p.zone = &z
	} else if off != nil {
		p.zone = &zone{offset: *off}
	}
	return p, ok
}

func truncate(env Env, kind string, args []value.Value) (value.Value, error) {
	name := kind + ".truncate"
	if args[0] == nil || args[1] == nil {
		return nil, nil
	}
	unit, ok := args[0].(string)
	if !ok {
		return nil, badArg(name, args[0])
	}
	p, ok := partsOf(args[1])
	if !ok {
		return nil, badArg(name, args[1])
	}
	f := fields{}
	if len(args) == 3 && args[2] != nil {
		m, ok := args[2].(value.Map)
		if !ok {
			return nil, badArg(name, args[2])
		}
		var err error
		if f, err = newFields(name, m); err != nil {
			return nil, err
		}
	}
	days, nanos, err := truncateParts(name, kind, strings.ToLower(unit), p)
	if err != nil {
		return nil, err
	}
	z := zone{}
	if p.zone != nil {
		z = *p.zone
	}
	if z, err = f.zoneField(name, z); err != nil {
		return nil, err
	}
	hasDate := kind == "date" || kind == "localdatetime" || kind == "datetime"
	hasTime := kind != "date"
	if hasDate {
		if days, err = f.buildDate(name, &days); err != nil {
			return nil, err
		}
	}
	if hasTime {
		if nanos, err = f.buildTime(name, &nanos); err != nil {
			return nil, err
		}
	}
	switch kind {
	case "date":
		return value.Date{Days: days}, nil
	case "localtime":
		return value.LocalTime{Nanos: nanos}, nil
	case "time":
		return value.Time{Nanos: nanos, OffsetSec: offsetForTime(z)}, nil
	case "localdatetime":
		return value.LocalDateTime{Sec: days*86400 + nanos/1e9, Nsec: int32(nanos % 1e9)}, nil
	}
	return localToDateTime(days, nanos, z), nil
}

// truncateParts cuts the local date and time at unit.
func truncateParts(name, kind, unit string, p localParts) (days, nanos int64, err error) {
	days, nanos = p.days, p.nanos
	y, m, _ := civilFromDays(days)
	dateUnit := func(d int64) (int64, int64, error) {
		if !p.hasDate || kind == "localtime" || kind == "time" {
			return 0, 0, temporalErr(name, "cannot truncate to %s here", unit)
		}
		return d, 0, nil
	}
	switch unit {
	case "millennium":
		return dateUnit(daysFromCivil(floorDiv(y, 1000)*1000, 1, 1))
	case "century":
		return dateUnit(daysFromCivil(floorDiv(y, 100)*100, 1, 1))
	case "decade":
		return dateUnit(daysFromCivil(floorDiv(y, 10)*10, 1, 1))
	case "year":
		return dateUnit(daysFromCivil(y, 1, 1))
	case "weekyear":
		wy, _ := isoWeek(days)
		return dateUnit(weekStart(wy))
	case "quarter":
		return dateUnit(daysFromCivil(y, (m-1)/3*3+1, 1))
	case "month":
		return dateUnit(daysFromCivil(y, m, 1))
	case "week":
		return dateUnit(days - isoWeekday(days) + 1)
	case "day":
		if kind == "date" || kind == "localtime" || kind == "time" {
			if kind == "date" {
				return days, 0, nil
			}
			return 0, 0, nil
		}
		return days, 0, nil
	}
	if kind == "date" {
		return 0, 0, temporalErr(name, "cannot truncate a date to %s", unit)
	}
	step := map[string]int64{"hour": 3600e9, "minute": 60e9, "second": 1e9, "millisecond": 1e6, "microsecond": 1e3}[unit]
	if step == 0 {
		return 0, 0, temporalErr(name, "unknown unit %q", unit)
	}
	return days, nanos - nanos%step, nil
}
