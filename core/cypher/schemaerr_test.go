package cypher

import (
	"fmt"
	"testing"

	"github.com/quiverdb/quiver/core/graph"
)

// TestSchemaConflictIsTransient: a schema change refused because an
// undecided prepared transaction stands in its way reaches the client as a
// retryable conflict, not as a permanent schema error.
func TestSchemaConflictIsTransient(t *testing.T) {
	err := wrapSchemaErr(fmt.Errorf("creating the constraint: %w", graph.ErrSerialization))
	ce, ok := err.(*Error)
	if !ok || ce.Code != CodeConflict {
		t.Fatalf("got %#v, want code %s", err, CodeConflict)
	}
	err = wrapSchemaErr(fmt.Errorf("no such index"))
	if ce, ok := err.(*Error); !ok || ce.Code != "Neo.ClientError.Schema.SchemaRuleError" {
		t.Fatalf("a plain schema error became %#v", err)
	}
}
