package tck

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestParseAllCells parses every expected value and parameter in the TCK.
func TestParseAllCells(t *testing.T) {
	s := loadTCK(t)
	bad := 0
	for _, x := range s {
		for _, st := range x.Steps {
			if st.Table == nil || !(strings.HasPrefix(st.Text, "the result") || strings.HasPrefix(st.Text, "parameters")) {
				continue
			}
			for i, r := range st.Table {
				for j, c := range r {
					if strings.HasPrefix(st.Text, "the result") && i == 0 {
						continue
					}
					if strings.HasPrefix(st.Text, "parameters") && j == 0 {
						continue
					}
					if _, err := ParseValue(c); err != nil {
						bad++
						t.Errorf("%s: %v", x.ID, err)
					}
				}
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d cells do not parse", bad)
	}
}

// loadTCK loads the real TCK, or skips the test when it is not there.
func loadTCK(t *testing.T) []Scenario {
	t.Helper()
	dir, err := FindDir()
	if err != nil {
		t.Skipf("TCK not found: %v", err)
	}
	s, err := LoadFeatures(filepath.Join(dir, "features"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLoadsTheWholeTCK(t *testing.T) {
	s := loadTCK(t)
	ids := map[string]bool{}
	for _, x := range s {
		if ids[x.ID] {
			t.Errorf("duplicate scenario ID %q", x.ID)
		}
		ids[x.ID] = true
	}
	if len(s) != 3897 {
		t.Errorf("loaded %d scenarios, want the 3897 of the expanded TCK", len(s))
	}
}
