package tck

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/quiverdb/quiver/core/value"
)

func TestParseProcedure(t *testing.T) {
	spec, err := ParseProcedure("there exists a procedure test.my.proc(name :: STRING?, id :: INTEGER?) :: (city :: STRING?):",
		[][]string{{"name", "id", "city"}, {"'Andres'", "1", "'Malmö'"}, {"null", "null", "'none'"}})
	if err != nil {
		t.Fatal(err)
	}
	want := ProcedureSpec{
		Name:    "test.my.proc",
		Inputs:  []ProcParam{{"name", "STRING?"}, {"id", "INTEGER?"}},
		Outputs: []ProcParam{{"city", "STRING?"}},
		Rows:    [][]value.Value{{"Andres", int64(1), "Malmö"}, {nil, nil, "none"}},
	}
	if d := cmp.Diff(want, spec); d != "" {
		t.Fatalf("(-want +got)\n%s", d)
	}
	if got := spec.Call([]value.Value{"Andres", int64(1)}); len(got) != 1 || got[0][0] != "Malmö" {
		t.Fatalf("call: %v", got)
	}
	if got := spec.Call([]value.Value{nil, nil}); len(got) != 1 || got[0][0] != "none" {
		t.Fatalf("null call: %v", got)
	}
	if got := spec.Call([]value.Value{"Bob", int64(1)}); len(got) != 0 {
		t.Fatalf("no match expected, got %v", got)
	}
	if _, err := ParseProcedure("there exists a procedure broken", nil); err == nil {
		t.Fatal("a malformed signature must fail")
	}
	empty, err := ParseProcedure("there exists a procedure test.doNothing() :: ():", [][]string{{""}})
	if err != nil || len(empty.Inputs) != 0 || len(empty.Outputs) != 0 || len(empty.Rows) != 0 {
		t.Fatalf("empty procedure: %+v %v", empty, err)
	}
}
