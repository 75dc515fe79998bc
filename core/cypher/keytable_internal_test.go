package cypher

import (
	"math/rand/v2"
	"testing"

	"github.com/quiverdb/quiver/core/value"
)

// TestKeyTableIntegers checks keyTable against a map model on integer keys
// inside and outside its dense range, negative ones and integral floats
// (1.0 is the key 1), inserted in random order.
func TestKeyTableIntegers(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	var tab keyTable[int]
	model := map[int64]int{}
	for i := range 20_000 {
		n := rng.Int64N(2*denseKeys+100) - 50
		var k value.Value = n
		if rng.IntN(4) == 0 {
			k = float64(n)
		}
		key := value.List{k}
		got, ok := tab.get(key)
		want, wok := model[n]
		if ok != wok || got != want {
			t.Fatalf("step %d key %v: get %d %v, want %d %v", i, k, got, ok, want, wok)
		}
		if !ok {
			tab.put(key, i)
			model[n] = i
		}
	}
	if len(tab.dense) != denseKeys {
		t.Fatalf("dense has %d entries, want %d", len(tab.dense), denseKeys)
	}
	for k := range tab.ints {
		if k >= 0 && k < denseKeys {
			t.Fatalf("key %d is in ints, not dense", k)
		}
	}
}
