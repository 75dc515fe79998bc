package drivertest

import (
	"testing"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/quiverdb/quiver/bolt"
)

// TestServerAgent: the driver accepts the agent HELLO reports, and the agent
// says what answers in the pattern Memgraph uses.
func TestServerAgent(t *testing.T) {
	s := startServer(t, nil)
	d := driver(t, s, neo4j.AuthToken{})
	info, err := d.GetServerInfo(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if info.Agent() != bolt.DefaultAgent {
		t.Fatalf("agent %q, want %q", info.Agent(), bolt.DefaultAgent)
	}
}
