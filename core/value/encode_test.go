package value

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"
)

var encCmp = cmp.Options{cmpopts.EquateEmpty(), cmpopts.EquateNaNs()}

func sampleValues() []Value {
	return []Value{
		nil, true, false, int64(0), int64(-1), int64(math.MaxInt64), int64(math.MinInt64),
		0.0, -1.5, math.Inf(1), math.NaN(), "", "héllo", []byte{}, []byte{0, 1, 255},
		List{}, List{int64(1), "a", nil, List{true}},
		Map{}, Map{"b": int64(2), "a": Map{"x": 1.5}},
		Node{ID: 7, Labels: []string{"A", "B"}, Props: Map{"k": "v"}},
		Relationship{ID: 3, StartID: 1, EndID: 2, Type: "KNOWS", Props: Map{"w": 0.5}},
		Path{Nodes: []Node{{ID: 1}, {ID: 2}}, Rels: []Relationship{{ID: 9, StartID: 1, EndID: 2, Type: "T"}}},
		Date{Days: -719162}, LocalTime{Nanos: 86399999999999}, Time{Nanos: 5, OffsetSec: -3600},
		LocalDateTime{Sec: -62135596800, Nsec: 999999999},
		DateTime{Sec: 1700000000, Nsec: 1, OffsetSec: 3600, Zone: "Europe/Paris"},
		Duration{Months: -14, Days: 3, Seconds: -5, Nanos: -7},
		Point{SRID: 7203, X: 1, Y: 2}, Point{SRID: 4979, X: 1, Y: 2, Z: -3},
		Point{SRID: SRIDCartesian3D, X: -0.5, Y: math.MaxFloat64, Z: math.Inf(-1)},
		Point{SRID: SRIDWGS84, X: -180, Y: 90}, Point{SRID: SRIDWGS843D, X: 12.5, Y: -56, Z: math.NaN()},
		List{Point{SRID: SRIDCartesian, X: math.SmallestNonzeroFloat64, Y: math.Copysign(0, -1)}, Map{"at": Point{SRID: SRIDWGS84}}},
	}
}

func TestRoundTripSamples(t *testing.T) {
	for _, v := range sampleValues() {
		b := AppendValue([]byte{0xAA}, v)
		got, rest, err := DecodeValue(append(b[1:], 0xBB))
		if err != nil {
			t.Fatalf("%#v: %v", v, err)
		}
		if !bytes.Equal(rest, []byte{0xBB}) {
			t.Fatalf("%#v: rest %x, want bb", v, rest)
		}
		if d := cmp.Diff(v, got, encCmp); d != "" {
			t.Fatalf("round trip of %#v (-want +got):\n%s", v, d)
		}
	}
}

// TestMapEncodingIsCanonical checks that equal maps give equal bytes whatever
// their insertion order, which the simulator's trace hashing relies on.
func TestMapEncodingIsCanonical(t *testing.T) {
	a := Map{}
	b := Map{}
	for i := 0; i < 50; i++ {
		a[string(rune('a'+i%26))+string(rune('A'+i/26))] = int64(i)
	}
	for i := 49; i >= 0; i-- {
		b[string(rune('a'+i%26))+string(rune('A'+i/26))] = int64(i)
	}
	if !bytes.Equal(AppendValue(nil, a), AppendValue(nil, b)) {
		t.Fatal("equal maps encoded differently")
	}
}

func TestDecodeRejectsBadInput(t *testing.T) {
	deep := bytes.Repeat([]byte{tagList, 1}, MaxDecodeDepth+2)
	cases := map[string][]byte{
		"empty":           {},
		"unknown tag":     {200},
		"short float":     {tagFloat, 1, 2},
		"short string":    {tagString, 5, 'a'},
		"huge count":      {tagList, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"bad varint":      {tagInt, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		"unsorted map":    {tagMap, 2, 1, 'b', tagNull, 1, 'a', tagNull},
		"duplicate key":   {tagMap, 2, 1, 'a', tagNull, 1, 'a', tagNull},
		"int32 overflow":  {tagTime, 0, 0x80, 0x80, 0x80, 0x80, 0x20},
		"too deep":        deep,
		"srid overflow":   append([]byte{tagPoint, 0x80, 0x80, 0x80, 0x80, 0x20}, make([]byte, 24)...),
		"2D point with z": append(append([]byte{tagPoint, 0xA3, 0x38}, make([]byte, 16)...), 0, 0, 0, 0, 0, 0, 0xF0, 0x3F),
		"short point":     append([]byte{tagPoint, 0xA3, 0x38}, make([]byte, 23)...),
	}
	for name, b := range cases {
		_, rest, err := DecodeValue(b)
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: err = %v, want ErrCorrupt", name, err)
		}
		if !bytes.Equal(rest, b) {
			t.Errorf("%s: rest must be the whole input on error", name)
		}
	}
}

func TestAppendPanicsOnForeignType(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("AppendValue(int) did not panic")
		}
	}()
	AppendValue(nil, 5)
}

func genValue(depth int) *rapid.Generator[Value] {
	return rapid.Custom(func(t *rapid.T) Value {
		kinds := 18
		if depth >= 3 {
			kinds = 8 // scalars only
		}
		switch rapid.IntRange(0, kinds).Draw(t, "kind") {
		case 0:
			return nil
		case 1:
			return rapid.Bool().Draw(t, "b")
		case 2:
			return rapid.Int64().Draw(t, "i")
		case 3:
			return rapid.Float64().Draw(t, "f")
		case 4:
			return rapid.String().Draw(t, "s")
		case 5:
			return rapid.SliceOf(rapid.Byte()).Draw(t, "bytes")
		case 6:
			return Date{Days: rapid.Int64().Draw(t, "d")}
		case 7:
			return DateTime{Sec: rapid.Int64().Draw(t, "s"), Nsec: rapid.Int32().Draw(t, "n"),
				OffsetSec: rapid.Int32().Draw(t, "o"), Zone: rapid.String().Draw(t, "z")}
		case 8:
			return Duration{Months: rapid.Int64().Draw(t, "m"), Days: rapid.Int64().Draw(t, "d"),
				Seconds: rapid.Int64().Draw(t, "s"), Nanos: rapid.Int32().Draw(t, "n")}
		case 9, 10:
			return List(rapid.SliceOfN(genValue(depth+1), 0, 4).Draw(t, "list"))
		case 11, 12:
			return genMap(depth+1).Draw(t, "map")
		case 13:
			return genNode(depth+1).Draw(t, "node")
		case 14:
			return genRel(depth+1).Draw(t, "rel")
		case 15:
			return Path{Nodes: rapid.SliceOfN(genNode(depth+1), 0, 3).Draw(t, "nodes"),
				Rels: rapid.SliceOfN(genRel(depth+1), 0, 2).Draw(t, "rels")}
		case 16:
			p := Point{SRID: rapid.SampledFrom([]uint32{SRIDCartesian, SRIDCartesian3D, SRIDWGS84, SRIDWGS843D,
				rapid.Uint32().Draw(t, "anysrid")}).Draw(t, "srid"), X: rapid.Float64().Draw(t, "x"), Y: rapid.Float64().Draw(t, "y")}
			if p.Is3D() {
				p.Z = rapid.Float64().Draw(t, "z")
			}
			return p
		case 17:
			return Time{Nanos: rapid.Int64().Draw(t, "n"), OffsetSec: rapid.Int32().Draw(t, "o")}
		default:
			return LocalDateTime{Sec: rapid.Int64().Draw(t, "s"), Nsec: rapid.Int32().Draw(t, "n")}
		}
	})
}

func genMap(depth int) *rapid.Generator[Map] {
	return rapid.Custom(func(t *rapid.T) Map {
		return Map(rapid.MapOfN(rapid.String(), genValue(depth), 0, 4).Draw(t, "m"))
	})
}

func genNode(depth int) *rapid.Generator[Node] {
	return rapid.Custom(func(t *rapid.T) Node {
		return Node{ID: rapid.Int64().Draw(t, "id"), Labels: rapid.SliceOfN(rapid.String(), 0, 3).Draw(t, "l"),
			Props: genMap(depth).Draw(t, "p")}
	})
}

func genRel(depth int) *rapid.Generator[Relationship] {
	return rapid.Custom(func(t *rapid.T) Relationship {
		return Relationship{ID: rapid.Int64().Draw(t, "id"), StartID: rapid.Int64().Draw(t, "s"),
			EndID: rapid.Int64().Draw(t, "e"), Type: rapid.String().Draw(t, "t"), Props: genMap(depth).Draw(t, "p")}
	})
}

func TestRoundTripRapid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		v := genValue(0).Draw(t, "v")
		b := AppendValue(nil, v)
		got, rest, err := DecodeValue(b)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if len(rest) != 0 {
			t.Fatalf("%d bytes left over", len(rest))
		}
		if d := cmp.Diff(v, got, encCmp); d != "" {
			t.Fatalf("(-want +got):\n%s", d)
		}
		if !bytes.Equal(AppendValue(nil, got), b) {
			t.Fatal("re-encoding differs")
		}
	})
}

// FuzzDecodeValue checks that decoding never panics and that whatever
// decodes re-encodes to bytes that decode to the same value.
func FuzzDecodeValue(f *testing.F) {
	for _, v := range sampleValues() {
		f.Add(AppendValue(nil, v))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, rest, err := DecodeValue(b)
		if err != nil {
			return
		}
		if len(rest) > len(b) {
			t.Fatal("rest longer than input")
		}
		enc := AppendValue(nil, v)
		v2, rest2, err := DecodeValue(enc)
		if err != nil || len(rest2) != 0 {
			t.Fatalf("re-encoded value does not decode: %v", err)
		}
		if d := cmp.Diff(v, v2, encCmp); d != "" {
			t.Fatalf("(-first +second):\n%s", d)
		}
		if !bytes.Equal(AppendValue(nil, v2), enc) {
			t.Fatal("encoding not stable")
		}
	})
}
