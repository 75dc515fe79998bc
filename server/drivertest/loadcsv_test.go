package drivertest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/quiverdb/quiver/server"
)

// TestLoadCSVOverBolt loads a file from --import-directory, and gets clear
// client errors for a path outside it, a missing file and a bad row.
func TestLoadCSVOverBolt(t *testing.T) {
	base := t.TempDir()
	imp := filepath.Join(base, "import")
	if err := os.Mkdir(imp, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(imp, "users.csv"), "id,name\n1,Ann\n2,Bo\n")
	write(filepath.Join(imp, "bad.csv"), "id,name\n1,Ann\n2,\"Bo\n")
	write(filepath.Join(base, "secret.csv"), "id\n1\n")
	s := startServer(t, func(c *server.Config) { c.ImportDirectory = imp })
	d := driver(t, s, neo4j.AuthToken{})
	c := ctx(t)

	res, err := neo4j.ExecuteQuery(c, d, "LOAD CSV FROM 'users.csv' WITH HEADER AS row CREATE (u:User {id: toInteger(row.id), name: row.name}) RETURN count(u) AS n",
		nil, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	if n := res.Records[0].Values[0]; n != int64(2) {
		t.Fatalf("created %v users, want 2", n)
	}
	for q, want := range map[string]string{
		"LOAD CSV FROM '../secret.csv' AS row RETURN row":                                  "outside the import directory",
		"LOAD CSV FROM '" + filepath.Join(base, "secret.csv") + "' AS row RETURN row":      "outside the import directory",
		"LOAD CSV FROM 'nope.csv' AS row RETURN row":                                       "does not exist",
		"LOAD CSV FROM 'bad.csv' WITH HEADER AS row CREATE (:Bad {id: row.id})":            "line 3",
		"LOAD CSV FROM 'users.csv' WITH HEADER DELIMITER 'ab' AS row RETURN row":           "one character",
		"LOAD CSV FROM 'users.csv' WITH HEADER AS row RETURN row.id ORDER BY row.id LIMIT": "",
	} {
		_, err := neo4j.ExecuteQuery(c, d, q, nil, neo4j.EagerResultTransformer)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(code(err), "Neo.ClientError.") {
			t.Errorf("%s: error %v (code %s), want a client error with %q", q, err, code(err), want)
		}
	}
	res, err = neo4j.ExecuteQuery(c, d, "MATCH (n:Bad) RETURN count(n)", nil, neo4j.EagerResultTransformer)
	if err != nil || res.Records[0].Values[0] != int64(0) {
		t.Fatalf("a failed LOAD CSV left writes behind: %v %v", res, err)
	}
}

// TestLoadCSVDisabled: without --import-directory LOAD CSV is refused.
func TestLoadCSVDisabled(t *testing.T) {
	s := startServer(t, nil)
	d := driver(t, s, neo4j.AuthToken{})
	_, err := neo4j.ExecuteQuery(ctx(t), d, "LOAD CSV FROM 'x.csv' AS row RETURN row", nil, neo4j.EagerResultTransformer)
	if err == nil || !strings.Contains(err.Error(), "--import-directory") {
		t.Fatalf("error %v, want one naming --import-directory", err)
	}
}
