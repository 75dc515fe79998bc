// Package cypher is Quiver's Cypher engine: a lexer, a hand-written
// recursive-descent parser, an AST, a semantic pass raising the openCypher
// TCK's typed errors, a planner and a pull-based streaming executor.
//
// # ENGINE_API
//
// The engine is stateless apart from its plan cache; storage comes in
// through the Tx interface (core/graph transactions satisfy it through an
// adapter; package cyphertest has a plain in-memory one for tests):
//
//	eng := cypher.NewEngine(cypher.Options{})          // plan cache, hooks
//	p, err := eng.Prepare("MATCH (n:User) RETURN n.age") // cached by text
//	res, err := eng.Execute(tx, p, map[string]value.Value{"id": int64(1)})
//	cols := res.Columns()
//	for {
//		rec, ok, err := res.Next() // pulls one row; the host may stop anytime
//		if err != nil || !ok { break }
//		_ = rec // []value.Value: value.Node, value.Relationship, value.Path, ...
//	}
//	stats := res.Stats()          // Stats.Map(): "nodes-created", ... (Neo4j keys)
//	notes := res.Notifications()
//
// Run(tx, query, params) does Prepare + Execute in one call. An updating
// query runs to its end on the first Next (so LIMIT or a client that stops
// pulling never truncates its writes); Result.Consume drains a result
// (Bolt DISCARD) and makes Stats final.
//
// Storage: NewGraphTx(g, txn) adapts a core/graph transaction (with
// SchemaLog to receive schema-change deltas for the WAL). Optional
// interfaces a Tx may implement: SchemaTx (index/constraint statements),
// RangeTx (label+property range seeks for WHERE n.p > $x AND n.p < $y),
// PropTx (single property and label reads without building maps),
// FastTx (a property read and the entity's visibility in one lookup, edges
// appended to a reused buffer), StatsTx (label and index statistics for
// the planner), ReuseTx (an equality seek reusing a spent iterator) and
// ReserveTx (room for a write clause's changes made at once).
//
// Procedures: Engine.RegisterProcedure(Procedure{Name, Inputs, Outputs,
// Call}) makes CALL name(args) [YIELD ...] available, standalone or inside
// a query.
//
// The planner picks, per MATCH path, the bound node or the start expected
// to yield the fewest rows, expands along the pattern in both directions,
// and filters with WHERE. Seek values may be any expression of what is
// bound when the scan runs (parameters, UNWIND rows, nodes matched
// earlier, map and list lookups): UNWIND $batch AS row MATCH (a:User {id:
// row.a}) seeks the index once per row. The patterns of one MATCH are
// planned cheapest first (a pattern touching a bound variable before any
// scan), so the small side drives and the other seeks from its values.
// Estimates come from the transaction's statistics when it keeps them
// (StatsTx: vertices per label, an index's entries ÷ distinct values per
// equality, fixed shares for unindexed equalities and ranges), else from
// fixed scores (id > label+property equality or IN > range > label > all);
// of several indexed equalities on one node the scan seeks the most
// selective. A plan is cached by query text, but its join order and seeks
// are chosen each time it runs, from the statistics of the moment (a few
// atomic loads), so a cached plan follows the data; the choice affects
// speed, never the result. EXPLAIN shows the choice as operators
// (ScanByLabelPropertyValue(s), ScanByLabelPropertyRange, Expand, Filter,
// Aggregate, ...), first operator last.
//
// A row is a slice with one slot per variable of the statement, numbered
// when the query is planned (slots.go): expressions read variables by
// index, and operators copy a small slice where a binding needs a copy.
// Read-only plans reuse rows: an operator whose consumer keeps no row past
// its next pull (see reuse.go) rebinds one output row in place, so scans,
// expansions, UNWIND and projections allocate no row per result row. An
// aggregation over a first-clause scan whose keys and arguments are
// properties of the scanned node reads them without rows at all.
//
// Every error is a *Error: Code is the Neo4j status code
// (Neo.ClientError.Statement.SyntaxError, ...TypeError, ...ArgumentError,
// ...SemanticError, ...EntityNotFound, Neo.ClientError.Schema.
// ConstraintValidationFailed, Neo.ClientError.Procedure.ProcedureNotFound),
// Kind() its last segment (the TCK's error type), Detail the TCK detail code
// (VariableTypeConflict, UndefinedVariable, ...), Phase PhaseCompile or
// PhaseRuntime, and Line/Column the position for compile-time errors.
// Compile-time errors come from Prepare; runtime errors from Execute or
// Next. A panic inside the engine is recovered at this boundary and returned
// as a Neo.DatabaseError.General.UnknownError; it never crashes the host.
//
// Memgraph's schema statements (CREATE INDEX ON :L(p), CREATE INDEX ON :L,
// DROP INDEX ON ..., CREATE/DROP CONSTRAINT ON (n:L) ASSERT n.p IS UNIQUE |
// ASSERT EXISTS (n.p), SHOW INDEX INFO, SHOW CONSTRAINT INFO, SHOW STORAGE
// INFO) need a Tx that also implements SchemaTx. Administrative statements
// (SHOW TRANSACTIONS, TERMINATE TRANSACTIONS 'id', ..., CREATE SNAPSHOT)
// are parsed into AdminStmt nodes that the host runs (Prepared.Admin);
// Execute refuses them. EXPLAIN returns the plan as rows (column "QUERY PLAN");
// PROFILE runs the query and returns one row per operator with the rows
// it produced.
//
// Write clauses are eager (they drain their input before writing); reads
// stream: a RETURN of a million rows never holds them all. A host cuts a
// big write into bounded steps with Result.Step, yielding between them.
// Most writes stream too (Result.Streams, Result.StepRows; stream.go): once
// the topmost write clause emits, nothing more is written, so rows go out
// as they are produced (so do a UNION's parts, in order, and a per-row
// CALL { } whose body only creates); and a lone CREATE fed by UNWIND or
// LOAD CSV, whose consumers read nothing else of the graph, runs as a
// pipeline that holds no rows at all. CALL { } IN TRANSACTIONS commits per
// batch through the host (BatchTx, or AsyncBatchTx for a host whose
// commits finish later), reads a graph-reading input lazily from the
// statement-start snapshot when the host offers one (InputSnapshotTx), and
// hands its rows out a batch at a time (Result.Batched).
//
// A panic inside the engine becomes an internal error whose message names
// the panic only; its stack is in Error.Stack, for the host's log.
package cypher
