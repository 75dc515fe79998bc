package cypher

import (
	"regexp"
	"strings"

	"github.com/quiverdb/quiver/core/cypher/functions"
	"github.com/quiverdb/quiver/core/value"
)

// Expr is an expression node of the AST.
type Expr interface{ exprPos() Pos }

// Exprs embed their position.
type node struct{ P Pos }

func (n node) exprPos() Pos { return n.P }

// Expression nodes.
type (
	// Literal is a constant: null, boolean, number or string.
	Literal struct {
		node
		Val value.Value
	}
	// Param is $name.
	Param struct {
		node
		Name string
	}
	// Var is a variable reference.
	Var struct {
		node
		Name string
		slot int // the variable's slot + 1, set when the query is checked (0: look it up by name)
	}
	// PropAccess is X.Key.
	PropAccess struct {
		node
		X   Expr
		Key string
	}
	// IndexExpr is X[Idx].
	IndexExpr struct {
		node
		X, Idx Expr
	}
	// SliceExpr is X[From..To]; either bound may be nil.
	SliceExpr struct {
		node
		X, From, To Expr
	}
	// Binary is L Op R, Op being an upper-case operator or keyword: + - * / % ^
	// = <> < > <= >= AND OR XOR IN STARTS ENDS CONTAINS =~.
	Binary struct {
		node
		Op   string
		L, R Expr
		op   binOp // Op as an enum, set by newBinary
		// re is the compiled pattern of =~ with a literal pattern (set
		// when the query is checked; nil when it does not compile, which
		// evaluation reports).
		re *regexp.Regexp
	}
	// Unary is NOT X, -X or +X.
	Unary struct {
		node
		Op string
		X  Expr
	}
	// IsNull is X IS [NOT] NULL.
	IsNull struct {
		node
		X   Expr
		Not bool
	}
	// HasLabels is X:L1:L2.
	HasLabels struct {
		node
		X      Expr
		Labels []string
	}
	// FuncCall is name([DISTINCT] args); Name keeps its namespace (a.b.c).
	FuncCall struct {
		node
		Name     string
		Distinct bool
		Args     []Expr
		Star     bool // count(*)
		// lower and fn are resolved when the query is checked (fn nil for
		// the functions the engine evaluates itself and for aggregates).
		lower string
		fn    *functions.Func
		graph bool // one of graphFuncs, resolved with lower
		// aggSlot is the slot + 1 of an aggregate call's result in its
		// aggregation's output rows (0: not an aggregate being projected).
		aggSlot int
	}
	// ListLit is [a, b, ...].
	ListLit struct {
		node
		Items []Expr
	}
	// MapLit is {k: v, ...}; Keys keeps the written order.
	MapLit struct {
		node
		Keys []string
		Vals []Expr
	}
	// CaseExpr is CASE [Test] WHEN .. THEN .. [ELSE ..] END.
	CaseExpr struct {
		node
		Test  Expr
		Whens []Expr
		Thens []Expr
		Else  Expr
	}
	// ListComp is [Var IN List WHERE Where | Proj].
	ListComp struct {
		node
		Var   string
		List  Expr
		Where Expr
		Proj  Expr
		slot  int // Var's slot + 1, set when the query is checked
	}
	// Quantifier is all/any/none/single(Var IN List WHERE Where).
	Quantifier struct {
		node
		Kind  string
		Var   string
		List  Expr
		Where Expr
		slot  int // Var's slot + 1, set when the query is checked
	}
	// Reduce is reduce(Acc = Init, Var IN List | Expr).
	Reduce struct {
		node
		Acc  string
		Init Expr
		Var  string
		List Expr
		Expr Expr
		// accSlot and slot are Acc's and Var's slots + 1, set when the
		// query is checked.
		accSlot, slot int
	}
	// PatternComp is [p = pattern WHERE Where | Proj].
	PatternComp struct {
		node
		Pattern *PathPattern
		Where   Expr
		Proj    Expr
	}
	// PatternExpr is a relationship pattern used as an expression (a list of
	// paths, true when non-empty in a predicate).
	PatternExpr struct {
		node
		Pattern *PathPattern
	}
	// ExistsSubquery is EXISTS { pattern [WHERE ...] }, exists(pattern), or
	// EXISTS { a full query, UNION allowed }, kept in Query. With Count set
	// it is Neo4j 5's COUNT { ... } in either form, which gives the number
	// of matches (or of the query's rows) instead of whether there is one.
	ExistsSubquery struct {
		node
		Patterns []*PathPattern
		Where    Expr
		Query    *Query // Parts and UnionAll only
		Count    bool
		// Set when the query is checked: the compiled Query's parts, and
		// for a UNION without ALL the slots of the columns rows are
		// told apart by.
		parts    [][]stage
		distinct []int
	}
	// MapProjection is v{.a, b: expr, .*, v2}.
	MapProjection struct {
		node
		Var   string
		Items []MapProjItem
		slot  int // Var's slot + 1, set when the query is checked
	}
)

// MapProjItem is one element of a map projection: .Key (Prop), Key: Val,
// a variable (Var), or .* (AllProps).
type MapProjItem struct {
	Kind string // "prop", "val", "var", "all"
	Key  string
	Val  Expr
}

// NodePattern is (var:L1:L2 {props}).
type NodePattern struct {
	P      Pos
	Var    string
	Labels []string
	Props  Expr // *MapLit or *Param or nil
}

// RelPattern is -[var:T1|T2*min..max {props}]->.
type RelPattern struct {
	P      Pos
	Var    string
	Types  []string
	Props  Expr
	Dir    Direction // DirOut (->), DirIn (<-) or DirBoth
	VarLen bool
	Min    int64
	Max    int64     // -1: unbounded
	Path   *PathAlgo // a shortest-path search (*BFS, *WSHORTEST, ...), or nil
}

// PathPattern is [var =] node (rel node)*.
type PathPattern struct {
	P        Pos
	Var      string
	Nodes    []*NodePattern
	Rels     []*RelPattern
	Shortest string // "", "shortestPath" or "allShortestPaths"
}

// Clause is one clause of a single query.
type Clause interface{ clausePos() Pos }

type clauseNode struct{ P Pos }

func (c clauseNode) clausePos() Pos { return c.P }

// ReturnItem is one projected expression; Name is the alias or the
// expression text.
type ReturnItem struct {
	Expr    Expr
	Name    string
	Aliased bool
}

// SortItem is one ORDER BY key.
type SortItem struct {
	Expr Expr
	Desc bool
}

// Projection is the body shared by WITH and RETURN.
type Projection struct {
	Distinct bool
	Star     bool
	Items    []ReturnItem
	Order    []SortItem
	Skip     Expr
	Limit    Expr
}

// SetItem is one element of SET or REMOVE, or of MERGE's ON CREATE/ON MATCH.
type SetItem struct {
	Kind   string // "prop" (X.k = v), "replace" (v = map), "merge" (v += map), "labels"
	Target Expr   // PropAccess for "prop", Var otherwise
	Val    Expr
	Labels []string
}

// Clauses.
type (
	// MatchClause is [OPTIONAL] MATCH patterns [WHERE].
	MatchClause struct {
		clauseNode
		Optional bool
		Patterns []*PathPattern
		Where    Expr
	}
	// UnwindClause is UNWIND expr AS var.
	UnwindClause struct {
		clauseNode
		Expr Expr
		Var  string
	}
	// WithClause is WITH projection [WHERE].
	WithClause struct {
		clauseNode
		Proj  Projection
		Where Expr
	}
	// ReturnClause is RETURN projection.
	ReturnClause struct {
		clauseNode
		Proj Projection
	}
	// CreateClause is CREATE patterns.
	CreateClause struct {
		clauseNode
		Patterns []*PathPattern
	}
	// MergeClause is MERGE pattern [ON CREATE SET ...] [ON MATCH SET ...].
	MergeClause struct {
		clauseNode
		Pattern  *PathPattern
		OnCreate []SetItem
		OnMatch  []SetItem
	}
	// SetClause is SET items.
	SetClause struct {
		clauseNode
		Items []SetItem
	}
	// RemoveClause is REMOVE items (kinds "prop" and "labels").
	RemoveClause struct {
		clauseNode
		Items []SetItem
	}
	// DeleteClause is [DETACH] DELETE exprs.
	DeleteClause struct {
		clauseNode
		Detach bool
		Exprs  []Expr
	}
	// ForeachClause is FOREACH (Var IN List | update clauses).
	ForeachClause struct {
		clauseNode
		Var     string
		List    Expr
		Clauses []Clause
	}
	// CallClause is CALL proc[(args)] [YIELD * | items [WHERE ...]].
	CallClause struct {
		clauseNode
		Name     string
		Implicit bool // no parentheses: arguments come from parameters
		Args     []Expr
		YieldAll bool
		Yields   []YieldItem
		Where    Expr
	}
)

// YieldItem is one procedure output bound to a variable.
type YieldItem struct {
	P     Pos
	Field string
	Var   string
}

// SingleQuery is a sequence of clauses.
type SingleQuery struct {
	Clauses []Clause
}

// Query is a statement: single queries joined by UNION [ALL], or a schema
// statement, optionally under EXPLAIN or PROFILE.
type Query struct {
	Parts    []*SingleQuery
	UnionAll []bool // UnionAll[i] joins Parts[i] and Parts[i+1]
	Schema   *SchemaStmt
	Admin    AdminStmt
	Explain  bool
	Profile  bool
	// MemoryLimit is Memgraph's QUERY MEMORY LIMIT n KB|MB suffix in bytes;
	// -1 for QUERY MEMORY UNLIMITED, 0 when absent.
	MemoryLimit int64
	// Params are the parameters the statement uses, each at its first use,
	// in source order.
	Params []*Param
}

// SchemaStmt is one of the index, constraint and information statements of
// Memgraph (CREATE INDEX ON :L(p), SHOW STORAGE INFO, SHOW CONFIG, ...) and
// of Neo4j 5 (CREATE CONSTRAINT c FOR (n:L) REQUIRE n.p IS UNIQUE, SHOW
// INDEXES, ...).
type SchemaStmt struct {
	// Kind is one of create-index, drop-index, create-constraint,
	// drop-constraint, and the read-only show-index,
	// show-constraint, show-storage (Memgraph's INFO forms), show-indexes,
	// show-constraints (Neo4j's), show-config, show-version,
	// show-database, show-node-labels, show-edge-types.
	Kind     string
	Label    string
	Property string
	CKind    string // "unique" or "exists"
	// Name is the index or constraint name of Neo4j's syntax. A DROP by
	// name has no Label.
	Name string
	// IfNotExists (CREATE) and IfExists (DROP) make the statement a no-op
	// when the index or constraint already exists, or does not.
	IfNotExists, IfExists bool
}

// ReadOnly reports whether the statement only reads (the SHOW forms).
func (s *SchemaStmt) ReadOnly() bool { return strings.HasPrefix(s.Kind, "show-") }

// AdminStmt is an administrative statement: one the database instance
// runs itself rather than the query engine (transaction management,
// snapshots, and later replication and coordinator statements). A host
// dispatches on the concrete type.
type AdminStmt interface {
	// AdminName is the statement's name in capitals, for messages.
	AdminName() string
	adminStmt()
}

// ShowTransactions is SHOW TRANSACTIONS.
type ShowTransactions struct{}

// TerminateTransactions is TERMINATE TRANSACTIONS 'id', $param, ...
type TerminateTransactions struct {
	IDs []AdminArg
}

// CreateSnapshot is CREATE SNAPSHOT.
type CreateSnapshot struct{}

// AdminArg is an argument of an administrative statement: a string literal,
// or a parameter named by Param.
type AdminArg struct {
	Value string
	Param string
}

// AdminName implements AdminStmt.
func (ShowTransactions) AdminName() string { return "SHOW TRANSACTIONS" }

// AdminName implements AdminStmt.
func (TerminateTransactions) AdminName() string { return "TERMINATE TRANSACTIONS" }

// AdminName implements AdminStmt.
func (CreateSnapshot) AdminName() string { return "CREATE SNAPSHOT" }

func (ShowTransactions) adminStmt()      {}
func (TerminateTransactions) adminStmt() {}
func (CreateSnapshot) adminStmt()        {}

// SetReplicationRole is SET REPLICATION ROLE TO MAIN or SET REPLICATION
// ROLE TO REPLICA WITH PORT n.
type SetReplicationRole struct {
	// Replica is true for TO REPLICA, false for TO MAIN.
	Replica bool
	// Port is the replication port of a replica (0 for MAIN).
	Port int
}

// ShowReplicationRole is SHOW REPLICATION ROLE.
type ShowReplicationRole struct{}

// RegisterReplica is REGISTER REPLICA name SYNC|ASYNC|STRICT_SYNC TO
// "host[:port]".
type RegisterReplica struct {
	Name string
	// Mode is SYNC, ASYNC or STRICT_SYNC, in capitals.
	Mode string
	// Address is the replica's "host[:port]", a literal or a parameter.
	Address AdminArg
}

// DropReplica is DROP REPLICA name.
type DropReplica struct {
	Name string
}

// ShowReplicas is SHOW REPLICAS.
type ShowReplicas struct{}

// AdminName implements AdminStmt.
func (SetReplicationRole) AdminName() string { return "SET REPLICATION ROLE" }

// AdminName implements AdminStmt.
func (ShowReplicationRole) AdminName() string { return "SHOW REPLICATION ROLE" }

// AdminName implements AdminStmt.
func (RegisterReplica) AdminName() string { return "REGISTER REPLICA" }

// AdminName implements AdminStmt.
func (DropReplica) AdminName() string { return "DROP REPLICA" }

// AdminName implements AdminStmt.
func (ShowReplicas) AdminName() string { return "SHOW REPLICAS" }

func (SetReplicationRole) adminStmt()  {}
func (ShowReplicationRole) adminStmt() {}
func (RegisterReplica) adminStmt()     {}
func (DropReplica) adminStmt()         {}
func (ShowReplicas) adminStmt()        {}

// IsReplicationStmt reports whether a is one of the replication statements,
// which Memgraph refuses inside explicit transactions.
func IsReplicationStmt(a AdminStmt) bool {
	switch a.(type) {
	case SetReplicationRole, ShowReplicationRole, RegisterReplica, DropReplica, ShowReplicas:
		return true
	}
	return false
}
