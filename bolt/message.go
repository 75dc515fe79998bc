package bolt

import (
	"fmt"
	"math"

	"github.com/quiverdb/quiver/core/value"
)

// Request message tags.
const (
	MsgHello     = 0x01
	MsgGoodbye   = 0x02
	MsgReset     = 0x0F
	MsgRun       = 0x10
	MsgBegin     = 0x11
	MsgCommit    = 0x12
	MsgRollback  = 0x13
	MsgDiscard   = 0x2F
	MsgPull      = 0x3F
	MsgTelemetry = 0x54
	MsgRoute     = 0x66
	MsgLogon     = 0x6A
	MsgLogoff    = 0x6B
)

// Response message tags.
const (
	MsgSuccess = 0x70
	MsgRecord  = 0x71
	MsgIgnored = 0x7E
	MsgFailure = 0x7F
)

// requestSpec gives each request's name, field count and first version.
var requestSpec = map[byte]struct {
	name   string
	fields int
	since  Version
}{
	MsgHello: {"HELLO", 1, Version{4, 4}}, MsgGoodbye: {"GOODBYE", 0, Version{4, 4}},
	MsgReset: {"RESET", 0, Version{4, 4}}, MsgRun: {"RUN", 3, Version{4, 4}},
	MsgBegin: {"BEGIN", 1, Version{4, 4}}, MsgCommit: {"COMMIT", 0, Version{4, 4}},
	MsgRollback: {"ROLLBACK", 0, Version{4, 4}}, MsgDiscard: {"DISCARD", 1, Version{4, 4}},
	MsgPull: {"PULL", 1, Version{4, 4}}, MsgRoute: {"ROUTE", 3, Version{4, 4}},
	MsgLogon: {"LOGON", 1, Version{5, 1}}, MsgLogoff: {"LOGOFF", 0, Version{5, 1}},
	MsgTelemetry: {"TELEMETRY", 1, Version{5, 4}},
}

// Request is one decoded client message. Only the fields of its kind are set.
type Request struct {
	Tag byte
	// Extra is the HELLO, BEGIN, RUN, ROUTE or PULL/DISCARD map, or LOGON's
	// auth map.
	Extra     value.Map
	Query     string    // RUN
	Params    value.Map // RUN
	Routing   value.Map // ROUTE routing context
	Bookmarks []string  // ROUTE
	DB        string    // ROUTE (4.4 and 5.x: from extra or the legacy string)
	API       int64     // TELEMETRY

	// pullArgs: n and qid hold PULL's or DISCARD's entries (-1 when
	// absent), decoded without Extra (requestDecoder's fast path).
	pullArgs bool
	n, qid   int64
	// hasMeta: meta holds RUN's transaction fields, decoded without Extra.
	hasMeta bool
	meta    TxMeta
}

// Name is the message's protocol name.
func (r *Request) Name() string { return requestSpec[r.Tag].name }

// DecodeRequest parses one message body for protocol version v.
func DecodeRequest(b []byte, v Version, s Shape) (*Request, error) {
	d := NewDecoder(b, s)
	m, err := d.byte1()
	if err != nil {
		return nil, fmt.Errorf("bolt: empty message")
	}
	if m&0xF0 != 0xB0 {
		return nil, fmt.Errorf("bolt: message is not a structure (marker 0x%02X)", m)
	}
	tag, err := d.byte1()
	if err != nil {
		return nil, fmt.Errorf("bolt: message without a tag")
	}
	spec, ok := requestSpec[tag]
	if !ok || !v.AtLeast(spec.since.Major, spec.since.Minor) {
		return nil, fmt.Errorf("bolt: unknown message 0x%02X for protocol %s", tag, v)
	}
	n := int(m & 0x0F)
	if n != spec.fields {
		return nil, fmt.Errorf("bolt: %s with %d fields, want %d", spec.name, n, spec.fields)
	}
	fields := make([]value.Value, n)
	for i := range fields {
		if fields[i], err = d.Value(); err != nil {
			return nil, fmt.Errorf("bolt: %s: %w", spec.name, err)
		}
	}
	if !d.Done() {
		return nil, fmt.Errorf("bolt: %s followed by %d stray bytes", spec.name, len(b)-d.pos)
	}
	r := &Request{Tag: tag}
	if err := r.fill(fields); err != nil {
		return nil, fmt.Errorf("bolt: %s: %w", spec.name, err)
	}
	return r, nil
}

func (r *Request) fill(fields []value.Value) error {
	f := &fieldReader{name: "message", fields: fields}
	switch r.Tag {
	case MsgHello, MsgLogon, MsgBegin, MsgPull, MsgDiscard:
		r.Extra = f.dict(0)
	case MsgRun:
		r.Query = f.str(0)
		r.Params = nullableMap(f, 1)
		r.Extra = nullableMap(f, 2)
	case MsgRoute:
		r.Routing = nullableMap(f, 0)
		if fields[1] != nil {
			r.Bookmarks = f.strings(1)
		}
		switch x := fields[2].(type) {
		case string:
			r.DB = x
		case value.Map:
			r.Extra = x
			r.DB, _ = x["db"].(string)
		case nil:
		default:
			f.fail(2, "Map")
		}
	case MsgTelemetry:
		r.API = f.int(0)
	}
	return f.err
}

func nullableMap(f *fieldReader, i int) value.Map {
	if f.fields[i] == nil {
		return value.Map{}
	}
	return f.dict(i)
}

// intField reads an integer entry of m (drivers may send integral floats);
// def when absent.
func intField(m value.Map, key string, def int64) (int64, error) {
	switch x := m[key].(type) {
	case nil:
		return def, nil
	case int64:
		return x, nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<62 {
			return int64(x), nil
		}
	}
	return 0, fmt.Errorf("%q must be an Integer, got %s", key, typeName(m[key]))
}

// AppendRequest encodes a request message body (used by tests and clients).
func AppendRequest(e *Encoder, tag byte, fields ...value.Value) error {
	e.StructHeader(tag, len(fields))
	for _, f := range fields {
		if err := e.Value(f); err != nil {
			return err
		}
	}
	return nil
}
