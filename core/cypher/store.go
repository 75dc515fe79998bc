package cypher

import "github.com/quiverdb/quiver/core/value"

// Direction selects the edges of a vertex by their orientation.
type Direction uint8

// Edge directions relative to a vertex.
const (
	DirOut  Direction = 1 // edges starting at the vertex
	DirIn   Direction = 2 // edges ending at the vertex
	DirBoth Direction = 3 // both
)

// EdgeInfo is an edge's identity and endpoints.
type EdgeInfo struct {
	ID   int64
	From int64
	To   int64
	Type string
}

// IndexInfo describes one index for SHOW INDEX INFO. Property is "" for a
// label index.
type IndexInfo struct {
	Label    string
	Property string
	Count    int64
	// Name is the name the user gave the index, "" for none (SHOW INDEXES
	// then shows IndexName's).
	Name string
}

// ConstraintInfo describes one constraint. Kind is "unique" or "exists".
type ConstraintInfo struct {
	Kind     string
	Label    string
	Property string
	// Name is the name the user gave the constraint, "" for none (SHOW
	// CONSTRAINTS then shows ConstraintName's). It does not identify the
	// constraint: Same compares the rest.
	Name string
}

// Same reports whether c and o are the same constraint, whatever their
// names.
func (c ConstraintInfo) Same(o ConstraintInfo) bool {
	return c.Kind == o.Kind && c.Label == o.Label && c.Property == o.Property
}

// IDIter is a cursor over vertex ids: for it.Next() { it.ID() }. The
// engine may stop pulling at any point.
type IDIter interface {
	Next() bool
	ID() int64
}

// PropIter is implemented by vertex iterators that read a property of the
// current vertex (the version the iterator found, visible to the
// transaction) without looking it up again.
type PropIter interface {
	IDIter
	Property(key string) value.Value
}

// BlockPropIter is a PropIter that also yields vertices in blocks with some
// of their properties (core/graph's VertexIter.NextProps): it stores up to
// len(ids) vertices in ids, the value of keys[j] for the i-th at
// vals[i*len(keys)+j] (nil when absent), and returns how many, 0 at the end.
type BlockPropIter interface {
	PropIter
	NextProps(keys []string, ids []int64, vals []value.Value) int
}

// SliceIter is an IDIter over a slice of ids.
type SliceIter struct {
	ids []int64
	cur int64
}

// NewSliceIter returns an iterator over ids.
func NewSliceIter(ids []int64) *SliceIter { return &SliceIter{ids: ids} }

// Next advances to the next id.
func (s *SliceIter) Next() bool {
	if len(s.ids) == 0 {
		return false
	}
	s.cur, s.ids = s.ids[0], s.ids[1:]
	return true
}

// ID returns the current id.
func (s *SliceIter) ID() int64 { return s.cur }

// Tx is the transaction the engine reads and writes through. core/graph's
// transactions satisfy it through a small adapter; the cyphertest package has
// a plain in-memory one for tests. Reads see the transaction's own writes.
// Methods that take a vertex or edge id report a missing or deleted entity
// through ok = false or an error; they never panic.
type Tx interface {
	// Vertices iterates over the ids of all visible vertices.
	Vertices() IDIter
	// VerticesByLabel iterates over the ids of the vertices carrying label.
	VerticesByLabel(label string) IDIter
	// VerticesByLabelProp returns the vertices with label whose property key
	// equals v, and true, when a label+property index exists; false when no
	// index covers it (the engine then scans).
	VerticesByLabelProp(label, key string, v value.Value) (IDIter, bool)
	// VertexExists reports whether id is a visible vertex.
	VertexExists(id int64) bool
	// VertexLabels returns the labels of a vertex, sorted.
	VertexLabels(id int64) []string
	// VertexProps returns the properties of a vertex (nil when it has none).
	// The caller must not modify the map.
	VertexProps(id int64) value.Map
	// Edges returns the edges of vertex id in direction dir, restricted to
	// the given types when types is not empty, in ascending id order.
	Edges(id int64, dir Direction, types []string) []EdgeInfo
	// Edge returns an edge's identity.
	Edge(id int64) (EdgeInfo, bool)
	// EdgeProps returns the properties of an edge.
	EdgeProps(id int64) value.Map

	// CreateVertex creates a vertex and returns its id.
	CreateVertex(labels []string, props value.Map) (int64, error)
	// CreateEdge creates an edge from -> to and returns its id.
	CreateEdge(from, to int64, typ string, props value.Map) (int64, error)
	// SetVertexProp sets (or, with v == nil, removes) a vertex property.
	SetVertexProp(id int64, key string, v value.Value) error
	// SetEdgeProp sets (or, with v == nil, removes) an edge property.
	SetEdgeProp(id int64, key string, v value.Value) error
	// AddLabel adds a label to a vertex.
	AddLabel(id int64, label string) error
	// RemoveLabel removes a label from a vertex.
	RemoveLabel(id int64, label string) error
	// DeleteVertex deletes a vertex. Without detach it fails when the vertex
	// still has edges.
	DeleteVertex(id int64, detach bool) error
	// DeleteEdge deletes an edge.
	DeleteEdge(id int64) error
}

// SchemaTx is implemented by transactions that can change and list indexes
// and constraints (Memgraph's CREATE INDEX / CONSTRAINT statements).
type SchemaTx interface {
	// CreateIndex creates an index on label (and property, unless ""),
	// named name ("" for the default name).
	CreateIndex(label, property, name string) error
	DropIndex(label, property string) error
	CreateConstraint(c ConstraintInfo) error
	DropConstraint(c ConstraintInfo) error
	Indexes() []IndexInfo
	Constraints() []ConstraintInfo
	// StorageInfo returns SHOW STORAGE INFO's rows as name, value pairs.
	StorageInfo() [][2]value.Value
}

// Bound is one end of a property range; Inclusive includes the value.
type Bound struct {
	Value     value.Value
	Inclusive bool
}

// RangeTx is implemented by transactions that can walk a label+property
// range (an index range seek). Only values of the bounds' kind match
// (numbers with numbers, strings with strings), as Cypher's comparisons
// demand; the engine re-checks the predicate on every row anyway.
type RangeTx interface {
	VerticesByLabelPropRange(label, key string, lower, upper *Bound) (IDIter, bool)
}

// PropTx is implemented by transactions that read one property or test one
// label without building the whole map or list; the engine uses it when
// present.
type PropTx interface {
	VertexProp(id int64, key string) value.Value
	EdgeProp(id int64, key string) value.Value
	HasLabel(id int64, label string) bool
}

// FastTx is implemented by transactions that answer the executor's hot
// reads without allocating: a property together with whether its entity
// is visible (one lookup instead of two), and a vertex's edges appended to
// the caller's buffer, which the executor reuses from vertex to vertex.
type FastTx interface {
	// VertexPropOK returns a vertex property (nil when absent) and false
	// when the vertex is not visible.
	VertexPropOK(id int64, key string) (value.Value, bool)
	// EdgePropOK returns an edge property (nil when absent) and false when
	// the edge is not visible.
	EdgePropOK(id int64, key string) (value.Value, bool)
	// AppendEdges appends what Edges returns to buf.
	AppendEdges(buf []EdgeInfo, id int64, dir Direction, types []string) []EdgeInfo
}

// ExportTx is implemented by transactions that hand out a whole vertex or
// edge, labels and properties, in one lookup and as copies the caller
// owns, so that the engine exports it to a result without copying it
// again. ok is false when the entity is not visible.
type ExportTx interface {
	ExportVertex(id int64) (n value.Node, ok bool)
	ExportEdge(id int64) (r value.Relationship, ok bool)
}

// ReuseTx is implemented by transactions whose equality seeks can reuse
// an iterator the engine has finished with (spent, possibly nil), so that
// a scan seeking once per input row does not allocate an iterator each
// time. It answers as VerticesByLabelProp does.
type ReuseTx interface {
	VerticesByLabelPropReuse(spent IDIter, label, key string, v value.Value) (IDIter, bool)
}

// ReserveTx is implemented by transactions that can make room for n more
// changes at once: a write clause announces one per input row before it
// applies them, so that the transaction's change list does not grow by
// repeated copying.
type ReserveTx interface {
	ReserveWrites(n int)
}

// StatsTx is implemented by transactions that keep statistics for the
// planner: it then picks the driving side of a join and the index a scan
// seeks by estimated rows. The figures may be approximate and may lag
// the transaction's own writes; they choose a plan, never a result.
type StatsTx interface {
	// VertexCount returns the number of vertices.
	VertexCount() int64
	// LabelCount returns the number of vertices carrying label.
	LabelCount(label string) int64
	// IndexStats returns the entries and distinct values of the
	// label+property index on label and key, and false when there is none.
	IndexStats(label, key string) (entries, distinct int64, ok bool)
}

// ProcParam is one declared input or output of a procedure. Type is a
// Cypher type name as procedures declare it: INTEGER?, FLOAT?, NUMBER?,
// STRING?, BOOLEAN?, ANY?, ... (the "?" marks it nullable).
type ProcParam struct {
	Name string
	Type string
}

// Procedure is a callable the host registers with Engine.RegisterProcedure.
// Call gets the arguments in declaration order and returns the output rows,
// each with one value per declared output.
type Procedure struct {
	Name    string
	Inputs  []ProcParam
	Outputs []ProcParam
	Call    func(args []value.Value) ([][]value.Value, error)
	// run, set only on the engine's built-in procedures, reads the
	// transaction and the host instead of Call.
	run func(c *execCtx, args []value.Value) ([][]value.Value, error)
	// write marks a built-in procedure that changes the graph.
	write bool
}
