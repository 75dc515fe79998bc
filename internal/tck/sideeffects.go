package tck

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/quiverdb/quiver/core/value"
)

// SideEffects counts the observable changes between two graph states, as
// the TCK README defines them: nodes and relationships by identity,
// properties as (entity, key, value) triples, labels as the set of distinct
// labels present in the graph.
type SideEffects map[string]int

// effectNames are the keys the TCK uses, in print order.
var effectNames = [...]string{"+nodes", "-nodes", "+relationships", "-relationships", "+labels", "-labels", "+properties", "-properties"}

// Diff computes the side effects that turned before into after.
func Diff(before, after *Graph) SideEffects {
	b, a := inventory(before), inventory(after)
	se := SideEffects{}
	for _, kind := range []string{"nodes", "relationships", "labels", "properties"} {
		se["+"+kind] = countMissing(a[kind], b[kind])
		se["-"+kind] = countMissing(b[kind], a[kind])
	}
	return se
}

// countMissing counts the keys of x that are not in y.
func countMissing(x, y map[string]bool) int {
	n := 0
	for k := range x {
		if !y[k] {
			n++
		}
	}
	return n
}

func inventory(g *Graph) map[string]map[string]bool {
	inv := map[string]map[string]bool{"nodes": {}, "relationships": {}, "labels": {}, "properties": {}}
	for _, n := range g.Nodes {
		id := "n" + strconv.FormatInt(n.ID, 10)
		inv["nodes"][id] = true
		for _, l := range n.Labels {
			inv["labels"][l] = true
		}
		addProps(inv["properties"], id, n.Props)
	}
	for _, r := range g.Rels {
		id := "r" + strconv.FormatInt(r.ID, 10)
		inv["relationships"][id] = true
		addProps(inv["properties"], id, r.Props)
	}
	return inv
}

// addProps records each property as an (entity, key, value) triple. The
// value goes in by its canonical encoding, which keeps the type, so a
// property changed from 1 to 1.0 counts as one removed and one added.
func addProps(set map[string]bool, entity string, props value.Map) {
	for k, v := range props {
		set[entity+"\x00"+k+"\x00"+string(value.AppendValue(nil, v))] = true
	}
}

// ParseSideEffects reads a "the side effects should be" table; unlisted
// kinds are zero.
func ParseSideEffects(table [][]string) (SideEffects, error) {
	se := SideEffects{}
	for _, k := range effectNames {
		se[k] = 0
	}
	for _, row := range table {
		if len(row) != 2 {
			return nil, fmt.Errorf("side effect row %q needs two cells", row)
		}
		if _, ok := se[row[0]]; !ok {
			return nil, fmt.Errorf("unknown side effect %q", row[0])
		}
		n, err := strconv.Atoi(strings.TrimSpace(row[1]))
		if err != nil {
			return nil, fmt.Errorf("side effect %s: %v", row[0], err)
		}
		se[row[0]] = n
	}
	return se, nil
}

// NoSideEffects is the all-zero expectation.
func NoSideEffects() SideEffects {
	se := SideEffects{}
	for _, k := range effectNames {
		se[k] = 0
	}
	return se
}

// Compare returns nil when got equals want on every kind.
func (want SideEffects) Compare(got SideEffects) error {
	var diffs []string
	for _, k := range effectNames {
		if got[k] != want[k] {
			diffs = append(diffs, fmt.Sprintf("%s: got %d, want %d", k, got[k], want[k]))
		}
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		return fmt.Errorf("side effects differ: %s", strings.Join(diffs, "; "))
	}
	return nil
}
