package pgwire

import (
	"context"

	"github.com/weirdb/weir/catalog"
)

// Engine runs the statements pgwire does not answer itself.
//
// Contract:
//   - stmt is one statement, already split out of the client's query string
//     (no trailing ';'), with leading and trailing white space trimmed and
//     parameters already bound: each $n of the extended protocol has been
//     replaced by a SQL literal (see bindParams for the rules), so the engine
//     only ever sees plain SQL text.
//   - Execute starts the statement and returns its Result. The ctx is
//     cancelled when the client sends a CancelRequest for this session, when
//     the connection ends, or when the Server closes; a Result must stop
//     promptly (Next returns ctx.Err()) when that happens. Execute is called
//     from the session's goroutine; different sessions call it concurrently,
//     one session never does.
//   - Describe returns the columns stmt would produce without running it, for
//     the extended protocol's Parse (which plans each statement, so that a
//     bad one fails there, as in PostgreSQL; Describe then sends what Parse
//     found); nil (and no error) for statements that return no rows (DDL,
//     DROP, ...). Its errors are the statement's: a syntax error, an unknown
//     relation or column. In Describe, parameters are bound to NULL (0 after
//     LIMIT or OFFSET), so the engine can plan the statement. It must have
//     no side effects. Execute must then produce the columns Describe gave
//     (a text column may come out typed when a parameter bound to NULL
//     became a typed value: pgwire sends it as text).
//   - Errors: return (or wrap) a *sql.Error to get its SQLSTATE Code and
//     position in the ErrorResponse, a *pgwire.Error for any other SQLSTATE;
//     context.Canceled becomes 57014 query_canceled; anything else XX000.
//   - The Session is valid for the connection's lifetime; engines may key
//     per-session state on the pointer.
type Engine interface {
	Execute(ctx context.Context, s *Session, stmt string) (Result, error)
	Describe(ctx context.Context, s *Session, stmt string) ([]Column, error)
}

// Column is one result column: its name and weir type. Type decides the
// Postgres type OID on the wire: BIGINT→int8 (20), DOUBLE→float8 (701),
// VARCHAR→text (25), BOOLEAN→bool (16), TIMESTAMP→timestamptz (1184);
// Unknown is sent as text.
type Column struct {
	Name string
	Type catalog.Type
}

// Value is one typed value of a row. Which field holds it is given by the
// column's type: I for BIGINT and TIMESTAMP (milliseconds since the Unix
// epoch, UTC), F for DOUBLE, S for VARCHAR, B for BOOLEAN. Null marks NULL.
type Value struct {
	Null bool
	I    int64
	F    float64
	S    string
	B    bool
}

// Row is one result row: one Value per column, in Columns() order.
type Row []Value

// Result is a running statement's output, consumed by one goroutine.
//
//   - Columns is nil for statements without rows (commands); otherwise the
//     columns of every Row. It may be called before the first Next.
//   - Next blocks until the next row is available and returns it with
//     ok=true; ok=false and a nil error at the end. The Row (and its strings)
//     may be reused by the Result: it is valid only until the next call to
//     Next or Close. A continuous result (SUBSCRIBE) never ends: Next blocks
//     until a row arrives or ctx is cancelled, and then returns ctx.Err().
//   - Tag is the command tag, called after Next reported the end: "CREATE
//     SOURCE", "DROP VIEW", ... For row results pgwire sends "SELECT n" with
//     the number of rows it sent unless Tag returns a tag that does not start
//     with "SELECT" (e.g. "SHOW").
//   - Close releases the result; pgwire always calls it, also after an error
//     or a cancellation, and possibly before Next reported the end.
type Result interface {
	Columns() []Column
	Next(ctx context.Context) (row Row, ok bool, err error)
	Tag() string
	Close() error
}

// Streamer is an optional ability of a Result: a streaming result (SUBSCRIBE)
// has every row flushed to the client as soon as it is produced; other
// results are flushed in chunks.
type Streamer interface {
	Streaming() bool
}

// Cataloger is an optional ability of an Engine: the relations psql's `\d`,
// `\d name` and Grafana's table and column lists show. Relations must be
// cheap and safe to call from many sessions at once.
type Cataloger interface {
	Relations(ctx context.Context) []Relation
}

// RelationKind says what a Relation is; it decides the pg_class relkind
// pgwire reports.
type RelationKind uint8

// Relation kinds.
const (
	// RelSource is a source, shown as a table (relkind 'r').
	RelSource RelationKind = iota
	// RelView is a materialized view (relkind 'm').
	RelView
	// RelSystemView is a system view such as weir_dead_letters (relkind 'v').
	RelSystemView
	// RelPlainView is a view that is not materialized (CREATE VIEW, relkind
	// 'v'): it stores no rows, and a SELECT from it runs its query
	// continuously, as a SELECT from a source does.
	RelPlainView
)

// Relation is a queryable or describable catalog object.
type Relation struct {
	Name    string
	Kind    RelationKind
	Columns []Column
	// Definition is a view's query, what pg_get_viewdef returns (psql's
	// `\d+ view` shows it); empty when unknown.
	Definition string
}
