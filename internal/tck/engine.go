package tck

import (
	"fmt"

	"github.com/quiverdb/quiver/core/value"
)

// Engine is one fresh, empty, in-memory database under test. The runner
// makes a new Engine for every scenario and drops it afterwards.
type Engine interface {
	// Execute runs one query in its own transaction and returns all its
	// rows. A Cypher error is returned as a *QueryError; any other error
	// fails the scenario as an engine fault.
	Execute(query string, params map[string]value.Value) (*Result, error)
	// Graph returns every node and relationship currently in the database,
	// with labels, types and properties, read from storage (not from
	// counters): the side-effect checks diff two of these.
	Graph() (*Graph, error)
}

// Factory makes a fresh Engine.
type Factory func() (Engine, error)

// Result is a query's output.
type Result struct {
	Columns []string
	Rows    [][]value.Value
}

// Graph is a snapshot of a database's contents.
type Graph struct {
	Nodes []value.Node
	Rels  []value.Relationship
}

// QueryError is a Cypher error as the TCK names it.
type QueryError struct {
	// Type is the TCK's error type: SyntaxError, TypeError, ArgumentError...
	Type string
	// Phase is "compile time" or "runtime".
	Phase string
	// Detail is the TCK detail code, such as UndefinedVariable.
	Detail string
	// Msg is the engine's message.
	Msg string
}

// Error formats the error.
func (e *QueryError) Error() string {
	return fmt.Sprintf("%s at %s: %s (%s)", e.Type, e.Phase, e.Detail, e.Msg)
}
