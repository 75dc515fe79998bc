package functions

import (
	"time"

	"github.com/quiverdb/quiver/core/value"
)

// Clock is implemented by an Env that can tell the time, for the
// zero-argument temporal constructors (date(), datetime(), ...). The value
// is the statement's time: one query sees one instant.
type Clock interface {
	Now() time.Time
}

func temporalFuncs() []*Func {
	return []*Func{
		{Name: "date", MaxArgs: 1, Call: temporalCall("date", makeDate)},
		{Name: "localtime", MaxArgs: 1, Call: temporalCall("localtime", makeLocalTime)},
		{Name: "time", MaxArgs: 1, Call: temporalCall("time", makeTime)},
		{Name: "localdatetime", MaxArgs: 1, Call: temporalCall("localdatetime", makeLocalDateTime)},
		{Name: "datetime", MaxArgs: 1, Call: temporalCall("datetime", makeDateTime)},
		fn1("duration", makeDuration),
		{Name: "date.transaction", MaxArgs: 1, Call: temporalCall("date", makeDate)},
		{Name: "date.statement", MaxArgs: 1, Call: temporalCall("date", makeDate)},
		{Name: "date.realtime", MaxArgs: 1, Call: temporalCall("date", makeDate)},
		{Name: "localtime.transaction", MaxArgs: 1, Call: temporalCall("localtime", makeLocalTime)},
		{Name: "localtime.statement", MaxArgs: 1, Call: temporalCall("localtime", makeLocalTime)},
		{Name: "localtime.realtime", MaxArgs: 1, Call: temporalCall("localtime", makeLocalTime)},
		{Name: "time.transaction", MaxArgs: 1, Call: temporalCall("time", makeTime)},
		{Name: "time.statement", MaxArgs: 1, Call: temporalCall("time", makeTime)},
		{Name: "time.realtime", MaxArgs: 1, Call: temporalCall("time", makeTime)},
		{Name: "localdatetime.transaction", MaxArgs: 1, Call: temporalCall("localdatetime", makeLocalDateTime)},
		{Name: "localdatetime.statement", MaxArgs: 1, Call: temporalCall("localdatetime", makeLocalDateTime)},
		{Name: "localdatetime.realtime", MaxArgs: 1, Call: temporalCall("localdatetime", makeLocalDateTime)},
		{Name: "datetime.transaction", MaxArgs: 1, Call: temporalCall("datetime", makeDateTime)},
		{Name: "datetime.statement", MaxArgs: 1, Call: temporalCall("datetime", makeDateTime)},
		{Name: "datetime.realtime", MaxArgs: 1, Call: temporalCall("datetime", makeDateTime)},
		{Name: "timestamp", Call: timestamp},
		fn("datetime.fromepoch", 2, fromEpoch),
		fn("datetime.fromepochmillis", 1, fromEpochMillis),
	}
}

// temporalCall handles the forms shared by the constructors: no argument
// (now), null, a string, a map or another temporal value.
func temporalCall(name string, build func(env Env, arg value.Value) (value.Value, error)) func(Env, []value.Value) (value.Value, error) {
	return func(env Env, args []value.Value) (value.Value, error) {
		if len(args) == 0 {
			c, ok := env.(Clock)
			if !ok {
				return nil, temporalErr(name, "no clock available")
			}
			now := c.Now().UTC()
			return build(env, value.DateTime{Sec: now.Unix(), Nsec: int32(now.Nanosecond())})
		}
		if args[0] == nil {
			return nil, nil
		}
		return build(env, args[0])
	}
}

// asMap returns the fields of a map argument, or of a temporal value
// wrapped as the base of an empty map.
func asFields(name, baseKey string, arg value.Value) (fields, error) {
	switch x := arg.(type) {
	case value.Map:
		return newFields(name, x)
	case value.Date, value.LocalTime, value.Time, value.LocalDateTime, value.DateTime:
		return fields{baseKey: x}, nil
	}
	return nil, badArg(name, arg)
}

func makeDate(env Env, arg value.Value) (value.Value, error) {
	if s, ok := arg.(string); ok {
		d, err := parseDateString("date", s)
		return value.Date{Days: d}, err
	}
	f, err := asFields("date", "date", arg)
	if err != nil {
		return nil, err
	}
	base, err := f.baseDate(env, "date")
	if err != nil {
		return nil, err
	}
	if v, ok := f["date"]; ok && len(f) == 1 {
		if _, isTime := v.(value.LocalTime); isTime {
			return nil, badArg("date", v)
		}
	}
	d, err := f.buildDate("date", base)
	return value.Date{Days: d}, err
}

// baseTime is the time part a map inherits from a "time", "datetime" or
// "localtime" key, with its offset when it has one.
func (f fields) baseTime(name string) (*int64, *int32, error) {
	for _, k := range []string{"time", "datetime", "localtime"} {
		if v, ok := f[k]; ok && v != nil {
			n, off, ok := timePart(v)
			if !ok {
				return nil, nil, temporalErr(name, "%s must be a temporal value with a time, not %s", k, typeName(v))
			}
			return &n, off, nil
		}
	}
	return nil, nil, nil
}

func makeLocalTime(_ Env, arg value.Value) (value.Value, error) {
	if s, ok := arg.(string); ok {
		n, _, err := parseTimeString("localtime", s)
		return value.LocalTime{Nanos: n}, err
	}
	f, err := asFields("localtime", "time", arg)
	if err != nil {
		return nil, err
	}
	base, _, err := f.baseTime("localtime")
	if err != nil {
		return nil, err
	}
	if base == nil && !f.has("hour") {
		return nil, temporalErr("localtime", "hour is required")
	}
	n, err := f.buildTime("localtime", base)
	return value.LocalTime{Nanos: n}, err
}

func makeTime(_ Env, arg value.Value) (value.Value, error) {
	if s, ok := arg.(string); ok {
		n, z, err := parseTimeString("time", s)
		if err != nil {
			return nil, err
		}
		var off int32
		if z != nil {
			off = z.offset
		}
		return value.Time{Nanos: n, OffsetSec: off}, nil
	}
	f, err := asFields("time", "time", arg)
	if err != nil {
		return nil, err
	}
	base, baseOff, err := f.baseTime("time")
	if err != nil {
		return nil, err
	}
	if base == nil && !f.has("hour") {
		return nil, temporalErr("time", "hour is required")
	}
	def := zone{}
	if baseOff != nil {
		def = zone{offset: *baseOff}
	}
	z, err := f.zoneField("time", def)
	if err != nil {
		return nil, err
	}
	n, err := f.buildTime("time", base)
	if err != nil {
		return nil, err
	}
	off := offsetForTime(z)
	if baseOff != nil && f.has("timezone") {
		// Converting a time with an offset to another zone keeps the instant.
		n = floorMod(n+int64(off-*baseOff)*1e9, 86400e9)
	}
	return value.Time{Nanos: n, OffsetSec: off}, nil
}

func makeLocalDateTime(env Env, arg value.Value) (value.Value, error) {
	if s, ok := arg.(string); ok {
		d, n, _, err := parseDateTimeString("localdatetime", s)
		return value.LocalDateTime{Sec: d*86400 + n/1e9, Nsec: int32(n % 1e9)}, err
	}
	f, err := asFields("localdatetime", "datetime", arg)
	if err != nil {
		return nil, err
	}
	d, n, err := f.dateAndTime(env, "localdatetime")
	if err != nil {
		return nil, err
	}
	return value.LocalDateTime{Sec: d*86400 + n/1e9, Nsec: int32(n % 1e9)}, nil
}

// dateAndTime builds the date and time parts of a (local) date-time map.
func (f fields) dateAndTime(env Env, name string) (days, nanos int64, err error) {
	base, err := f.baseDate(env, name)
	if err != nil {
		return 0, 0, err
	}
	days, err = f.buildDate(name, base)
	if err != nil {
		return 0, 0, err
	}
	tbase, _, err := f.baseTime(name)
	if err != nil {
		return 0, 0, err
	}
	nanos, err = f.buildTime(name, tbase)
	return days, nanos, err
}

func makeDateTime(env Env, arg value.Value) (value.Value, error) {
	if s, ok := arg.(string); ok {
		d, n, z, err := parseDateTimeString("datetime", s)
		if err != nil {
			return nil, err
		}
		if z == nil {
			z = &zone{}
		}
		return localToDateTime(d, n, *z), nil
	}
	f, err := asFields("datetime", "datetime", arg)
	if err != nil {
		return nil, err
	}
	if f.has("epochseconds", "epochmillis") {
		return f.epochDateTime()
	}
	def, based := zone{}, false
	for _, k := range []string{"datetime", "time"} {
		if z, ok := zoneOf(f[k]); ok {
			def, based = z, true
			break
		}
	}
	z, err := f.zoneField("datetime", def)
	if err != nil {
		return nil, err
	}
	d, n, err := f.dateAndTime(env, "datetime")
	if err != nil {
		return nil, err
	}
	if based && f.has("timezone") {
		// A base with a zone moved to another zone keeps its instant.
		dt := localToDateTime(d, n, def)
		return instantInZone(dt.Sec, dt.Nsec, z), nil
	}
	return localToDateTime(d, n, z), nil
}

func (f fields) epochDateTime() (value.Value, error) {
	const name = "datetime"
	var sec, nanos int64
	if ms, ok, err := f.int(name, "epochmillis"); ok || err != nil {
		if err != nil {
			return nil, err
		}
		sec, nanos = floorDiv(ms, 1000), floorMod(ms, 1000)*1e6
	} else {
		sec, _ = f.intOr(name, "epochseconds", 0)
	}
	ns, err := f.intOr(name, "nanosecond", 0)
	if err != nil {
		return nil, err
	}
	z, err := f.zoneField(name, zone{})
	if err != nil {
		return nil, err
	}
	nanos += ns
	return instantInZone(sec+nanos/1e9, int32(nanos%1e9), z), nil
}

func fromEpoch(_ Env, args []value.Value) (value.Value, error) {
	if anyNull(args) {
		return nil, nil
	}
	return fields{"epochseconds": args[0], "nanosecond": args[1]}.epochDateTime()
}

func fromEpochMillis(_ Env, args []value.Value) (value.Value, error) {
	if args[0] == nil {
		return nil, nil
	}
	return fields{"epochmillis": args[0]}.epochDateTime()
}

func makeDuration(arg value.Value) (value.Value, error) {
	switch x := arg.(type) {
	case string:
		return parseDurationString("duration", x)
	case value.Map:
		return buildDuration("duration", x)
	case value.Duration:
		return x, nil
	}
	return nil, badArg("duration", arg)
}

// timestamp is the statement's time in milliseconds since the Unix epoch.
func timestamp(env Env, _ []value.Value) (value.Value, error) {
	c, ok := env.(Clock)
	if !ok {
		return nil, temporalErr("timestamp", "no clock available")
	}
	return c.Now().UnixMilli(), nil
}
