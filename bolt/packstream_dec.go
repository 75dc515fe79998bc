package bolt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/quiverdb/quiver/core/value"
)

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 64

// errShort reports input that ends inside a value.
var errShort = errors.New("packstream: truncated value")

// Decoder reads PackStream values from a byte slice.
type Decoder struct {
	buf   []byte
	pos   int
	depth int
	Shape Shape
	// Generic decodes every structure as a Structure, unchecked.
	Generic bool
}

// Structure is an undecoded PackStream structure (see Decoder.Generic).
type Structure struct {
	Tag    byte
	Fields []value.Value
}

// NewDecoder returns a decoder over b for the given structure shapes.
func NewDecoder(b []byte, s Shape) *Decoder { return &Decoder{buf: b, Shape: s} }

// Done reports whether every byte was consumed.
func (d *Decoder) Done() bool { return d.pos == len(d.buf) }

func (d *Decoder) take(n int) ([]byte, error) {
	if n < 0 || len(d.buf)-d.pos < n {
		return nil, errShort
	}
	b := d.buf[d.pos : d.pos+n]
	d.pos += n
	return b, nil
}

func (d *Decoder) byte1() (byte, error) {
	b, err := d.take(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

// size reads a big-endian length of w bytes.
func (d *Decoder) size(w int) (int, error) {
	b, err := d.take(w)
	if err != nil {
		return 0, err
	}
	switch w {
	case 1:
		return int(b[0]), nil
	case 2:
		return int(binary.BigEndian.Uint16(b)), nil
	default:
		return int(binary.BigEndian.Uint32(b)), nil
	}
}

// count reads a collection length and checks that the rest of the input can
// hold at least minBytes per element, so a forged length allocates nothing.
func (d *Decoder) count(w, minBytes int) (int, error) {
	n, err := d.size(w)
	if err != nil {
		return 0, err
	}
	if n > (len(d.buf)-d.pos)/minBytes {
		return 0, errShort
	}
	return n, nil
}

// Value decodes the next value.
func (d *Decoder) Value() (value.Value, error) {
	m, err := d.byte1()
	if err != nil {
		return nil, err
	}
	switch {
	case m < 0x80 || m >= 0xF0:
		return int64(int8(m)), nil
	case m < 0x90:
		return d.str(int(m & 0x0F))
	case m < 0xA0:
		return d.list(int(m & 0x0F))
	case m < 0xB0:
		return d.dict(int(m & 0x0F))
	case m < 0xC0:
		return d.structure(int(m & 0x0F))
	}
	return d.marker(m)
}

func (d *Decoder) marker(m byte) (value.Value, error) {
	switch m {
	case 0xC0:
		return nil, nil
	case 0xC2:
		return false, nil
	case 0xC3:
		return true, nil
	case 0xC1:
		b, err := d.take(8)
		if err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
	case 0xC8, 0xC9, 0xCA, 0xCB:
		return d.intN(1 << (m - 0xC8))
	case 0xCC, 0xCD, 0xCE:
		n, err := d.count(1<<(m-0xCC), 1)
		if err != nil {
			return nil, err
		}
		b, err := d.take(n)
		return append([]byte{}, b...), err
	case 0xD0, 0xD1, 0xD2:
		n, err := d.count(1<<(m-0xD0), 1)
		if err != nil {
			return nil, err
		}
		return d.str(n)
	case 0xD4, 0xD5, 0xD6:
		n, err := d.count(1<<(m-0xD4), 1)
		if err != nil {
			return nil, err
		}
		return d.list(n)
	case 0xD8, 0xD9, 0xDA:
		n, err := d.count(1<<(m-0xD8), 2)
		if err != nil {
			return nil, err
		}
		return d.dict(n)
	}
	return nil, fmt.Errorf("packstream: unknown marker 0x%02X", m)
}

func (d *Decoder) intN(w int) (value.Value, error) {
	b, err := d.take(w)
	if err != nil {
		return nil, err
	}
	return signedBE(b), nil
}

// signedBE decodes a big-endian two's-complement integer of 1, 2, 4 or 8
// bytes, as PackStream's INT_8 to INT_64 carry it.
func signedBE(b []byte) int64 {
	switch len(b) {
	case 1:
		return int64(int8(b[0]))
	case 2:
		return int64(int16(binary.BigEndian.Uint16(b)))
	case 4:
		return int64(int32(binary.BigEndian.Uint32(b)))
	}
	return int64(binary.BigEndian.Uint64(b))
}

func (d *Decoder) str(n int) (value.Value, error) {
	b, err := d.take(n)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func (d *Decoder) enter() error {
	d.depth++
	if d.depth > maxDepth {
		return fmt.Errorf("packstream: nesting deeper than %d", maxDepth)
	}
	return nil
}

func (d *Decoder) list(n int) (value.Value, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	defer func() { d.depth-- }()
	l := make(value.List, n)
	for i := range l {
		v, err := d.Value()
		if err != nil {
			return nil, err
		}
		l[i] = v
	}
	return l, nil
}

func (d *Decoder) dict(n int) (value.Value, error) {
	m := make(value.Map, n)
	if err := d.entriesInto(m, n); err != nil {
		return nil, err
	}
	return m, nil
}

// entriesInto decodes the n entries of a Map whose header was read into m.
func (d *Decoder) entriesInto(m value.Map, n int) error {
	if err := d.enter(); err != nil {
		return err
	}
	defer func() { d.depth-- }()
	for range n {
		ks, err := d.key()
		if err != nil {
			return err
		}
		v, err := d.Value()
		if err != nil {
			return err
		}
		m[ks] = v
	}
	return nil
}

// key decodes a map key, which must be a String, without boxing it; the
// keys Bolt requests use are interned, so decoding them allocates nothing.
func (d *Decoder) key() (string, error) {
	start := d.pos
	m, err := d.byte1()
	if err != nil {
		return "", err
	}
	n := -1
	switch {
	case m >= 0x80 && m < 0x90:
		n = int(m & 0x0F)
	case m >= 0xD0 && m <= 0xD2:
		if n, err = d.count(1<<(m-0xD0), 1); err != nil {
			return "", err
		}
	}
	if n < 0 {
		d.pos = start
		k, err := d.Value()
		if err != nil {
			return "", err
		}
		return "", fmt.Errorf("packstream: map key of type %s", typeName(k))
	}
	b, err := d.take(n)
	if err != nil {
		return "", err
	}
	return internKey(b), nil
}

// internKey returns b as a string, without allocating for the map keys of
// Bolt requests.
func internKey(b []byte) string {
	switch string(b) {
	case "n":
		return "n"
	case "qid":
		return "qid"
	case "bookmarks":
		return "bookmarks"
	case "db":
		return "db"
	case "mode":
		return "mode"
	case "tx_metadata":
		return "tx_metadata"
	case "tx_timeout":
		return "tx_timeout"
	case "imp_user":
		return "imp_user"
	case "id":
		return "id"
	}
	return string(b)
}

// structure decodes a structure with n fields, checking its size and field
// types strictly.
func (d *Decoder) structure(n int) (value.Value, error) {
	tag, err := d.byte1()
	if err != nil {
		return nil, err
	}
	if err := d.enter(); err != nil {
		return nil, err
	}
	defer func() { d.depth-- }()
	fields := make([]value.Value, n)
	for i := range fields {
		if fields[i], err = d.Value(); err != nil {
			return nil, err
		}
	}
	if d.Generic {
		return Structure{Tag: tag, Fields: fields}, nil
	}
	return d.build(tag, fields)
}

// fieldReader checks structure fields one by one, keeping the first error.
type fieldReader struct {
	name   string
	fields []value.Value
	err    error
}

func (f *fieldReader) fail(i int, want string) {
	if f.err == nil {
		f.err = fmt.Errorf("packstream: %s field %d is %s, want %s", f.name, i, typeName(f.fields[i]), want)
	}
}

func (f *fieldReader) int(i int) int64 {
	v, ok := f.fields[i].(int64)
	if !ok {
		f.fail(i, "Integer")
	}
	return v
}

func (f *fieldReader) int32(i int) int32 {
	v := f.int(i)
	if v < math.MinInt32 || v > math.MaxInt32 {
		f.fail(i, "a 32-bit Integer")
	}
	return int32(v)
}

func (f *fieldReader) srid(i int) uint32 {
	v := f.int(i)
	if v < 0 || v > math.MaxUint32 {
		f.fail(i, "an SRID")
	}
	return uint32(v)
}

func (f *fieldReader) float(i int) float64 {
	v, ok := f.fields[i].(float64)
	if !ok {
		f.fail(i, "Float")
	}
	return v
}

func (f *fieldReader) str(i int) string {
	v, ok := f.fields[i].(string)
	if !ok {
		f.fail(i, "String")
	}
	return v
}

func (f *fieldReader) dict(i int) value.Map {
	v, ok := f.fields[i].(value.Map)
	if !ok {
		f.fail(i, "Map")
	}
	return v
}

func (f *fieldReader) list(i int) value.List {
	v, ok := f.fields[i].(value.List)
	if !ok {
		f.fail(i, "List")
	}
	return v
}

func (f *fieldReader) strings(i int) []string {
	l := f.list(i)
	out := make([]string, len(l))
	for j, v := range l {
		s, ok := v.(string)
		if !ok {
			f.fail(i, "List of String")
		}
		out[j] = s
	}
	return out
}

var structNames = map[byte]string{
	tagNode: "Node", tagRel: "Relationship", tagUnboundRel: "UnboundRelationship", tagPath: "Path",
	tagDate: "Date", tagTime: "Time", tagLocalTime: "LocalTime", tagLocalDateTime: "LocalDateTime",
	tagDateTime: "DateTime", tagDateTimeZoneID: "DateTimeZoneId", tagLegacyDT: "legacy DateTime",
	tagLegacyDTZoneID: "legacy DateTimeZoneId", tagDuration: "Duration", tagPoint2D: "Point2D",
	tagPoint3D: "Point3D",
}

// structSize is the number of fields each structure has in the given shape.
func (d *Decoder) structSize(tag byte) int {
	v4 := d.Shape.V4
	switch tag {
	case tagNode:
		return pick(v4, 3, 4)
	case tagRel:
		return pick(v4, 5, 8)
	case tagUnboundRel:
		return pick(v4, 3, 4)
	case tagPath, tagDateTime, tagDateTimeZoneID, tagLegacyDT, tagLegacyDTZoneID, tagPoint2D:
		return 3
	case tagDate, tagLocalTime:
		return 1
	case tagTime, tagLocalDateTime:
		return 2
	case tagDuration, tagPoint3D:
		return 4
	}
	return -1
}

func pick(v4 bool, a, b int) int {
	if v4 {
		return a
	}
	return b
}

func (d *Decoder) build(tag byte, fields []value.Value) (value.Value, error) {
	name, known := structNames[tag]
	if !known {
		return nil, fmt.Errorf("packstream: unknown structure tag 0x%02X", tag)
	}
	legacy := tag == tagLegacyDT || tag == tagLegacyDTZoneID
	utc := tag == tagDateTime || tag == tagDateTimeZoneID
	if (legacy && !d.Shape.LegacyDateTime) || (utc && d.Shape.LegacyDateTime) {
		return nil, fmt.Errorf("packstream: %s structure is not valid in this protocol version", name)
	}
	if want := d.structSize(tag); len(fields) != want {
		return nil, fmt.Errorf("packstream: %s structure with %d fields, want %d", name, len(fields), want)
	}
	f := &fieldReader{name: name, fields: fields}
	v := d.buildFields(tag, f)
	if f.err != nil {
		return nil, f.err
	}
	return v, nil
}

func (d *Decoder) buildFields(tag byte, f *fieldReader) value.Value {
	switch tag {
	case tagNode:
		return value.Node{ID: f.int(0), Labels: f.strings(1), Props: f.dict(2)}
	case tagRel:
		return value.Relationship{ID: f.int(0), StartID: f.int(1), EndID: f.int(2), Type: f.str(3), Props: f.dict(4)}
	case tagUnboundRel:
		return value.Relationship{ID: f.int(0), Type: f.str(1), Props: f.dict(2)}
	case tagPath:
		return buildPath(f)
	case tagDate:
		return value.Date{Days: f.int(0)}
	case tagLocalTime:
		return value.LocalTime{Nanos: f.int(0)}
	case tagTime:
		return value.Time{Nanos: f.int(0), OffsetSec: f.int32(1)}
	case tagLocalDateTime:
		return value.LocalDateTime{Sec: f.int(0), Nsec: f.int32(1)}
	case tagDuration:
		return value.Duration{Months: f.int(0), Days: f.int(1), Seconds: f.int(2), Nanos: f.int32(3)}
	case tagPoint2D:
		p := value.Point{SRID: f.srid(0), X: f.float(1), Y: f.float(2)}
		if p.Is3D() {
			f.fail(0, "a 2D SRID")
		}
		return p
	case tagPoint3D:
		p := value.Point{SRID: f.srid(0), X: f.float(1), Y: f.float(2), Z: f.float(3)}
		if !p.Is3D() {
			f.fail(0, "a 3D SRID (4979 or 9157)")
		}
		return p
	}
	return buildDateTime(tag, f)
}

func buildDateTime(tag byte, f *fieldReader) value.Value {
	sec, nsec := f.int(0), f.int32(1)
	if nsec < 0 || nsec >= 1e9 {
		f.fail(1, "nanoseconds within a second")
	}
	switch tag {
	case tagDateTime:
		return value.DateTime{Sec: sec, Nsec: nsec, OffsetSec: f.int32(2)}
	case tagLegacyDT:
		off := f.int32(2)
		return value.DateTime{Sec: sec - int64(off), Nsec: nsec, OffsetSec: off}
	}
	zone := f.str(2)
	if f.err != nil {
		return nil
	}
	loc, err := value.LoadZone(zone)
	if err != nil || zone == "" || zone == "Local" {
		f.fail(2, "a known time zone id")
		return nil
	}
	if tag == tagLegacyDTZoneID {
		civil := time.Unix(sec, 0).UTC()
		t := time.Date(civil.Year(), civil.Month(), civil.Day(), civil.Hour(), civil.Minute(), civil.Second(), int(nsec), loc)
		sec = t.Unix()
	}
	_, off := time.Unix(sec, int64(nsec)).In(loc).Zone()
	return value.DateTime{Sec: sec, Nsec: nsec, OffsetSec: int32(off), Zone: zone}
}

// buildPath rebuilds a Path from its distinct nodes, unbound relationships
// and walk indices.
func buildPath(f *fieldReader) value.Value {
	nl, rl, il := f.list(0), f.list(1), f.list(2)
	if f.err != nil {
		return nil
	}
	nodes := make([]value.Node, len(nl))
	for i, v := range nl {
		n, ok := v.(value.Node)
		if !ok {
			f.fail(0, "List of Node")
			return nil
		}
		nodes[i] = n
	}
	rels := make([]value.Relationship, len(rl))
	for i, v := range rl {
		r, ok := v.(value.Relationship)
		if !ok {
			f.fail(1, "List of UnboundRelationship")
			return nil
		}
		rels[i] = r
	}
	if len(nodes) == 0 || len(il)%2 != 0 {
		f.fail(2, "a walk starting at a node")
		return nil
	}
	p := value.Path{Nodes: []value.Node{nodes[0]}}
	for i := 0; i < len(il); i += 2 {
		ri, ok1 := il[i].(int64)
		ni, ok2 := il[i+1].(int64)
		if !ok1 || !ok2 || ri == 0 || abs(ri) > int64(len(rels)) || ni < 0 || ni >= int64(len(nodes)) {
			f.fail(2, "valid path indices")
			return nil
		}
		r := rels[abs(ri)-1]
		prev, next := p.Nodes[len(p.Nodes)-1], nodes[ni]
		r.StartID, r.EndID = prev.ID, next.ID
		if ri < 0 {
			r.StartID, r.EndID = next.ID, prev.ID
		}
		p.Rels = append(p.Rels, r)
		p.Nodes = append(p.Nodes, next)
	}
	return p
}

func abs(i int64) int64 {
	if i < 0 {
		return -i
	}
	return i
}

// typeName names a decoded value's PackStream type for error messages.
func typeName(v value.Value) string {
	switch x := v.(type) {
	case nil:
		return "Null"
	case bool:
		return "Boolean"
	case int64:
		return "Integer"
	case float64:
		return "Float"
	case string:
		return "String"
	case []byte:
		return "Bytes"
	case value.List:
		return "List"
	case value.Map:
		return "Map"
	default:
		return strconv.Quote(fmt.Sprintf("%T", x))
	}
}
