package drivertest

import (
	"context"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"go.uber.org/zap"

	"github.com/quiverdb/quiver/server"
)

// startServer runs an in-process server on a free port with a fresh data
// directory.
func startServer(t testing.TB, mod func(*server.Config), extraFlags ...string) *server.Server {
	args := append([]string{"--bolt-address", "127.0.0.1", "--bolt-port", "0",
		"--metrics-enabled=false", "--data-directory", t.TempDir()}, extraFlags...)
	cfg, err := server.ParseConfig(args, func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if mod != nil {
		mod(&cfg)
	}
	s, err := server.Start(cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

func driver(t testing.TB, s *server.Server, auth neo4j.AuthToken) neo4j.DriverWithContext {
	if auth.Tokens == nil {
		auth = neo4j.NoAuth()
	}
	d, err := neo4j.NewDriverWithContext("bolt://"+s.BoltAddr(), auth)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close(context.Background()) })
	return d
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// autoCommit runs q as an auto-commit query (session.Run), the way index
// and constraint changes must run: as in Memgraph, they are refused inside
// explicit transactions, which neo4j.ExecuteQuery opens.
func autoCommit(c context.Context, d neo4j.DriverWithContext, q string, params map[string]any) error {
	sess := d.NewSession(c, neo4j.SessionConfig{})
	defer sess.Close(c)
	res, err := sess.Run(c, q, params)
	if err != nil {
		return err
	}
	_, err = res.Consume(c)
	return err
}
