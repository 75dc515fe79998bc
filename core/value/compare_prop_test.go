package value

import (
	"math"
	"testing"

	"pgregory.net/rapid"
)

// genCmpValue draws values that stress the relations: mixed numbers with
// ties across int and float, NaN, nulls, nested lists and maps, entities.
func genCmpValue(depth int) *rapid.Generator[Value] {
	return rapid.Custom(func(t *rapid.T) Value {
		max := 9
		if depth <= 0 {
			max = 6
		}
		switch rapid.IntRange(0, max).Draw(t, "kind") {
		case 0:
			return nil
		case 1:
			return rapid.Bool().Draw(t, "b")
		case 2:
			return rapid.Int64Range(-3, 3).Draw(t, "i")
		case 3:
			return rapid.SampledFrom([]float64{-1.5, -1, 0, 0.5, 1, 2, math.NaN(), math.Inf(1), math.Copysign(0, -1)}).Draw(t, "f")
		case 4:
			return rapid.SampledFrom([]string{"", "a", "b", "ab", "é"}).Draw(t, "s")
		case 5:
			return Node{ID: rapid.Int64Range(0, 2).Draw(t, "n")}
		case 6:
			return Date{Days: rapid.Int64Range(0, 2).Draw(t, "d")}
		case 7, 8:
			return List(rapid.SliceOfN(genCmpValue(depth-1), 0, 3).Draw(t, "l"))
		default:
			return Map(rapid.MapOfN(rapid.SampledFrom([]string{"a", "b"}), genCmpValue(depth-1), 0, 2).Draw(t, "m"))
		}
	})
}

func TestOrderIsATotalOrderConsistentWithEquivalence(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		g := genCmpValue(2)
		a, b, c := g.Draw(t, "a"), g.Draw(t, "b"), g.Draw(t, "c")
		ab, ba := Order(a, b), Order(b, a)
		if ab != -ba {
			t.Fatalf("Order not antisymmetric: %#v %#v: %d %d", a, b, ab, ba)
		}
		if ab <= 0 && Order(b, c) <= 0 && Order(a, c) > 0 {
			t.Fatalf("Order not transitive: %#v <= %#v <= %#v", a, b, c)
		}
		eqv := Equivalent(a, b)
		if eqv != (Key(a) == Key(b)) {
			t.Fatalf("Equivalent(%#v, %#v) = %v but keys %q %q", a, b, eqv, Key(a), Key(b))
		}
		if eqv && ab != 0 {
			t.Fatalf("equivalent values order apart: %#v %#v", a, b)
		}
		if Equal(a, b) == TriTrue && !eqv {
			t.Fatalf("equal but not equivalent: %#v %#v", a, b)
		}
		if Equal(a, b) != Equal(b, a) {
			t.Fatalf("Equal not symmetric: %#v %#v", a, b)
		}
		switch Compare(a, b) {
		case CmpLess:
			if ab >= 0 {
				t.Fatalf("Compare says %#v < %#v, Order says %d", a, b, ab)
			}
		case CmpGreater:
			if ab <= 0 {
				t.Fatalf("Compare says %#v > %#v, Order says %d", a, b, ab)
			}
		case CmpEqual:
			if Equal(a, b) == TriFalse {
				t.Fatalf("Compare says %#v == %#v, Equal says false", a, b)
			}
		}
	})
}
