package value

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
)

// EncodingVersion is the version of the binary value encoding written by
// AppendValue. Containers that store encoded values (WAL segments, snapshots,
// replication messages) record it in their header so a later version can
// still read what this one wrote.
const EncodingVersion = 1

// Type tags of encoding version 1. Each encoded value starts with one tag
// byte; the bytes that follow depend on the tag. Integers are zig-zag
// varints, lengths and counts unsigned varints, floats 8 bytes little-endian.
const (
	tagNull          byte = 0
	tagFalse         byte = 1
	tagTrue          byte = 2
	tagInt           byte = 3
	tagFloat         byte = 4
	tagString        byte = 5
	tagBytes         byte = 6
	tagList          byte = 7
	tagMap           byte = 8
	tagNode          byte = 9
	tagRelationship  byte = 10
	tagPath          byte = 11
	tagDate          byte = 12
	tagLocalTime     byte = 13
	tagTime          byte = 14
	tagLocalDateTime byte = 15
	tagDateTime      byte = 16
	tagDuration      byte = 17
	tagPoint         byte = 18
)

// MaxDecodeDepth bounds how deeply lists, maps and paths may nest in an
// encoded value, so a hostile input cannot exhaust the stack.
const MaxDecodeDepth = 256

// ErrCorrupt is wrapped by every error DecodeValue returns.
var ErrCorrupt = errors.New("value: corrupt encoding")

// AppendValue appends the binary encoding of v to dst and returns the
// extended slice. Map entries are written in key order, so equal values
// always encode to equal bytes. v must be one of the types listed in the
// package doc; any other type is a programming error and panics.
func AppendValue(dst []byte, v Value) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, tagNull)
	case bool:
		if x {
			return append(dst, tagTrue)
		}
		return append(dst, tagFalse)
	case int64:
		return binary.AppendVarint(append(dst, tagInt), x)
	case float64:
		return binary.LittleEndian.AppendUint64(append(dst, tagFloat), math.Float64bits(x))
	case string:
		return appendString(append(dst, tagString), x)
	case []byte:
		dst = binary.AppendUvarint(append(dst, tagBytes), uint64(len(x)))
		return append(dst, x...)
	case List:
		dst = binary.AppendUvarint(append(dst, tagList), uint64(len(x)))
		for _, e := range x {
			dst = AppendValue(dst, e)
		}
		return dst
	case Map:
		return appendMap(append(dst, tagMap), x)
	case Node:
		return appendNode(append(dst, tagNode), x)
	case Relationship:
		return appendRel(append(dst, tagRelationship), x)
	case Path:
		return appendPath(append(dst, tagPath), x)
	default:
		return appendTemporal(dst, v)
	}
}

// appendTemporal encodes the temporal and spatial types.
func appendTemporal(dst []byte, v Value) []byte {
	switch x := v.(type) {
	case Date:
		return binary.AppendVarint(append(dst, tagDate), x.Days)
	case LocalTime:
		return binary.AppendVarint(append(dst, tagLocalTime), x.Nanos)
	case Time:
		dst = binary.AppendVarint(append(dst, tagTime), x.Nanos)
		return binary.AppendVarint(dst, int64(x.OffsetSec))
	case LocalDateTime:
		dst = binary.AppendVarint(append(dst, tagLocalDateTime), x.Sec)
		return binary.AppendVarint(dst, int64(x.Nsec))
	case DateTime:
		dst = binary.AppendVarint(append(dst, tagDateTime), x.Sec)
		dst = binary.AppendVarint(dst, int64(x.Nsec))
		dst = binary.AppendVarint(dst, int64(x.OffsetSec))
		return appendString(dst, x.Zone)
	case Duration:
		dst = binary.AppendVarint(append(dst, tagDuration), x.Months)
		dst = binary.AppendVarint(dst, x.Days)
		dst = binary.AppendVarint(dst, x.Seconds)
		return binary.AppendVarint(dst, int64(x.Nanos))
	case Point:
		dst = binary.AppendUvarint(append(dst, tagPoint), uint64(x.SRID))
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(x.X))
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(x.Y))
		if !x.Is3D() {
			x.Z = 0 // a 2D point's Z means nothing: one encoding per point
		}
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(x.Z))
	}
	panic(fmt.Sprintf("value: AppendValue of unsupported Go type %T", v))
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func appendMap(dst []byte, m Map) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	dst = binary.AppendUvarint(dst, uint64(len(keys)))
	for _, k := range keys {
		dst = appendString(dst, k)
		dst = AppendValue(dst, m[k])
	}
	return dst
}

func appendNode(dst []byte, n Node) []byte {
	dst = binary.AppendVarint(dst, n.ID)
	dst = binary.AppendUvarint(dst, uint64(len(n.Labels)))
	for _, l := range n.Labels {
		dst = appendString(dst, l)
	}
	return appendMap(dst, n.Props)
}

func appendRel(dst []byte, r Relationship) []byte {
	dst = binary.AppendVarint(dst, r.ID)
	dst = binary.AppendVarint(dst, r.StartID)
	dst = binary.AppendVarint(dst, r.EndID)
	dst = appendString(dst, r.Type)
	return appendMap(dst, r.Props)
}

func appendPath(dst []byte, p Path) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(p.Nodes)))
	for _, n := range p.Nodes {
		dst = appendNode(dst, n)
	}
	dst = binary.AppendUvarint(dst, uint64(len(p.Rels)))
	for _, r := range p.Rels {
		dst = appendRel(dst, r)
	}
	return dst
}

// DecodeValue decodes one value from the front of b and returns it with the
// bytes that follow it. It never panics: truncated, malformed or too deeply
// nested input gives an error wrapping ErrCorrupt.
func DecodeValue(b []byte) (v Value, rest []byte, err error) {
	d := decoder{b: b}
	v = d.value(0)
	if d.err != nil {
		return nil, b, d.err
	}
	return v, d.b, nil
}

// decoder reads from b, remembering the first error; after an error every
// read returns a zero value, so callers check err once at the end.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
	}
	d.b = nil
}

func (d *decoder) byte1() byte {
	if len(d.b) < 1 {
		d.fail("unexpected end of input")
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) varint() int64 {
	x, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return x
}

func (d *decoder) int32() int32 {
	x := d.varint()
	if x < math.MinInt32 || x > math.MaxInt32 {
		d.fail("int32 out of range: %d", x)
		return 0
	}
	return int32(x)
}

func (d *decoder) uvarint() uint64 {
	x, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad uvarint")
		return 0
	}
	d.b = d.b[n:]
	return x
}

// count reads a length or element count and checks that at least min bytes
// per element remain, so a forged count cannot make us allocate wildly.
func (d *decoder) count(min int) int {
	n := d.uvarint()
	if d.err != nil {
		return 0
	}
	if n > uint64(len(d.b)/min) {
		d.fail("count %d exceeds remaining %d bytes", n, len(d.b))
		return 0
	}
	return int(n)
}

func (d *decoder) raw(n int) []byte {
	if n > len(d.b) {
		d.fail("length %d exceeds remaining %d bytes", n, len(d.b))
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

func (d *decoder) str() string { return string(d.raw(d.count(1))) }

func (d *decoder) float() float64 {
	p := d.raw(8)
	if p == nil {
		return 0
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(p))
}

func (d *decoder) value(depth int) Value {
	if depth > MaxDecodeDepth {
		d.fail("nesting deeper than %d", MaxDecodeDepth)
		return nil
	}
	switch tag := d.byte1(); tag {
	case tagNull:
		return nil
	case tagFalse:
		return false
	case tagTrue:
		return true
	case tagInt:
		return d.varint()
	case tagFloat:
		return d.float()
	case tagString:
		return d.str()
	case tagBytes:
		p := d.raw(d.count(1))
		return append([]byte{}, p...)
	case tagList:
		n := d.count(1)
		l := make(List, 0, n)
		for i := 0; i < n && d.err == nil; i++ {
			l = append(l, d.value(depth+1))
		}
		return l
	case tagMap:
		return d.mapValue(depth)
	case tagNode:
		return d.node(depth)
	case tagRelationship:
		return d.rel(depth)
	case tagPath:
		return d.path(depth)
	default:
		return d.temporal(tag)
	}
}

func (d *decoder) temporal(tag byte) Value {
	switch tag {
	case tagDate:
		return Date{Days: d.varint()}
	case tagLocalTime:
		return LocalTime{Nanos: d.varint()}
	case tagTime:
		return Time{Nanos: d.varint(), OffsetSec: d.int32()}
	case tagLocalDateTime:
		return LocalDateTime{Sec: d.varint(), Nsec: d.int32()}
	case tagDateTime:
		return DateTime{Sec: d.varint(), Nsec: d.int32(), OffsetSec: d.int32(), Zone: d.str()}
	case tagDuration:
		return Duration{Months: d.varint(), Days: d.varint(), Seconds: d.varint(), Nanos: d.int32()}
	case tagPoint:
		srid := d.uvarint()
		if srid > math.MaxUint32 {
			d.fail("point SRID out of range: %d", srid)
		}
		p := Point{SRID: uint32(srid), X: d.float(), Y: d.float(), Z: d.float()}
		if !p.Is3D() && math.Float64bits(p.Z) != 0 {
			d.fail("2D point (SRID %d) with a z coordinate", p.SRID)
		}
		return p
	}
	if d.err == nil {
		d.fail("unknown type tag %d", tag)
	}
	return nil
}

// mapValue decodes map entries; keys must be strictly increasing, which is
// how AppendValue writes them, so every map has exactly one encoding.
func (d *decoder) mapValue(depth int) Map {
	n := d.count(2)
	m := make(Map, n)
	prev := ""
	for i := 0; i < n && d.err == nil; i++ {
		k := d.str()
		if i > 0 && k <= prev {
			d.fail("map keys out of order: %q after %q", k, prev)
			return nil
		}
		prev = k
		m[k] = d.value(depth + 1)
	}
	return m
}

func (d *decoder) node(depth int) Node {
	n := Node{ID: d.varint()}
	cnt := d.count(1)
	n.Labels = make([]string, 0, cnt)
	for i := 0; i < cnt && d.err == nil; i++ {
		n.Labels = append(n.Labels, d.str())
	}
	n.Props = d.mapValue(depth)
	return n
}

func (d *decoder) rel(depth int) Relationship {
	r := Relationship{ID: d.varint(), StartID: d.varint(), EndID: d.varint(), Type: d.str()}
	r.Props = d.mapValue(depth)
	return r
}

func (d *decoder) path(depth int) Path {
	var p Path
	n := d.count(3)
	p.Nodes = make([]Node, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		p.Nodes = append(p.Nodes, d.node(depth+1))
	}
	m := d.count(5)
	p.Rels = make([]Relationship, 0, m)
	for i := 0; i < m && d.err == nil; i++ {
		p.Rels = append(p.Rels, d.rel(depth+1))
	}
	return p
}
