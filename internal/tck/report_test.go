package tck

import "testing"

func TestFailureReasons(t *testing.T) {
	a, b, c := &Scenario{ID: "a"}, &Scenario{ID: "b"}, &Scenario{ID: "c"}
	outs := []Outcome{
		{Scenario: a, Reason: `step "x": query failed: SyntaxError at compile time: UnknownFunction (unknown function 'date')`},
		{Scenario: b, Reason: `step "y": query failed: SyntaxError at compile time: UnknownFunction (unknown function 'time')`},
		{Scenario: c, Reason: "step \"z\": got 3 rows, want 2\n  want: ..."},
		{Scenario: c, Passed: true},
	}
	got := FailureReasons(outs)
	if len(got) != 2 || got[0].Count != 2 || got[0].Reason != "query failed: SyntaxError at compile time: UnknownFunction" ||
		got[0].Example != "a" || got[1].Reason != "got N rows, want N" {
		t.Fatalf("got %+v", got)
	}
}
