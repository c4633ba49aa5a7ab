// Package sql is weir's SQL front end: it tokenizes a script, lifts weir's
// streaming extensions out of each statement (CREATE SOURCE/SINK/VIEW,
// window TVFs in FROM, WATERMARK FOR, WITH options, EMIT, intervals), hands
// TiDB's parser a standard statement for the rest, and builds weir's own AST
// below, with positions in the user's original text. Nothing outside this
// package sees TiDB's AST.
package sql

import "github.com/weirdb/weir/catalog"

// Pos is a position in the user's original text.
type Pos struct {
	Offset int // byte offset from the start of the script
	Line   int // 1-based
	Col    int // 1-based, in characters (UTF-8 code points)
}

// Statement is one parsed statement.
type Statement interface {
	StmtPos() Pos
	// Text is the statement's original text, without the trailing ';'.
	Text() string
}

// StmtBase carries what every statement has.
type StmtBase struct {
	At  Pos
	Src string
}

// StmtPos returns the statement's position.
func (s *StmtBase) StmtPos() Pos { return s.At }

// Text returns the statement's original text.
func (s *StmtBase) Text() string { return s.Src }

// Option is one WITH (key = 'value') entry. Keys are lower-cased.
type Option struct {
	At    Pos
	Key   string
	Value string
}

// Interval is an interval literal in any of its spellings.
type Interval struct {
	At Pos
	Ms int64
}

// ColumnDef is a column of CREATE SOURCE.
type ColumnDef struct {
	At   Pos
	Name string
	Type catalog.Type
}

// WatermarkDef is WATERMARK FOR Column AS Column - Delay.
type WatermarkDef struct {
	At     Pos
	Column string
	Delay  Interval
}

// CreateSource is CREATE SOURCE (or CREATE TABLE ... WITH (connector = ...)).
type CreateSource struct {
	StmtBase
	Name        string
	IfNotExists bool
	Columns     []ColumnDef
	Watermark   *WatermarkDef
	Options     []Option
}

// CreateView is CREATE [MATERIALIZED] VIEW Name AS Query.
type CreateView struct {
	StmtBase
	Name         string
	Materialized bool
	Query        *Query
}

// CreateSink is CREATE SINK Name [FROM View | AS Query] WITH (...).
type CreateSink struct {
	StmtBase
	Name    string
	From    string // set for FROM view
	Query   *Query // set for AS query
	Options []Option
}

// ObjectKind names a kind of catalog object.
type ObjectKind string

// Object kinds for DROP and SHOW.
const (
	KindSource ObjectKind = "SOURCE"
	KindView   ObjectKind = "VIEW"
	KindSink   ObjectKind = "SINK"
)

// Drop is DROP SOURCE|VIEW|SINK [IF EXISTS] Name (DROP MATERIALIZED VIEW too).
type Drop struct {
	StmtBase
	Kind     ObjectKind
	Name     string
	NameAt   Pos // the name, for "does not exist"
	IfExists bool
}

// Show is SHOW SOURCES|VIEWS|SINKS|QUERIES|WATERMARKS, or SHOW <setting> as
// Postgres clients send it (What is then the setting name, lower-cased).
type Show struct {
	StmtBase
	What   string // upper-cased for the catalog forms: "SOURCES", ...
	WhatAt Pos    // the first word after SHOW, for "unrecognized SHOW"
}

// Describe is DESCRIBE Name.
type Describe struct {
	StmtBase
	Name   string
	NameAt Pos // the name, for "unknown source or view"
}

// Explain is EXPLAIN Query.
type Explain struct {
	StmtBase
	Query *Query
}

// Subscribe is SUBSCRIBE TO View.
type Subscribe struct {
	StmtBase
	View string
}

// Set is SET name = value / SET name TO value (accepted for Postgres clients).
type Set struct {
	StmtBase
	Name  string
	Value string
}

// SelectStmt is a bare query: a continuous query in `weir run`, a read of a
// view's current rows over the wire.
type SelectStmt struct {
	StmtBase
	Query *Query
}

// Query is one or more SELECT blocks joined by UNION ALL, with an optional
// ORDER BY, LIMIT and EMIT clause.
type Query struct {
	At      Pos
	Selects []*Select // len ≥ 1; more than one means UNION ALL
	OrderBy []OrderItem
	// Limit is LIMIT n or FETCH FIRST n ROWS ONLY. n may be negative: a
	// read of a materialized view refuses it with PostgreSQL's 2201W.
	Limit        *int64
	LimitAt      Pos // the LIMIT keyword (or FETCH)
	LimitCountAt Pos // LIMIT's (FETCH's) count, when Limit is set
	// Offset is OFFSET n: only a read of a materialized view applies it
	// (ContinuousClause refuses it elsewhere), and refuses a negative n
	// with 2201X.
	Offset        *int64
	OffsetAt      Pos // the OFFSET keyword
	OffsetCountAt Pos // OFFSET's count, when Offset is set
	Emit          *Emit
}

// Select is one SELECT block.
type Select struct {
	At      Pos
	Items   []SelectItem
	From    FromItem // nil for SELECT without FROM (e.g. SELECT version())
	Where   Expr
	GroupBy []Expr
	Having  Expr
	// Distinct is SELECT DISTINCT: only a read of a materialized view
	// applies it (ContinuousClause refuses it elsewhere).
	Distinct   bool
	DistinctAt Pos // the DISTINCT keyword
}

// SelectItem is one output column: Expr [AS Alias], or * when Star.
type SelectItem struct {
	At    Pos
	Expr  Expr
	Alias string
	Star  bool
}

// OrderItem is one ORDER BY key.
type OrderItem struct {
	Expr Expr
	Desc bool
}

// FromItem is what a SELECT reads: *TableRef, *WindowTVF or *Subquery.
type FromItem interface{ fromItem() }

// TableRef names a source or view.
type TableRef struct {
	At     Pos
	Schema string // "public" when written public.name (the only schema)
	Name   string
	Alias  string
}

// Subquery is (Query) [AS Alias] in FROM.
type Subquery struct {
	At    Pos
	Query *Query
	Alias string
}

// WindowKind is the kind of window table-valued function.
type WindowKind string

// The window TVFs.
const (
	Tumble   WindowKind = "TUMBLE"
	Hop      WindowKind = "HOP"
	Cumulate WindowKind = "CUMULATE"
	Session  WindowKind = "SESSION"
)

// WindowTVF is TUMBLE/HOP/CUMULATE/SESSION(input, time_col, ...) in FROM.
// Which interval fields are set depends on Kind:
// TUMBLE(input, col, Size [, Offset]); HOP(input, col, Slide, Size);
// CUMULATE(input, col, Step, Size); SESSION(input, col, Gap [, MaxDuration]).
// Flink's spellings TABLE input and DESCRIPTOR(col) are accepted too, and
// for SESSION Flink's PARTITION BY after the input (the session keys, which
// the planner requires to be the GROUP BY keys).
type WindowTVF struct {
	At          Pos
	Kind        WindowKind
	Input       FromItem     // *TableRef or *Subquery
	PartitionBy []*ColumnRef // SESSION(TABLE src PARTITION BY k, ...); nil when absent
	TimeCol     string
	TimeColAt   Pos
	Size        *Interval
	Slide       *Interval
	Step        *Interval
	Offset      *Interval
	Gap         *Interval
	MaxDuration *Interval
	Alias       string
}

func (*TableRef) fromItem()  {}
func (*Subquery) fromItem()  {}
func (*WindowTVF) fromItem() {}

// Emit is the EMIT clause. Items may be combined.
type Emit struct {
	At         Pos
	OnClose    bool      // ON WINDOW CLOSE written explicitly (the default anyway)
	EarlyEvery *Interval // EARLY EVERY i
	EarlyWhen  Expr      // EARLY WHEN pred
	LateWithin *Interval // LATE WITHIN L
}

// Expr is a scalar or aggregate expression.
type Expr interface{ ExprPos() Pos }

// ColumnRef is [Table.]Name.
type ColumnRef struct {
	At    Pos
	Table string
	Name  string
}

// LitKind is the kind of a literal.
type LitKind uint8

// Literal kinds.
const (
	LitNull LitKind = iota
	LitInt
	LitFloat
	LitString
	LitBool
	LitInterval // Ms holds the interval in milliseconds
)

// Literal is a constant.
type Literal struct {
	At   Pos
	Kind LitKind
	I    int64
	F    float64
	S    string
	B    bool
	Ms   int64
}

// BinOp is a binary operator.
type BinOp string

// Binary operators.
const (
	OpAdd BinOp = "+"
	OpSub BinOp = "-"
	OpMul BinOp = "*"
	OpDiv BinOp = "/"
	OpMod BinOp = "%"
	OpPow BinOp = "^" // exponentiation, as in PostgreSQL
	OpEq  BinOp = "="
	OpNe  BinOp = "<>"
	OpLt  BinOp = "<"
	OpLe  BinOp = "<="
	OpGt  BinOp = ">"
	OpGe  BinOp = ">="
	OpAnd BinOp = "AND"
	OpOr  BinOp = "OR"
	OpCat BinOp = "||"
	// OpIsDistinct and OpIsNotDistinct compare with NULL as a value (never
	// NULL); MySQL's <=> is IS NOT DISTINCT FROM.
	OpIsDistinct    BinOp = "IS DISTINCT FROM"
	OpIsNotDistinct BinOp = "IS NOT DISTINCT FROM"
)

// Binary is L Op R.
type Binary struct {
	At   Pos
	Op   BinOp
	L, R Expr
}

// UnaryOp is a unary operator.
type UnaryOp string

// Unary operators.
const (
	OpNeg UnaryOp = "-"
	OpNot UnaryOp = "NOT"
)

// Unary is Op X.
type Unary struct {
	At Pos
	Op UnaryOp
	X  Expr
}

// IsNull is X IS [NOT] NULL.
type IsNull struct {
	At  Pos
	X   Expr
	Not bool
}

// In is X [NOT] IN (List...).
type In struct {
	At   Pos
	X    Expr
	List []Expr
	Not  bool
}

// Between is X [NOT] BETWEEN Lo AND Hi.
type Between struct {
	At     Pos
	X      Expr
	Lo, Hi Expr
	Not    bool
}

// Like is X [NOT] LIKE|ILIKE Pattern [ESCAPE Escape].
type Like struct {
	At      Pos
	X       Expr
	Pattern Expr
	Not     bool
	ILike   bool // case-insensitive
	Escape  Expr // nil: the default escape character, a backslash
}

// Regex is X matched against the regular expression Pattern:
// PostgreSQL's X ~ Pattern, X ~* Pattern (ICase), X !~ Pattern and
// X !~* Pattern (Not), and MySQL's X [NOT] REGEXP|RLIKE Pattern, which is
// ~ (Keyword keeps the spelling).
type Regex struct {
	At      Pos
	X       Expr
	Pattern Expr
	Not     bool
	ICase   bool   // ~* and !~*: case-insensitive
	Keyword string // "REGEXP" or "RLIKE" when spelled so (never with ICase)
}

// Op returns the operator as spelled: ~, ~*, !~, !~*, REGEXP, NOT RLIKE...
func (e *Regex) Op() string {
	if e.Keyword != "" {
		if e.Not {
			return "NOT " + e.Keyword
		}
		return e.Keyword
	}
	op := "~"
	if e.Not {
		op = "!~"
	}
	if e.ICase {
		op += "*"
	}
	return op
}

// IsTruth is X IS [NOT] TRUE or X IS [NOT] FALSE.
type IsTruth struct {
	At    Pos
	X     Expr
	Value bool // TRUE or FALSE
	Not   bool
}

// When is one WHEN Cond THEN Then arm of CASE.
type When struct {
	Cond Expr
	Then Expr
}

// Case is CASE [Operand] WHEN ... THEN ... [ELSE Else] END.
type Case struct {
	At      Pos
	Operand Expr // nil for the searched form
	Whens   []When
	Else    Expr // nil: ELSE NULL
}

// Cast is CAST(X AS To) (and X::To).
type Cast struct {
	At Pos
	X  Expr
	To catalog.Type
}

// Func is a function call: aggregates (COUNT, SUM, ...) and scalar
// functions (COALESCE, LOWER, ...). Name is lower-cased. Star is COUNT(*).
type Func struct {
	At       Pos
	Name     string
	Args     []Expr
	Distinct bool
	Star     bool
}

func (e *ColumnRef) ExprPos() Pos { return e.At }
func (e *Literal) ExprPos() Pos   { return e.At }
func (e *Binary) ExprPos() Pos    { return e.At }
func (e *Unary) ExprPos() Pos     { return e.At }
func (e *IsNull) ExprPos() Pos    { return e.At }
func (e *IsTruth) ExprPos() Pos   { return e.At }
func (e *In) ExprPos() Pos        { return e.At }
func (e *Between) ExprPos() Pos   { return e.At }
func (e *Like) ExprPos() Pos      { return e.At }
func (e *Regex) ExprPos() Pos     { return e.At }
func (e *Case) ExprPos() Pos      { return e.At }
func (e *Cast) ExprPos() Pos      { return e.At }
func (e *Func) ExprPos() Pos      { return e.At }

// Error is a front-end or planning error positioned in the user's text.
// Code is the SQLSTATE the wire endpoint reports (42601 syntax error,
// 42P01 undefined table, 42703 undefined column, 42803 grouping error,
// 42804 datatype mismatch, 42883 undefined function, 0A000 not supported).
type Error struct {
	At   Pos
	Code string
	Msg  string // says what was found and what was expected
}

// Error formats "line L, column C: msg".
func (e *Error) Error() string {
	return "line " + itoa(e.At.Line) + ", column " + itoa(e.At.Col) + ": " + e.Msg
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	neg := i < 0
	if neg {
		i = -i
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	if neg {
		n--
		b[n] = '-'
	}
	return string(b[n:])
}
