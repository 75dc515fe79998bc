//go:build tools

// Package deps pins the libraries chosen in DESIGN.md so that `go mod tidy`
// keeps them before every package that uses them exists.
package deps

import (
	_ "github.com/anishathalye/porcupine"
	_ "github.com/chzyer/readline"
	_ "github.com/cockroachdb/datadriven"
	_ "github.com/cucumber/gherkin/go/v42"
	_ "github.com/cucumber/messages/go/v34"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/neo4j/neo4j-go-driver/v5/neo4j"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "go.etcd.io/raft/v3"
	_ "go.uber.org/zap"
	_ "pgregory.net/rapid"
)
