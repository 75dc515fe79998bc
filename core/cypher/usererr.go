package cypher

import (
	"errors"
	"fmt"
	"strings"

	"github.com/quiverdb/quiver/core/graph"
)

// UserMessage words a storage error in the terms of the person who ran the
// query: what was violated, on which label and property, and what to do,
// never core/graph's internal wording ("graph: ... violated by vertex 1").
func UserMessage(err error) string {
	var ce *graph.ConstraintError
	switch {
	case errors.As(err, &ce) && ce.Kind == graph.KindUnique:
		return fmt.Sprintf("Node(%d) violates the uniqueness constraint on :%s(%s): another node with label %s has the same value for %s",
			ce.VertexID, ce.Label, ce.Property, ce.Label, ce.Property)
	case errors.As(err, &ce):
		return fmt.Sprintf("Node(%d) violates the existence constraint on :%s(%s): it has label %s but no property %s",
			ce.VertexID, ce.Label, ce.Property, ce.Label, ce.Property)
	case errors.Is(err, graph.ErrSerialization):
		return "the transaction conflicts with a concurrent transaction that changed the same data; retry it"
	case errors.Is(err, graph.ErrHasEdges):
		return "cannot delete a node that still has relationships; delete them first or use DETACH DELETE"
	case errors.Is(err, graph.ErrInvalidValue):
		return "a property value must be a boolean, number, string, temporal or point value, or a list of one such type without nulls (" +
			detail(err, graph.ErrInvalidValue) + ")"
	case errors.Is(err, graph.ErrReadOnly):
		return "writing in a read-only transaction is not allowed"
	case errors.Is(err, graph.ErrNotFound):
		return "the node or relationship was deleted (" + detail(err, graph.ErrNotFound) + ")"
	case errors.Is(err, graph.ErrSchema):
		return detail(err, graph.ErrSchema)
	}
	return strings.TrimPrefix(err.Error(), "graph: ")
}

// detail is what a wrapped sentinel error adds after the sentinel's text.
func detail(err, sentinel error) string {
	s := strings.TrimPrefix(err.Error(), sentinel.Error())
	return strings.TrimSpace(strings.TrimPrefix(s, ":"))
}
