package tck

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/quiverdb/quiver/core/value"
)

func TestParseProcedure(t *testing.T) {
	p, err := ParseProcedure("there exists a procedure test.my.proc(name :: STRING?, id :: INTEGER?) :: (city :: STRING?, country_code :: INTEGER?):",
		[][]string{{"name", "id", "city", "country_code"}, {"'Andres'", "1", "'Malmö'", "46"}, {"'Andres'", "2", "'Berlin'", "49"}})
	if err != nil {
		t.Fatal(err)
	}
	want := Procedure{
		Name:    "test.my.proc",
		Inputs:  []ProcParam{{"name", "STRING?"}, {"id", "INTEGER?"}},
		Outputs: []ProcParam{{"city", "STRING?"}, {"country_code", "INTEGER?"}},
		Rows:    [][]value.Value{{"Andres", int64(1), "Malmö", int64(46)}, {"Andres", int64(2), "Berlin", int64(49)}},
	}
	if d := cmp.Diff(want, p); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
	rows, err := p.Call([]value.Value{"Andres", 2.0})
	if err != nil || len(rows) != 1 || rows[0][0] != "Berlin" {
		t.Fatalf("Call = %v, %v", rows, err)
	}
	if _, err := p.Call([]value.Value{"Andres"}); err == nil {
		t.Fatal("Call accepted a missing argument")
	}

	empty, err := ParseProcedure("there exists a procedure test.doNothing() :: ():", [][]string{{""}})
	if err != nil || empty.Name != "test.doNothing" || len(empty.Inputs)+len(empty.Outputs)+len(empty.Rows) != 0 {
		t.Fatalf("doNothing: %+v, %v", empty, err)
	}
	spaced, err := ParseProcedure("there exists a procedure test.my.proc(in :: INTEGER?) :: (a :: INTEGER?, b :: INTEGER?) :",
		[][]string{{"in", "a", "b"}, {"1", "2", "3"}})
	if err != nil || len(spaced.Outputs) != 2 {
		t.Fatalf("spaced: %+v, %v", spaced, err)
	}
	for _, bad := range []struct {
		text  string
		table [][]string
	}{
		{"there exists a procedure test.p(in INTEGER?) :: ():", [][]string{{"in"}}},
		{"there exists a procedure test.p(in :: INTEGER?) :: ():", [][]string{{"out"}}},
		{"there exists a procedure test.p(in :: INTEGER?) :: ():", [][]string{{"in"}, {"1", "2"}}},
		{"there exists a procedure test.p :: ():", [][]string{{""}}},
	} {
		if _, err := ParseProcedure(bad.text, bad.table); err == nil {
			t.Errorf("ParseProcedure(%q, %q) accepted", bad.text, bad.table)
		}
	}
}

func TestEveryTCKProcedureParses(t *testing.T) {
	n := 0
	for _, s := range loadTCK(t) {
		for _, st := range s.Steps {
			if len(st.Text) > 24 && st.Text[:24] == "there exists a procedure" {
				n++
				if _, err := ParseProcedure(st.Text, st.Table); err != nil {
					t.Errorf("%s: %v", s.ID, err)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no procedure steps found")
	}
}
