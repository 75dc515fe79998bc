package cypher_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/cypher/cyphertest"
)

// TestMissingParameter: a parameter the statement uses and the request
// lacks is one compile-time error at its first use, before anything runs,
// wherever it appears: even where no row would ever evaluate it.
func TestMissingParameter(t *testing.T) {
	e := cypher.NewEngine(cypher.Options{})
	g := cyphertest.New()
	for _, tc := range []struct{ q, want string }{
		{"RETURN $x", "error: ParameterMissing (MissingParameter) at line 1, column 8: expected parameter $x\n"},
		{"MATCH (n:Nope) RETURN n.v = $x AS b", "error: ParameterMissing (MissingParameter) at line 1, column 29: expected parameter $x\n"},
		{"UNWIND [] AS i WITH i WHERE i = $q RETURN i", "error: ParameterMissing (MissingParameter) at line 1, column 33: expected parameter $q\n"},
		{"CREATE (n:T {v: $p}) WITH n MATCH (m:Nope) SET m.v = $y, m.w = $y", "error: ParameterMissing (MissingParameter) at line 1, column 54: expected parameter $y\n"},
		{"RETURN $p AS p", "p\n7\n"},
	} {
		got := run(t, e, g, tc.q)
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%s: (-want +got)\n%s", tc.q, d)
		}
	}
	// Nothing ran: the CREATE before the missing parameter left no vertex.
	if got := run(t, e, g, "MATCH (n:T) RETURN count(n) AS c"); got != "c\n0\n" {
		t.Errorf("the failed statement wrote: %q", got)
	}
}
