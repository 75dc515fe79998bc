package tck

import (
	"strings"
	"testing"
)

func TestParseAllCells(t *testing.T) {
	s, err := LoadFeatures("/work/shared/tck/features")
	if err != nil {
		t.Fatal(err)
	}
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
						if bad < 30 {
							t.Logf("%s: %v", x.ID, err)
						}
					}
				}
			}
		}
	}
	t.Logf("bad %d", bad)
}
