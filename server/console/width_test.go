package console

import "testing"

// The wide ranges must be sorted and disjoint for the binary search.
func TestWideRangesSorted(t *testing.T) {
	for i, r := range wide {
		if r[0] > r[1] || (i > 0 && wide[i-1][1] >= r[0]) {
			t.Errorf("range %d %X-%X is out of order", i, r[0], r[1])
		}
	}
}
