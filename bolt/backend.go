package bolt

import (
	"context"
	"errors"
	"time"

	"github.com/quiverdb/quiver/core/value"
)

// Backend opens a Session for each authenticated connection.
type Backend interface {
	// Authenticate checks HELLO/LOGON credentials. A rejection should be an
	// *Error with code CodeUnauthorized.
	Authenticate(ctx context.Context, auth Auth) error
	// Open starts the session of one connection.
	Open(info ConnInfo) Session
}

// Auth is the auth token of HELLO (4.4, 5.0) or LOGON (5.1+).
type Auth struct {
	Scheme      string
	Principal   string
	Credentials string
}

// ConnInfo describes a connection to the backend.
type ConnInfo struct {
	ID         string
	RemoteAddr string
	UserAgent  string
	User       string
	Version    Version
	Routing    value.Map // HELLO's routing context, nil when not routed
}

// TxMeta is what RUN (auto-commit) or BEGIN carries besides the query.
type TxMeta struct {
	// Bookmarks are read-only: a connection hands the same list to the
	// requests that repeat it.
	Bookmarks []string
	Timeout   time.Duration // 0: the server's default
	Metadata  value.Map
	ReadOnly  bool // access mode "r"
	DB        string
	ImpUser   string
}

// Session runs the queries of one connection; the connection calls it from
// one goroutine at a time.
type Session interface {
	// Run starts an auto-commit query. The transaction commits when the
	// result's Summary is taken.
	Run(ctx context.Context, query string, params value.Map, meta TxMeta) (Result, error)
	// Begin starts an explicit transaction.
	Begin(ctx context.Context, meta TxMeta) (Tx, error)
	// Route answers ROUTE.
	Route(ctx context.Context, routing value.Map, bookmarks []string, db string) (RoutingTable, error)
	// Close ends the session, rolling back anything open.
	Close()
}

// Tx is an explicit transaction.
type Tx interface {
	Run(ctx context.Context, query string, params value.Map) (Result, error)
	// Commit commits and returns the new bookmark.
	Commit(ctx context.Context) (bookmark string, err error)
	// Rollback aborts; it is also how the connection abandons a failed tx.
	Rollback(ctx context.Context) error
}

// Result streams a query's records.
type Result interface {
	Columns() []string
	// Next returns the next record, or nil at the end.
	Next(ctx context.Context) ([]value.Value, error)
	// Summary discards what is left, finishes the query (committing an
	// auto-commit transaction) and returns its summary.
	Summary(ctx context.Context) (Summary, error)
	// Close abandons the result (rolling back an auto-commit transaction).
	Close()
}

// Releaser is a Result that wants to know when its holder is done with it.
// The connection calls Release once, after the result's Summary returned
// or Close was called, and never touches the result again, so the backend
// may reuse it for a later query. Callers that do not call Release simply
// leave results to the garbage collector.
type Releaser interface {
	Release()
}

// release tells res's backend, when it asks, that res is no longer used.
func release(res Result) {
	if r, ok := res.(Releaser); ok {
		r.Release()
	}
}

// Summary is what the last PULL or DISCARD reports.
type Summary struct {
	Type          string // "r", "w", "rw" or "s"
	Stats         Stats
	Bookmark      string // auto-commit only
	DB            string
	Notifications []Notification
}

// Notification is a warning the summary carries (Neo4j's notifications:
// drivers show them as the result summary's notifications).
type Notification struct {
	Code        string
	Title       string
	Description string
	Severity    string // "WARNING" or "INFORMATION"
}

// Map renders the notification with Neo4j's keys.
func (n Notification) Map() value.Map {
	sev := n.Severity
	if sev == "" {
		sev = "WARNING"
	}
	return value.Map{"code": n.Code, "title": n.Title, "description": n.Description, "severity": sev, "category": "GENERIC"}
}

// Stats are a query's update counters.
type Stats struct {
	NodesCreated, NodesDeleted                 int64
	RelationshipsCreated, RelationshipsDeleted int64
	PropertiesSet                              int64
	LabelsAdded, LabelsRemoved                 int64
	IndexesAdded, IndexesRemoved               int64
	ConstraintsAdded, ConstraintsRemoved       int64
	SystemUpdates                              int64
}

// Map renders the stats with Neo4j's keys, leaving out zero counters.
func (s Stats) Map() value.Map {
	m := value.Map{}
	put := func(k string, v int64) {
		if v != 0 {
			m[k] = v
		}
	}
	put("nodes-created", s.NodesCreated)
	put("nodes-deleted", s.NodesDeleted)
	put("relationships-created", s.RelationshipsCreated)
	put("relationships-deleted", s.RelationshipsDeleted)
	put("properties-set", s.PropertiesSet)
	put("labels-added", s.LabelsAdded)
	put("labels-removed", s.LabelsRemoved)
	put("indexes-added", s.IndexesAdded)
	put("indexes-removed", s.IndexesRemoved)
	put("constraints-added", s.ConstraintsAdded)
	put("constraints-removed", s.ConstraintsRemoved)
	put("system-updates", s.SystemUpdates)
	if s.NodesCreated+s.NodesDeleted+s.RelationshipsCreated+s.RelationshipsDeleted+s.PropertiesSet+
		s.LabelsAdded+s.LabelsRemoved+s.IndexesAdded+s.IndexesRemoved+s.ConstraintsAdded+s.ConstraintsRemoved > 0 {
		m["contains-updates"] = true
	}
	if s.SystemUpdates > 0 {
		m["contains-system-updates"] = true
	}
	return m
}

// RoutingTable answers ROUTE.
type RoutingTable struct {
	TTL                       int64 // seconds
	DB                        string
	Routers, Readers, Writers []string
}

// Status codes used by the protocol layer itself.
const (
	CodeUnauthorized   = "Neo.ClientError.Security.Unauthorized"
	CodeRequestInvalid = "Neo.ClientError.Request.Invalid"
	CodeTxTimedOut     = "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration"
	CodeTerminated     = "Neo.TransientError.Transaction.Terminated"
	CodeUnknown        = "Neo.DatabaseError.General.UnknownError"
)

// Error is a failure with a Neo4j status code.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Neo4jCode returns the status code.
func (e *Error) Neo4jCode() string { return e.Code }

// coder is any error that carries a Neo4j status code.
type coder interface{ Neo4jCode() string }

// Classify returns the status code and message the client sees for err.
// Errors without a status code are worded for the user here: a context's
// deadline or cancellation says what happened to the transaction, and any
// other uncoded error is an internal one whose details go to the server's
// log only (conn.fail logs it), never a Go package's wording to the client.
func Classify(err error) (code, msg string) {
	var c coder
	switch {
	case errors.As(err, &c):
		code = c.Neo4jCode()
	case errors.Is(err, context.DeadlineExceeded):
		return CodeTxTimedOut, "the transaction timed out: it ran longer than its timeout"
	case errors.Is(err, context.Canceled):
		return CodeTerminated, "the transaction was terminated before it finished"
	default:
		return CodeUnknown, "the server failed to run the request because of an internal error; the server's log has the details"
	}
	var e *Error
	if errors.As(err, &e) {
		return code, e.Message
	}
	var um interface{ UserMessage() string }
	if errors.As(err, &um) {
		return code, um.UserMessage()
	}
	return code, err.Error()
}
