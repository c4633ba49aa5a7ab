package stdout

import (
	"fmt"
	"io"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
)

// Output formats accepted by New.
const (
	FormatJSONL = "jsonl"
	FormatCSV   = "csv"
	FormatTable = "table"
)

// rowWriter renders one query's rows in a format.
type rowWriter interface {
	// appendHeader appends the header block: the header line in csv, the
	// names and the rule in table, nothing in jsonl.
	appendHeader(dst []byte) []byte
	// appendBatch appends the live rows of b. regrow reports that they need
	// the header printed again before them (table: a column grew).
	appendBatch(dst []byte, b *coldata.Batch) (out []byte, regrow bool)
}

// Sink writes a query's result rows to an Output. Every row carries its
// emission kind as "_emit" ("early", "final", "late"); rows of non-windowed
// queries (Batch.Emit nil or EmitNone) print _emit as JSON null in jsonl and
// as an empty field in csv and table. Each batch is written whole, in one
// Write, as it arrives, so rows appear as windows close. In csv and table
// the header comes before the query's first rows, again whenever the rows
// printed before on the Output were not this query's (Output), and in
// table whenever a column grew; a query that prints no row prints its
// header when it is closed. The sink does not count rows
// (Counters.RowsOut is the runtime's).
type Sink struct {
	out    *Output
	rows   rowWriter
	table  bool // a header block is set off by a blank line
	buf    []byte
	headed bool // the header has been printed (guarded by out.mu)
}

var _ operators.Operator = (*Sink)(nil)

// New returns a sink printing rows of schema to w, an output of its own,
// in format ("jsonl", the default when empty; "csv"; "table"). queryIndex
// > 0 (the file runs several SELECTs) adds a "_query" column holding it:
// after _emit in jsonl, before _emit in csv and table (so that _emit stays
// the last csv column). Sinks of several queries that print to the same
// writer share an Output (NewOutput, Output.New).
func New(w io.Writer, format string, schema catalog.Schema, queryIndex int) (operators.Operator, error) {
	return NewOutput(w).New(format, schema, queryIndex)
}

// Open does nothing: the sink needs nothing from the context.
func (s *Sink) Open(*operators.Context) error { return nil }

// Process writes b's live rows.
func (s *Sink) Process(b *coldata.Batch, _ operators.Emitter) error {
	if b.Live() == 0 {
		return nil
	}
	var regrow bool
	s.buf, regrow = s.rows.appendBatch(s.buf[:0], b)
	return s.out.writeRows(s, s.buf, regrow)
}

// OnWatermark does nothing: rows are written as they arrive.
func (s *Sink) OnWatermark(int64, operators.Emitter) error { return nil }

// Close prints the header of a query that printed no row (csv and table),
// so that an empty result still shows its columns.
func (s *Sink) Close() error { return s.out.writeHeader(s) }

// newSink returns a sink of out in format.
func newSink(out *Output, format string, schema catalog.Schema, queryIndex int) (*Sink, error) {
	s := &Sink{out: out}
	switch format {
	case FormatJSONL, "":
		s.rows = newJSONL(schema, queryIndex)
	case FormatCSV:
		s.rows = newCSV(schema, queryIndex)
	case FormatTable:
		s.rows, s.table = newTable(schema, queryIndex), true
	default:
		return nil, fmt.Errorf("unknown format %q (want table, jsonl or csv)", format)
	}
	return s, nil
}
