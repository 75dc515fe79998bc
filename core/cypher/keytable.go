package cypher

import (
	"math"

	"github.com/quiverdb/quiver/core/value"
)

// keyTable maps grouping keys (the values of DISTINCT columns or grouping
// items) to entries; equivalent keys (null = null, 1 = 1.0, NaN = NaN)
// share one. A key of one integer (or integral float) or one string is
// looked up in a typed map, without boxing or hashing to bytes; any other
// key goes through a coarse byte hash and an equivalence check.
type keyTable[T any] struct {
	// dense holds the entries of small non-negative integer keys, indexed
	// by the key (has marks which are set): grouping by an age or a small
	// code costs an array index, not a map lookup. It grows as keys come,
	// up to denseKeys.
	dense []T
	has   []bool
	ints  map[int64]T
	strs  map[string]T
	slow  map[string][]slowEntry[T]
	hash  []byte // scratch
}

type slowEntry[T any] struct {
	key value.List
	val T
}

// fastKey classifies a one-value key: 1 for an integer (n), 2 for a string
// (s), 0 for anything else.
func fastKey(key value.List) (kind int, n int64, s string) {
	if len(key) != 1 {
		return 0, 0, ""
	}
	switch x := key[0].(type) {
	case int64:
		return 1, x, ""
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<62 {
			return 1, int64(x), "" // equivalent to that integer
		}
	case string:
		return 2, 0, x
	}
	return 0, 0, ""
}

// get returns the entry of key.
func (t *keyTable[T]) get(key value.List) (T, bool) {
	var zero T
	switch kind, n, s := fastKey(key); kind {
	case 1:
		if uint64(n) < denseKeys {
			if uint64(n) < uint64(len(t.dense)) {
				return t.dense[n], t.has[n]
			}
			return zero, false
		}
		v, ok := t.ints[n]
		return v, ok
	case 2:
		v, ok := t.strs[s]
		return v, ok
	}
	t.hash = appendHashKey(t.hash[:0], key)
	for _, e := range t.slow[string(t.hash)] {
		if equivalent(e.key, key) {
			return e.val, true
		}
	}
	return zero, false
}

// put adds an entry for key (absent so far); key may be a scratch buffer.
func (t *keyTable[T]) put(key value.List, v T) {
	switch kind, n, s := fastKey(key); kind {
	case 1:
		if t.putDense(n, v) {
			return
		}
		if t.ints == nil {
			t.ints = map[int64]T{}
		}
		t.ints[n] = v
		return
	case 2:
		if t.strs == nil {
			t.strs = map[string]T{}
		}
		t.strs[s] = v
		return
	}
	if t.slow == nil {
		t.slow = map[string][]slowEntry[T]{}
	}
	t.hash = appendHashKey(t.hash[:0], key)
	h := string(t.hash)
	t.slow[h] = append(t.slow[h], slowEntry[T]{append(value.List(nil), key...), v})
}

// denseKeys bounds the integer keys keyTable indexes directly.
const denseKeys = 1024

// putDense stores an entry of integer key n in dense when n is small
// enough, growing it (to a power of two) as needed; false when n is not.
// Every key below denseKeys goes to dense, so ints never holds one and get
// need look in one place.
func (t *keyTable[T]) putDense(n int64, v T) bool {
	if n < 0 || n >= denseKeys {
		return false
	}
	if n >= int64(len(t.dense)) {
		size := max(16, len(t.dense))
		for int64(size) <= n {
			size *= 2
		}
		dense, has := make([]T, size), make([]bool, size)
		copy(dense, t.dense)
		copy(has, t.has)
		t.dense, t.has = dense, has
	}
	t.dense[n], t.has[n] = v, true
	return true
}
