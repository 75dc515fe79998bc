package bolt

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/quiverdb/quiver/core/value"
)

// Shape selects how structures are laid out on the wire.
type Shape struct {
	// V4 uses the Bolt 4.x layouts: no element ids in graph structures.
	V4 bool
	// LegacyDateTime uses the pre-UTC 'F'/'f' DateTime structures (Bolt 4.4
	// without the "utc" patch).
	LegacyDateTime bool
}

// Structure tags.
const (
	tagNode           = 0x4E
	tagRel            = 0x52
	tagUnboundRel     = 0x72
	tagPath           = 0x50
	tagDate           = 0x44
	tagTime           = 0x54
	tagLocalTime      = 0x74
	tagLocalDateTime  = 0x64
	tagDateTime       = 0x49
	tagDateTimeZoneID = 0x69
	tagLegacyDT       = 0x46
	tagLegacyDTZoneID = 0x66
	tagDuration       = 0x45
	tagPoint2D        = 0x58
	tagPoint3D        = 0x59
)

// Encoder appends PackStream values to a byte slice.
type Encoder struct {
	Buf   []byte
	Shape Shape
}

// Null appends a null.
func (e *Encoder) Null() { e.Buf = append(e.Buf, 0xC0) }

// Bool appends a boolean.
func (e *Encoder) Bool(b bool) {
	if b {
		e.Buf = append(e.Buf, 0xC3)
	} else {
		e.Buf = append(e.Buf, 0xC2)
	}
}

// Int appends an integer in its smallest encoding.
func (e *Encoder) Int(i int64) {
	switch {
	case i >= -16 && i <= 127:
		e.Buf = append(e.Buf, byte(int8(i)))
	case i >= math.MinInt8 && i <= math.MaxInt8:
		e.Buf = append(e.Buf, 0xC8, byte(int8(i)))
	case i >= math.MinInt16 && i <= math.MaxInt16:
		e.Buf = append(e.Buf, 0xC9, byte(i>>8), byte(i))
	case i >= math.MinInt32 && i <= math.MaxInt32:
		e.Buf = append(e.Buf, 0xCA, byte(i>>24), byte(i>>16), byte(i>>8), byte(i))
	default:
		e.Buf = append(e.Buf, 0xCB, byte(i>>56), byte(i>>48), byte(i>>40), byte(i>>32),
			byte(i>>24), byte(i>>16), byte(i>>8), byte(i))
	}
}

// Float appends a 64-bit float.
func (e *Encoder) Float(f float64) {
	u := math.Float64bits(f)
	e.Buf = append(e.Buf, 0xC1, byte(u>>56), byte(u>>48), byte(u>>40), byte(u>>32),
		byte(u>>24), byte(u>>16), byte(u>>8), byte(u))
}

// header appends a marker for a sized value: tiny (when tiny != 0 and n < 16)
// or one of the 8/16/32-bit length markers starting at m8.
func (e *Encoder) header(tiny byte, m8 byte, n int) {
	switch {
	case tiny != 0 && n < 16:
		e.Buf = append(e.Buf, tiny|byte(n))
	case n < 0x100:
		e.Buf = append(e.Buf, m8, byte(n))
	case n < 0x10000:
		e.Buf = append(e.Buf, m8+1, byte(n>>8), byte(n))
	default:
		e.Buf = append(e.Buf, m8+2, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

// String appends a UTF-8 string.
func (e *Encoder) String(s string) {
	e.header(0x80, 0xD0, len(s))
	e.Buf = append(e.Buf, s...)
}

// Bytes appends a byte array.
func (e *Encoder) Bytes(b []byte) {
	e.header(0, 0xCC, len(b))
	e.Buf = append(e.Buf, b...)
}

// ListHeader appends the header of a list of n items.
func (e *Encoder) ListHeader(n int) { e.header(0x90, 0xD4, n) }

// MapHeader appends the header of a map of n entries.
func (e *Encoder) MapHeader(n int) { e.header(0xA0, 0xD8, n) }

// StructHeader appends the header of a structure with n fields.
func (e *Encoder) StructHeader(tag byte, n int) { e.Buf = append(e.Buf, 0xB0|byte(n), tag) }

// smallMap is the most keys Map sorts in a buffer of its own stack frame,
// without allocating (a node's properties are usually fewer).
const smallMap = 16

// Map appends a map with its keys in sorted order, so output is deterministic.
func (e *Encoder) Map(m value.Map) error {
	var buf [smallMap]string
	keys := buf[:0]
	if len(m) > smallMap {
		keys = make([]string, 0, len(m))
	}
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.MapHeader(len(keys))
	for _, k := range keys {
		e.String(k)
		if err := e.Value(m[k]); err != nil {
			return err
		}
	}
	return nil
}

// List appends a list.
func (e *Encoder) List(l []value.Value) error {
	e.ListHeader(len(l))
	for _, v := range l {
		if err := e.Value(v); err != nil {
			return err
		}
	}
	return nil
}

// Value appends any value of core/value's model (and a few plain Go
// equivalents: int, []string, map[string]any).
func (e *Encoder) Value(v value.Value) error {
	switch x := v.(type) {
	case nil:
		e.Null()
	case bool:
		e.Bool(x)
	case int64:
		e.Int(x)
	case int:
		e.Int(int64(x))
	case float64:
		e.Float(x)
	case string:
		e.String(x)
	case []byte:
		e.Bytes(x)
	case value.List:
		return e.List(x)
	case []any:
		return e.List(x)
	case []string:
		e.ListHeader(len(x))
		for _, s := range x {
			e.String(s)
		}
	case value.Map:
		return e.Map(x)
	case map[string]any:
		return e.Map(x)
	default:
		return e.structValue(v)
	}
	return nil
}

func (e *Encoder) structValue(v value.Value) error {
	switch x := v.(type) {
	case value.Node:
		return e.node(x)
	case value.Relationship:
		return e.rel(x)
	case value.Path:
		return e.path(x)
	case value.Date:
		e.StructHeader(tagDate, 1)
		e.Int(x.Days)
	case value.LocalTime:
		e.StructHeader(tagLocalTime, 1)
		e.Int(x.Nanos)
	case value.Time:
		e.StructHeader(tagTime, 2)
		e.Int(x.Nanos)
		e.Int(int64(x.OffsetSec))
	case value.LocalDateTime:
		e.StructHeader(tagLocalDateTime, 2)
		e.Int(x.Sec)
		e.Int(int64(x.Nsec))
	case value.DateTime:
		e.dateTime(x)
	case value.Duration:
		e.StructHeader(tagDuration, 4)
		e.Int(x.Months)
		e.Int(x.Days)
		e.Int(x.Seconds)
		e.Int(int64(x.Nanos))
	case value.Point:
		e.point(x)
	default:
		return fmt.Errorf("packstream: cannot encode a value of type %T", v)
	}
	return nil
}

func (e *Encoder) dateTime(x value.DateTime) {
	sec := x.Sec
	tagOff, tagZone := byte(tagDateTime), byte(tagDateTimeZoneID)
	if e.Shape.LegacyDateTime {
		sec += int64(x.OffsetSec)
		tagOff, tagZone = tagLegacyDT, tagLegacyDTZoneID
	}
	if x.Zone != "" {
		e.StructHeader(tagZone, 3)
		e.Int(sec)
		e.Int(int64(x.Nsec))
		e.String(x.Zone)
		return
	}
	e.StructHeader(tagOff, 3)
	e.Int(sec)
	e.Int(int64(x.Nsec))
	e.Int(int64(x.OffsetSec))
}

func (e *Encoder) point(p value.Point) {
	if p.Is3D() {
		e.StructHeader(tagPoint3D, 4)
	} else {
		e.StructHeader(tagPoint2D, 3)
	}
	e.Int(int64(p.SRID))
	e.Float(p.X)
	e.Float(p.Y)
	if p.Is3D() {
		e.Float(p.Z)
	}
}

// elementID appends the element id Quiver reports for a node or
// relationship id: its decimal digits, as a string.
func (e *Encoder) elementID(id int64) {
	var digits [20]byte
	d := strconv.AppendInt(digits[:0], id, 10)
	e.header(0x80, 0xD0, len(d))
	e.Buf = append(e.Buf, d...)
}

func (e *Encoder) node(n value.Node) error {
	fields := 4
	if e.Shape.V4 {
		fields = 3
	}
	e.StructHeader(tagNode, fields)
	e.Int(n.ID)
	e.ListHeader(len(n.Labels))
	for _, l := range n.Labels {
		e.String(l)
	}
	if err := e.Map(n.Props); err != nil {
		return err
	}
	if !e.Shape.V4 {
		e.elementID(n.ID)
	}
	return nil
}

func (e *Encoder) rel(r value.Relationship) error {
	fields := 8
	if e.Shape.V4 {
		fields = 5
	}
	e.StructHeader(tagRel, fields)
	e.Int(r.ID)
	e.Int(r.StartID)
	e.Int(r.EndID)
	e.String(r.Type)
	if err := e.Map(r.Props); err != nil {
		return err
	}
	if !e.Shape.V4 {
		e.elementID(r.ID)
		e.elementID(r.StartID)
		e.elementID(r.EndID)
	}
	return nil
}

func (e *Encoder) unboundRel(r value.Relationship) error {
	fields := 4
	if e.Shape.V4 {
		fields = 3
	}
	e.StructHeader(tagUnboundRel, fields)
	e.Int(r.ID)
	e.String(r.Type)
	if err := e.Map(r.Props); err != nil {
		return err
	}
	if !e.Shape.V4 {
		e.elementID(r.ID)
	}
	return nil
}

// path appends a Path: the distinct nodes, the distinct relationships without
// their ends, and the indices that walk them (relationship index 1-based and
// negative when traversed against its direction, then node index).
func (e *Encoder) path(p value.Path) error {
	if len(p.Nodes) != len(p.Rels)+1 {
		return fmt.Errorf("packstream: path with %d nodes and %d relationships", len(p.Nodes), len(p.Rels))
	}
	nodeIdx := map[int64]int{}
	var nodes []value.Node
	for _, n := range p.Nodes {
		if _, ok := nodeIdx[n.ID]; !ok {
			nodeIdx[n.ID] = len(nodes)
			nodes = append(nodes, n)
		}
	}
	relIdx := map[int64]int{}
	var rels []value.Relationship
	indices := make([]int64, 0, 2*len(p.Rels))
	for i, r := range p.Rels {
		if _, ok := relIdx[r.ID]; !ok {
			relIdx[r.ID] = len(rels)
			rels = append(rels, r)
		}
		ri := int64(relIdx[r.ID] + 1)
		if !(r.StartID == p.Nodes[i].ID && r.EndID == p.Nodes[i+1].ID) {
			ri = -ri
		}
		indices = append(indices, ri, int64(nodeIdx[p.Nodes[i+1].ID]))
	}
	e.StructHeader(tagPath, 3)
	e.ListHeader(len(nodes))
	for _, n := range nodes {
		if err := e.node(n); err != nil {
			return err
		}
	}
	e.ListHeader(len(rels))
	for _, r := range rels {
		if err := e.unboundRel(r); err != nil {
			return err
		}
	}
	e.ListHeader(len(indices))
	for _, i := range indices {
		e.Int(i)
	}
	return nil
}
