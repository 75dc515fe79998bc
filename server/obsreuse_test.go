package server

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	zapobserver "go.uber.org/zap/zaptest/observer"

	"github.com/quiverdb/quiver/bolt"
	"github.com/quiverdb/quiver/core/value"
)

// stubSession runs every query as an empty result.
type stubSession struct{ bolt.Session }

func (stubSession) Run(context.Context, string, value.Map, bolt.TxMeta) (bolt.Result, error) {
	return stubResult{}, nil
}

type stubResult struct{}

func (stubResult) Columns() []string                             { return nil }
func (stubResult) Next(context.Context) ([]value.Value, error)   { return nil, nil }
func (stubResult) Summary(context.Context) (bolt.Summary, error) { return bolt.Summary{Type: "r"}, nil }
func (stubResult) Close()                                        {}

// TestObservedResultReusedOnlyAfterRelease: a session hands out its
// released result for the next query, never one still held, and the
// reused result follows the new query alone (its parameters, its end).
func TestObservedResultReusedOnlyAfterRelease(t *testing.T) {
	core, logs := zapobserver.New(zapcore.DebugLevel)
	o := &observer{m: newQueryMetrics(prometheus.NewRegistry()), log: zap.New(core), logParams: true, now: time.Now}
	s := &obsSession{Session: stubSession{}, o: o, info: bolt.ConnInfo{ID: "c1"}}
	ctx := context.Background()
	run := func(p value.Map) bolt.Result {
		t.Helper()
		r, err := s.Run(ctx, "q", p, bolt.TxMeta{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Summary(ctx); err != nil {
			t.Fatal(err)
		}
		return r
	}
	first := run(value.Map{"a": int64(1)})
	held := run(value.Map{"b": int64(2)})
	if first == held {
		t.Fatal("a result not released was handed out again")
	}
	first.(bolt.Releaser).Release()
	third := run(value.Map{"c": int64(3)})
	if third != first {
		t.Fatal("the released result was not reused")
	}
	entries := logs.FilterMessage("query").All()
	if len(entries) != 3 {
		t.Fatalf("%d queries logged, want 3 (a reused result must log its query)", len(entries))
	}
	for i, key := range []string{"a", "b", "c"} {
		p, _ := entries[i].ContextMap()["parameters"].(value.Map)
		if len(p) != 1 || p[key] == nil {
			t.Errorf("query %d logged parameters %v, want only %s", i+1, entries[i].ContextMap()["parameters"], key)
		}
	}
}
