package bolt

import (
	"bytes"
	"strings"
	"testing"

	"github.com/quiverdb/quiver/core/value"
)

// TestPointWireFormat checks the bytes of Point2D ('X', 3 fields) and
// Point3D ('Y', 4 fields) and that malformed point structures are refused.
func TestPointWireFormat(t *testing.T) {
	f := func(x float64) string { // PackStream float: 0xC1 and 8 big-endian bytes
		e := Encoder{}
		e.Float(x)
		return string(e.Buf)
	}
	for _, c := range []struct {
		p    value.Point
		want string
	}{
		{value.Point{SRID: 7203, X: 1, Y: 2}, "\xb3\x58\xc9\x1c\x23" + f(1) + f(2)},
		{value.Point{SRID: 4326, X: 1, Y: 2, Z: 9}, "\xb3\x58\xc9\x10\xe6" + f(1) + f(2)},
		{value.Point{SRID: 9157, X: 1, Y: 2, Z: 3}, "\xb4\x59\xc9\x23\xc5" + f(1) + f(2) + f(3)},
		{value.Point{SRID: 4979, X: 1, Y: 2, Z: 3}, "\xb4\x59\xc9\x13\x73" + f(1) + f(2) + f(3)},
	} {
		e := Encoder{}
		if err := e.Value(c.p); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(e.Buf, []byte(c.want)) {
			t.Errorf("%+v: % x, want % x", c.p, e.Buf, c.want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"\xb3\x58\xc9\x23\xc5" + f(1) + f(2), "2D SRID"},
		{"\xb4\x59\xc9\x1c\x23" + f(1) + f(2) + f(3), "3D SRID"},
		{"\xb3\x58\xc9\x1c\x23\x01" + f(2), "Float"},
		{"\xb2\x58\xc9\x1c\x23" + f(1), "fields"},
		{"\xb3\x58\xff" + f(1) + f(2), "SRID"},
	} {
		_, err := NewDecoder([]byte(c.in), Shape{}).Value()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("% x: got %v, want an error with %q", c.in, err, c.want)
		}
	}
}
