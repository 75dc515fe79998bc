package functions

import (
	"testing"
	"time"

	"github.com/quiverdb/quiver/core/value"
)

// clockEnv is an Env with a fixed statement time.
type clockEnv struct{ testEnv }

func (clockEnv) Now() time.Time { return time.Date(2020, 2, 29, 13, 14, 15, 16, time.UTC) }

// call runs a function and renders its result as toString() would.
func render(t *testing.T, name string, args ...value.Value) string {
	t.Helper()
	v, err := Call(clockEnv{env}, name, args)
	if err != nil {
		t.Fatalf("%s%v: %v", name, args, err)
	}
	s, ok := FormatTemporal(v)
	if !ok {
		t.Fatalf("%s%v = %#v, not temporal", name, args, v)
	}
	return s
}

func m(kv ...value.Value) value.Map {
	out := value.Map{}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func mustCall(t *testing.T, name string, args ...value.Value) value.Value {
	t.Helper()
	v, err := Call(clockEnv{env}, name, args)
	if err != nil {
		t.Fatalf("%s%v: %v", name, args, err)
	}
	return v
}

func i(n int64) value.Value { return n }

// The expectations come from the TCK's Temporal1, 2, 3, 6 and 9 features.
func TestTemporalConstructors(t *testing.T) {
	tests := []struct {
		name string
		arg  value.Value
		want string
	}{
		{"date", m("year", i(1816), "week", i(1)), "1816-01-01"},
		{"date", m("year", i(1817), "week", i(1)), "1816-12-30"},
		{"date", m("year", i(1818), "week", i(53)), "1818-12-28"},
		{"date", m("dayOfWeek", i(2), "year", i(1817), "week", i(1)), "1816-12-31"},
		{"date", m("year", i(1984), "month", i(10), "day", i(11)), "1984-10-11"},
		{"date", m("year", i(1984), "ordinalDay", i(202)), "1984-07-20"},
		{"date", m("year", i(1984), "quarter", i(3), "dayOfQuarter", i(45)), "1984-08-14"},
		{"date", m("year", i(1984)), "1984-01-01"},
		{"date", "2015-W30-2", "2015-07-21"},
		{"date", "2015202", "2015-07-21"},
		{"date", "201507", "2015-07-01"},
		{"date", "+12345-01-02", "+12345-01-02"},
		{"localtime", m("hour", i(12), "minute", i(31), "second", i(14), "nanosecond", i(789), "millisecond", i(123), "microsecond", i(456)), "12:31:14.123456789"},
		{"localtime", "214032.142", "21:40:32.142"},
		{"time", m("hour", i(12), "timezone", "+01:00"), "12:00+01:00"},
		{"time", "2140-02", "21:40-02:00"},
		{"time", "2140-00:00", "21:40Z"},
		{"time", m("hour", i(12), "minute", i(34), "second", i(56), "timezone", "-02:05:07"), "12:34:56-02:05:07"},
		{"localdatetime", "2015-W30T2140", "2015-07-20T21:40"},
		{"localdatetime", m("year", i(1984), "week", i(10), "dayOfWeek", i(3), "hour", i(12)), "1984-03-07T12:00"},
		{"datetime", m("year", i(1984), "ordinalDay", i(202), "timezone", "Europe/Stockholm"), "1984-07-20T00:00+02:00[Europe/Stockholm]"},
		{"datetime", "2015-07-21T21:40:32.142-04[America/New_York]", "2015-07-21T21:40:32.142-04:00[America/New_York]"},
		{"datetime", "2015-W30T2140-00:00", "2015-07-20T21:40Z"},
		{"duration", m("months", 0.75), "P22DT19H51M49.5S"},
		{"duration", m("weeks", 2.5), "P17DT12H"},
		{"duration", m("years", i(12), "months", i(5), "days", i(14), "hours", i(16), "minutes", i(12), "seconds", i(70)), "P12Y5M14DT16H13M10S"},
		{"duration", m("minutes", 1.5, "seconds", i(1)), "PT1M31S"},
		{"duration", "PT0.75M", "PT45S"},
		{"duration", "P2012-02-02T14:37:21.545", "P2012Y2M2DT14H37M21.545S"},
		{"duration", "P5M1.5D", "P5M1DT12H"},
	}
	for _, tc := range tests {
		if got := render(t, tc.name, tc.arg); got != tc.want {
			t.Errorf("%s(%v) = %s, want %s", tc.name, tc.arg, got, tc.want)
		}
	}
	if got := render(t, "datetime.fromepoch", i(416779), i(999999999)); got != "1970-01-05T19:46:19.999999999Z" {
		t.Errorf("fromepoch = %s", got)
	}
	if got := render(t, "datetime.fromepochmillis", i(237821673987)); got != "1977-07-15T13:34:33.987Z" {
		t.Errorf("fromepochmillis = %s", got)
	}
	if got := render(t, "date"); got != "2020-02-29" {
		t.Errorf("date() = %s", got)
	}
}

func TestTemporalProjection(t *testing.T) {
	dt := mustCall(t, "datetime", m("year", i(1984), "month", i(10), "day", i(11), "hour", i(12), "minute", i(31), "second", i(14), "timezone", "+01:00"))
	tm := mustCall(t, "time", m("hour", i(12), "minute", i(31), "second", i(14), "timezone", "+01:00"))
	tests := []struct {
		name string
		arg  value.Value
		want string
	}{
		{"date", m("date", dt, "day", i(28)), "1984-10-28"},
		{"localtime", m("time", dt), "12:31:14"},
		{"datetime", m("date", dt, "time", tm, "timezone", "+05:00"), "1984-10-11T16:31:14+05:00"},
		{"datetime", m("datetime", dt, "timezone", "Pacific/Honolulu"), "1984-10-11T01:31:14-10:00[Pacific/Honolulu]"},
		{"time", m("time", tm, "timezone", "+05:00"), "16:31:14+05:00"},
		{"date", m("date", mustCall(t, "date", "1816-12-30"), "week", i(2), "dayOfWeek", i(3)), "1817-01-08"},
	}
	for _, tc := range tests {
		if got := render(t, tc.name, tc.arg); got != tc.want {
			t.Errorf("%s(%v) = %s, want %s", tc.name, tc.arg, got, tc.want)
		}
	}
}

func TestTemporalTruncate(t *testing.T) {
	dt := mustCall(t, "datetime", m("year", i(2017), "month", i(10), "day", i(11), "hour", i(12), "minute", i(31), "second", i(14), "nanosecond", i(645876123), "timezone", "-01:00"))
	tests := []struct {
		name string
		args []value.Value
		want string
	}{
		{"date.truncate", []value.Value{"millennium", dt, m("day", i(2))}, "2000-01-02"},
		{"datetime.truncate", []value.Value{"century", dt, m("timezone", "Europe/Stockholm")}, "2000-01-01T00:00+01:00[Europe/Stockholm]"},
		{"datetime.truncate", []value.Value{"weekYear", dt}, "2017-01-02T00:00-01:00"},
		{"localdatetime.truncate", []value.Value{"quarter", dt}, "2017-10-01T00:00"},
		{"time.truncate", []value.Value{"hour", dt, m("timezone", "+01:00")}, "12:00+01:00"},
		{"localtime.truncate", []value.Value{"millisecond", dt, m("nanosecond", i(2))}, "12:31:14.645000002"},
		{"datetime.truncate", []value.Value{"week", dt}, "2017-10-09T00:00-01:00"},
	}
	for _, tc := range tests {
		if got := render(t, tc.name, tc.args...); got != tc.want {
			t.Errorf("%s(%v) = %s, want %s", tc.name, tc.args, got, tc.want)
		}
	}
	if _, err := Call(env, "date.truncate", []value.Value{"hour", dt}); err == nil {
		t.Errorf("date.truncate to an hour accepted")
	}
}

// From the TCK's Temporal10.
func TestDurationBetween(t *testing.T) {
	d := func(s string) value.Value { return mustCall(t, "date", s) }
	ldt := func(s string) value.Value { return mustCall(t, "localdatetime", s) }
	dtm := func(s string) value.Value { return mustCall(t, "datetime", s) }
	lt := func(s string) value.Value { return mustCall(t, "localtime", s) }
	tm := func(s string) value.Value { return mustCall(t, "time", s) }
	tests := []struct {
		fn   string
		a, b value.Value
		want string
	}{
		{"duration.between", d("1984-10-11"), d("2015-06-24"), "P30Y8M13D"},
		{"duration.between", d("1984-10-11"), dtm("2015-07-21T21:40:32.142+0100"), "P30Y9M10DT21H40M32.142S"},
		{"duration.between", lt("14:30"), d("2015-06-24"), "PT-14H-30M"},
		{"duration.between", tm("14:30"), dtm("2015-07-21T21:40:32.142+0100"), "PT6H10M32.142S"},
		{"duration.between", tm("14:30"), tm("16:30+0100"), "PT1H"},
		{"duration.between", ldt("2015-07-21T21:40:32.142"), d("2015-06-24"), "P-27DT-21H-40M-32.142S"},
		{"duration.between", dtm("2014-07-21T21:40:36.143+0200"), dtm("2015-07-21T21:40:32.142+0100"), "P1YT59M55.999S"},
		{"duration.between", ldt("2018-01-02T10:00:00.1"), ldt("2018-01-01T10:00:00.2"), "PT-23H-59M-59.9S"},
		{"duration.between", dtm("2017-10-28T23:00+02:00[Europe/Stockholm]"), dtm("2017-10-29T04:00+01:00[Europe/Stockholm]"), "PT6H"},
		{"duration.inSeconds", mustCall(t, "datetime", m("year", i(2017), "month", i(10), "day", i(29), "hour", i(0), "timezone", "Europe/Stockholm")), d("2017-10-30"), "PT25H"},
		{"duration.inMonths", d("2018-03-11"), d("2016-06-24"), "P-1Y-8M"},
		{"duration.inDays", dtm("2014-07-21T21:40:36.143+0200"), d("2015-06-24"), "P337D"},
		{"duration.inSeconds", d("1984-10-11"), ldt("2016-07-21T21:45:22.142"), "PT278565H45M22.142S"},
		{"duration.between", lt("12:34:54.7"), lt("12:34:55.3"), "PT0.6S"},
	}
	for _, tc := range tests {
		if got := render(t, tc.fn, tc.a, tc.b); got != tc.want {
			t.Errorf("%s(%v, %v) = %s, want %s", tc.fn, tc.a, tc.b, got, tc.want)
		}
	}
	if v := mustCall(t, "duration.between", nil, d("2015-06-24")); v != nil {
		t.Errorf("null operand gave %v", v)
	}
}

// From the TCK's Temporal5 and Temporal8.
func TestTemporalOpsAndFields(t *testing.T) {
	dur := mustCall(t, "duration", m("years", i(12), "months", i(5), "days", i(14), "hours", i(16), "minutes", i(12), "seconds", i(70), "nanoseconds", i(2))).(value.Duration)
	ldt := mustCall(t, "localdatetime", m("year", i(1984), "month", i(10), "day", i(11), "hour", i(12), "minute", i(31), "second", i(14), "nanosecond", i(1)))
	sum, err := AddDuration(ldt, dur)
	if s, _ := FormatTemporal(sum); err != nil || s != "1997-03-26T04:44:24.000000003" {
		t.Errorf("ldt + dur = %s, %v", s, err)
	}
	diff, err := SubtractDuration(ldt, dur)
	if s, _ := FormatTemporal(diff); err != nil || s != "1972-04-26T20:18:03.999999999" {
		t.Errorf("ldt - dur = %s, %v", s, err)
	}
	date := mustCall(t, "date", "1984-10-11")
	if v, _ := AddDuration(date, dur); v != mustCall(t, "date", "1997-03-25") {
		t.Errorf("date + dur = %v", v)
	}
	half, err := DivideDuration(dur, int64(2))
	if s, _ := FormatTemporal(half); err != nil || s != "P6Y2M22DT13H21M8.000000001S" {
		t.Errorf("dur / 2 = %s, %v", s, err)
	}
	if s, _ := FormatTemporal(SubtractDurations(dur, dur)); s != "PT0S" {
		t.Errorf("dur - dur = %s", s)
	}
	if _, err := DivideDuration(dur, int64(0)); err == nil {
		t.Errorf("division by zero accepted")
	}

	dt := mustCall(t, "datetime", m("year", i(1984), "month", i(11), "day", i(11), "hour", i(12), "minute", i(31), "second", i(14), "nanosecond", i(645876123), "timezone", "Europe/Stockholm"))
	want := map[string]value.Value{"year": i(1984), "quarter": i(4), "month": i(11), "week": i(45), "weekYear": i(1984), "day": i(11),
		"ordinalDay": i(316), "weekDay": i(7), "dayOfQuarter": i(42), "hour": i(12), "minute": i(31), "second": i(14),
		"millisecond": i(645), "microsecond": i(645876), "nanosecond": i(645876123), "timezone": "Europe/Stockholm",
		"offset": "+01:00", "offsetMinutes": i(60), "offsetSeconds": i(3600), "epochSeconds": i(469020674), "epochMillis": i(469020674645)}
	for k, w := range want {
		if got, ok := TemporalProperty(dt, k); !ok || got != w {
			t.Errorf("datetime.%s = %v, %v; want %v", k, got, ok, w)
		}
	}
	d2 := mustCall(t, "duration", m("years", i(1), "months", i(4), "days", i(10), "hours", i(1), "minutes", i(1), "seconds", i(1), "nanoseconds", i(111111111)))
	wantD := map[string]value.Value{"years": i(1), "quarters": i(5), "months": i(16), "weeks": i(1), "days": i(10), "hours": i(1),
		"minutes": i(61), "seconds": i(3661), "milliseconds": i(3661111), "nanoseconds": i(3661111111111), "quartersOfYear": i(1),
		"monthsOfQuarter": i(1), "monthsOfYear": i(4), "daysOfWeek": i(3), "minutesOfHour": i(1), "secondsOfMinute": i(1),
		"millisecondsOfSecond": i(111), "nanosecondsOfSecond": i(111111111)}
	for k, w := range wantD {
		if got, ok := TemporalProperty(d2, k); !ok || got != w {
			t.Errorf("duration.%s = %v, %v; want %v", k, got, ok, w)
		}
	}
	if _, ok := TemporalProperty(date, "hour"); ok {
		t.Errorf("a date has no hour")
	}
}

func TestTemporalErrors(t *testing.T) {
	bad := []struct {
		name string
		arg  value.Value
	}{
		{"date", m("month", i(1))},
		{"date", m("year", i(2015), "month", i(13))},
		{"date", m("year", i(2015), "month", i(2), "day", i(29))},
		{"date", m("year", i(2015), "week", i(54))},
		{"date", "2015-13-01"},
		{"date", "tomorrow"},
		{"localtime", m("hour", i(24))},
		{"localtime", "25:00"},
		{"time", m("hour", i(1), "timezone", "Mars/Olympus")},
		{"datetime", "2015-07-21T21:40[Nowhere/Land]"},
		{"duration", "P"},
		{"duration", "PT"},
		{"duration", m("eons", i(1))},
		{"duration", "P1Q"},
		{"date", int64(5)},
	}
	for _, b := range bad {
		if v, err := Call(clockEnv{env}, b.name, []value.Value{b.arg}); err == nil {
			t.Errorf("%s(%v) = %v, want an error", b.name, b.arg, v)
		}
	}
	if _, err := Call(env, "date", nil); err == nil {
		t.Errorf("date() without a clock accepted")
	}
}

// FuzzTemporalStrings feeds arbitrary text to the temporal parsers: none
// may panic, and whatever parses must print as text that parses back to
// the same value.
func FuzzTemporalStrings(f *testing.F) {
	for _, s := range []string{"2015-07-21", "2015W302", "21:40:32.142+0100", "2015-07-21T21:40:32.142[Europe/London]",
		"P12Y5M14DT16H12M70S", "P2012-02-02T14:37:21.545", "-P1D", "+999999999-12-31", "PT0.75M"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, name := range []string{"date", "localtime", "time", "localdatetime", "datetime", "duration"} {
			v, err := Call(env, name, []value.Value{s})
			if err != nil {
				continue
			}
			text, ok := FormatTemporal(v)
			if !ok {
				t.Fatalf("%s(%q) = %#v is not temporal", name, s, v)
			}
			back, err := Call(env, name, []value.Value{text})
			if err != nil {
				t.Fatalf("%s(%q) printed %q, which does not parse: %v", name, s, text, err)
			}
			if value.Equal(v, back) != value.TriTrue {
				t.Fatalf("%s(%q) = %#v printed %q parses to %#v", name, s, v, text, back)
			}
		}
	})
}

func TestTemporalArith(t *testing.T) {
	d := mustCall(t, "duration", "P1DT1H")
	date := mustCall(t, "date", "2020-02-28")
	lt := mustCall(t, "localtime", "23:30")
	tests := []struct {
		op   string
		a, b value.Value
		want string
	}{
		{"+", date, d, "2020-02-29"},
		{"+", d, date, "2020-02-29"},
		{"-", date, d, "2020-02-27"},
		{"+", lt, d, "00:30"},
		{"+", d, d, "P2DT2H"},
		{"-", d, d, "PT0S"},
		{"*", d, int64(2), "P2DT2H"},
		{"*", 0.5, d, "PT12H30M"},
		{"/", d, int64(2), "PT12H30M"},
	}
	for _, tc := range tests {
		v, handled, err := TemporalArith(tc.op, tc.a, tc.b)
		s, _ := FormatTemporal(v)
		if !handled || err != nil || s != tc.want {
			t.Errorf("%v %s %v = %s (handled %v, err %v), want %s", tc.a, tc.op, tc.b, s, handled, err, tc.want)
		}
	}
	for _, c := range [][3]value.Value{{"+", int64(1), int64(2)}, {"-", d, date}, {"*", d, d}, {"+", "a", d}, {"/", int64(2), d}} {
		if _, handled, _ := TemporalArith(c[0].(string), c[1], c[2]); handled {
			t.Errorf("%v %v %v was handled", c[1], c[0], c[2])
		}
	}
}
