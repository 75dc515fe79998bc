package functions

import (
	"github.com/quiverdb/quiver/core/value"
)

// duration.between(a, b) and duration.inMonths / inDays / inSeconds: the
// duration from a to b. Both are placed in one zone (a's, else b's); a value
// without a date takes the other's date; months, then days, then the time
// are counted, as java.time's until does.

func betweenFuncs() []*Func {
	mk := func(name, unit string) *Func {
		return fn(name, 2, func(_ Env, args []value.Value) (value.Value, error) {
			if anyNull(args) {
				return nil, nil
			}
			return Between(unit, args[0], args[1])
		})
	}
	return []*Func{
		mk("duration.between", "all"), mk("duration.inMonths", "months"),
		mk("duration.inDays", "days"), mk("duration.inSeconds", "seconds"),
	}
}

// local is a local date and time of day.
type local struct{ days, nanos int64 }

// Between computes duration.between (unit "all"), inMonths ("months"),
// inDays ("days") or inSeconds ("seconds").
func Between(unit string, a, b value.Value) (value.Value, error) {
	name := "duration.between"
	pa, ok := partsOf(a)
	if !ok {
		return nil, badArg(name, a)
	}
	pb, ok := partsOf(b)
	if !ok {
		return nil, badArg(name, b)
	}
	bothDates := pa.hasDate && pb.hasDate
	z := pa.zone
	if z == nil {
		z = pb.zone
	}
	la, lb := inZone(pa, z), inZone(pb, z)
	if !pa.hasDate {
		la.days = lb.days
	}
	if !pb.hasDate {
		lb.days = la.days
	}
	var months, days int64
	cur := la
	if bothDates && (unit == "all" || unit == "months") {
		months = monthsBetween(la, lb)
		cur = addMonths(la, months)
	}
	if unit == "months" {
		return value.Duration{Months: months}, nil
	}
	if bothDates && (unit == "all" || unit == "days") {
		days = daysBetween(cur, lb)
		cur.days += days
	}
	if unit == "days" {
		return value.Duration{Days: days}, nil
	}
	secs, nanos := diff(cur, lb, z)
	return normDuration(months, days, secs, nanos), nil
}

// inZone returns p's local date and time as seen in zone z: a value with a
// zone is moved to z by its instant; a local value stays as it is.
func inZone(p localParts, z *zone) local {
	l := local{p.days, p.nanos}
	if p.zone == nil || z == nil || !p.hasDate {
		if p.zone != nil && z != nil && !p.hasDate && z.loc == nil {
			// A time with an offset moves by the difference of offsets.
			l.nanos += int64(z.offset-p.zone.offset) * 1e9
		}
		return l
	}
	dt := localToDateTime(p.days, p.nanos, *p.zone)
	moved := instantInZone(dt.Sec, dt.Nsec, *z)
	sec := moved.Sec + int64(moved.OffsetSec)
	return local{floorDiv(sec, 86400), floorMod(sec, 86400)*1e9 + int64(moved.Nsec)}
}

// later reports whether b's (day of month, time) comes after a's.
func monthsBetween(a, b local) int64 {
	ay, am, ad := civilFromDays(a.days)
	by, bm, bd := civilFromDays(b.days)
	m := (by*12 + bm) - (ay*12 + am)
	switch {
	case m > 0 && (bd < ad || (bd == ad && b.nanos < a.nanos)):
		m--
	case m < 0 && (bd > ad || (bd == ad && b.nanos > a.nanos)):
		m++
	}
	return m
}

// addMonths moves a local date by months, clamping the day to the month.
func addMonths(a local, months int64) local {
	y, m, d := civilFromDays(a.days)
	total := y*12 + m - 1 + months
	ny, nm := floorDiv(total, 12), floorMod(total, 12)+1
	if dim := daysInMonth(ny, nm); d > dim {
		d = dim
	}
	return local{daysFromCivil(ny, nm, d), a.nanos}
}

func daysBetween(a, b local) int64 {
	d := b.days - a.days
	switch {
	case d > 0 && b.nanos < a.nanos:
		d--
	case d < 0 && b.nanos > a.nanos:
		d++
	}
	return d
}

// diff is b - a in seconds and nanoseconds; in a named zone it is measured
// between instants, so a daylight-saving change counts.
func diff(a, b local, z *zone) (secs, nanos int64) {
	if z != nil && z.loc != nil {
		ia, ib := localToDateTime(a.days, a.nanos, *z), localToDateTime(b.days, b.nanos, *z)
		return ib.Sec - ia.Sec, int64(ib.Nsec) - int64(ia.Nsec)
	}
	secs = (b.days-a.days)*86400 + (b.nanos/1e9 - a.nanos/1e9)
	return secs, b.nanos%1e9 - a.nanos%1e9
}
