package durability

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/value"
)

// ErrCorruptDelta is wrapped by DecodeDeltas errors.
var ErrCorruptDelta = errors.New("durability: corrupt delta encoding")

// Field bits of an encoded delta: which of the Delta's fields follow the op.
// fAlias came later than the others: records written before it never set
// the bit and decode with no alias, so older WAL segments and snapshots stay
// readable.
const (
	fID byte = 1 << iota
	fFrom
	fTo
	fName
	fKey
	fKind
	fValue
	fAlias
)

// AppendDeltas appends the encoding of ds to dst: a count, then per delta
// its op, a byte saying which fields are set, and those fields (integers as
// zig-zag varints, strings length-prefixed, the value in core/value's
// encoding, the alias last). Replication ships the same bytes.
func AppendDeltas(dst []byte, ds []graph.Delta) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(ds)))
	for i := range ds {
		dst = appendDelta(dst, &ds[i])
	}
	return dst
}

func appendDelta(dst []byte, d *graph.Delta) []byte {
	var mask byte
	if d.ID != 0 {
		mask |= fID
	}
	if d.From != 0 {
		mask |= fFrom
	}
	if d.To != 0 {
		mask |= fTo
	}
	if d.Name != "" {
		mask |= fName
	}
	if d.Key != "" {
		mask |= fKey
	}
	if d.Kind != 0 {
		mask |= fKind
	}
	if d.Value != nil {
		mask |= fValue
	}
	if d.Alias != "" {
		mask |= fAlias
	}
	dst = append(dst, byte(d.Op), mask)
	if mask&fID != 0 {
		dst = binary.AppendVarint(dst, d.ID)
	}
	if mask&fFrom != 0 {
		dst = binary.AppendVarint(dst, d.From)
	}
	if mask&fTo != 0 {
		dst = binary.AppendVarint(dst, d.To)
	}
	if mask&fName != 0 {
		dst = appendStr(dst, d.Name)
	}
	if mask&fKey != 0 {
		dst = appendStr(dst, d.Key)
	}
	if mask&fKind != 0 {
		dst = append(dst, d.Kind)
	}
	if mask&fValue != 0 {
		dst = value.AppendValue(dst, d.Value)
	}
	if mask&fAlias != 0 {
		dst = appendStr(dst, d.Alias)
	}
	return dst
}

func appendStr(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// DecodeDeltas decodes what AppendDeltas wrote, from the front of b, and
// returns the bytes after it. It never panics on bad input.
func DecodeDeltas(b []byte) ([]graph.Delta, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return nil, b, fmt.Errorf("%w: bad delta count", ErrCorruptDelta)
	}
	p := b[k:]
	if n > uint64(len(p)/2) {
		return nil, b, fmt.Errorf("%w: delta count %d exceeds input", ErrCorruptDelta, n)
	}
	ds := make([]graph.Delta, n)
	for i := range ds {
		var err error
		if p, err = decodeDelta(p, &ds[i]); err != nil {
			return nil, b, fmt.Errorf("delta %d: %w", i, err)
		}
	}
	return ds, p, nil
}

func decodeDelta(p []byte, d *graph.Delta) ([]byte, error) {
	if len(p) < 2 {
		return nil, fmt.Errorf("%w: short delta", ErrCorruptDelta)
	}
	d.Op, p = graph.DeltaOp(p[0]), p[1:]
	if d.Op < graph.OpCreateVertex || d.Op > graph.OpDropConstraint {
		return nil, fmt.Errorf("%w: unknown op %d", ErrCorruptDelta, d.Op)
	}
	mask := p[0] // every bit names a field: a further field needs a new format
	p = p[1:]
	r := reader{p: p}
	if mask&fID != 0 {
		d.ID = r.varint()
	}
	if mask&fFrom != 0 {
		d.From = r.varint()
	}
	if mask&fTo != 0 {
		d.To = r.varint()
	}
	if mask&fName != 0 {
		d.Name = r.str()
	}
	if mask&fKey != 0 {
		d.Key = r.str()
	}
	if mask&fKind != 0 {
		d.Kind = r.byte1()
	}
	if r.err == nil && mask&fValue != 0 {
		var err error
		if d.Value, r.p, err = value.DecodeValue(r.p); err != nil {
			return nil, err
		}
	}
	if mask&fAlias != 0 {
		d.Alias = r.str()
	}
	return r.p, r.err
}

// reader reads varints and strings, keeping the first error.
type reader struct {
	p   []byte
	err error
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: bad %s", ErrCorruptDelta, what)
	}
	r.p = nil
}

func (r *reader) varint() int64 {
	x, n := binary.Varint(r.p)
	if n <= 0 {
		r.fail("varint")
		return 0
	}
	r.p = r.p[n:]
	return x
}

func (r *reader) uvarint() uint64 {
	x, n := binary.Uvarint(r.p)
	if n <= 0 {
		r.fail("uvarint")
		return 0
	}
	r.p = r.p[n:]
	return x
}

func (r *reader) byte1() byte {
	if len(r.p) < 1 {
		r.fail("byte")
		return 0
	}
	c := r.p[0]
	r.p = r.p[1:]
	return c
}

func (r *reader) str() string {
	n := r.uvarint()
	if n > uint64(len(r.p)) {
		r.fail("string length")
		return ""
	}
	s := string(r.p[:n])
	r.p = r.p[n:]
	return s
}
