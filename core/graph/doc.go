// Package graph is Quiver's in-memory property graph: vertices with labels and
// properties, edges with a type and properties, MVCC transactions, indexes and
// constraints. It is IO-free; durability and replication consume the deltas a
// commit produces.
//
// # Threading
//
// One owner goroutine (the node's event loop) makes every call, except that
// read-only transactions (TxOptions.ReadOnly) may begin, read and end on any
// goroutine while the owner writes. Versions are published through atomic
// pointers and every snapshot is registered, so garbage collection never frees
// what a reader may still see.
//
// # Transactions
//
//	tx := g.Begin(graph.TxOptions{})            // snapshot isolation
//	v, _ := tx.CreateVertex()
//	_ = tx.AddLabel(v, "User")
//	_ = tx.SetVertexProperty(v, "name", "ada")   // value.Value; nil removes
//	e, _ := tx.CreateEdge(v, w, "Friend")
//	ts, deltas, err := tx.Commit()               // or tx.Abort()
//	// host: write deltas to the WAL, replicate, then
//	_ = g.MarkAcknowledged(ts)                   // visible to new readers
//
// Every transaction reads a snapshot taken at Begin: the graph's VisibleTS,
// the highest acknowledged commit timestamp. ReadCommitted transactions
// instead read the latest visible state at every read. A transaction always
// sees its own writes. A write to an object that another transaction holds
// uncommitted, or that was committed after the snapshot (under
// ReadCommitted: committed but not yet acknowledged), fails at once with a
// *ConflictError (errors.Is ErrSerialization, IsRetryable true) and dooms
// the transaction (later writes and Commit return the same error); the
// caller aborts and retries. Creating an edge writes only the edge: edges
// created at one vertex by concurrent transactions do not conflict
// (adjacency appends commute), but creating an edge at a vertex that
// another transaction deleted, and deleting a vertex where another
// transaction attached an edge the deleter cannot see, conflict. Deleting a
// vertex with edges fails with ErrHasEdges unless detach is set. Vertex and edge IDs are allocated from counters and never
// reused (NextIDs / ReserveIDs carry them across snapshots).
//
// Commit assigns the next commit timestamp and returns the transaction's
// deltas; the change is visible to transactions that begin after the host
// calls MarkAcknowledged(ts) (Options.ImmediateVisibility does that at once).
// Prepare splits the commit for two-phase replication: it checks constraints
// and reserves the timestamp; Commit or Abort decides it later, and until then
// visibility does not pass it (and constraint checks of other transactions
// count its writes). Apply replays a committed transaction's deltas
// (WAL recovery, replicas). Txn.SnapshotDeltas emits the whole graph at the
// transaction's snapshot as deltas, for snapshot files.
//
// Reads: HasVertex, Vertex, VertexLabels, HasLabel, VertexProperty,
// VertexProperties, HasEdge, Edge, EdgeRef, EdgeProperty, EdgeProperties;
// iterators Vertices, VerticesByLabel, VerticesByProperty,
// VerticesByPropertyRange, Edges (direction and type filter), Degree,
// AllEdges, EdgesByType. Iterators are cursors (for it.Next() { it.ID() }) so
// the caller can stop and resume between steps; they skip objects created
// after the iterator was made.
//
// # Schema
//
// CreateIndex / DropIndex (KindLabelIndex, KindLabelPropertyIndex,
// KindEdgeTypeIndex) and CreateConstraint / DropConstraint (KindExistence,
// KindUnique) are commits of their own: each takes the next commit
// timestamp and returns it with its delta for the WAL, and publishes a new
// schema version at that timestamp. Like any commit it becomes visible at
// MarkAcknowledged: a transaction reads, plans and lists (Txn.Schema,
// Txn.HasSchema) with the schema as of its snapshot, so it never walks an
// index created after it began. A read-only transaction older than a drop
// keeps walking the dropped index (every version it sees was indexed while
// the index was maintained); a write transaction scans instead, because its
// own writes after the drop no longer reach the index. Writes maintain the
// newest schema at once, and every commit after a constraint's timestamp is
// checked against it; commits after a drop are not. Creating a constraint
// checks the committed and prepared data first: a violation returns a
// *ConstraintError and leaves nothing (no version, no timestamp). A prepared
// transaction is undecided and commits without another check, so the
// constraint must hold whichever way it is decided: a violation only the
// committed version it would restore by aborting takes part in is a
// retryable *ConflictError (likewise a commit that takes a unique value a
// prepared transaction moves away from another vertex). Apply publishes a
// replayed transaction's schema deltas as one version at its timestamp
// without checking created constraints against the data: it replays
// decisions the source made. SnapshotDeltas (and SchemaDeltas) emit the schema as of the
// snapshot. For two-phase replication HoldSchema turns a schema change
// just made into a prepared one, decided later by CommitSchema or
// AbortSchema; while one is held, visibility does not pass it and other
// schema changes are refused as retryable conflicts (holdschema.go says how
// writes made meanwhile stay correct either way).
// Graph.Schema and Graph.HasSchema describe the newest version,
// acknowledged or not. Constraint violations at commit abort the transaction
// with a *ConstraintError naming the label and property. Label+property
// indexes order values by Cypher orderability (integers and floats compare
// by value) and serve equality and range scans.
//
// # Garbage collection
//
// CollectGarbage (owner, call it periodically) unlinks versions older than
// the oldest registered snapshot (schema versions too), removes deleted
// objects and their index and adjacency entries. A quiet object keeps a single version.
// CollectGarbageStep does the same work in bounded steps for an event loop.
// Stats reports timestamps, open snapshots and the GC backlog for metrics.
// Creating an index or constraint over existing data is one long call.
//
// # Memory layout
//
// Vertices and edges live in chunked arrays indexed by ID. A vertex is a
// 24-byte slot (version-chain head, out and in adjacency) plus a 48-byte
// version holding an interned label set and a property list; an edge is an
// 8-byte slot plus a 48-byte version, and its ID in two adjacency lists.
// Labels, edge types and property keys are interned as small integers.
package graph
