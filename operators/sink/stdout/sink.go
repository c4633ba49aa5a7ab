package stdout

import (
	"bufio"
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

// rowWriter renders the live rows of one batch.
type rowWriter interface {
	writeBatch(w *bufio.Writer, b *coldata.Batch) error
}

// Sink writes a query's result rows to a writer. Every row carries its
// emission kind as "_emit" ("early", "final", "late"); rows of non-windowed
// queries (Batch.Emit nil or EmitNone) print _emit as JSON null in jsonl and
// as an empty field in csv and table. Output is buffered and flushed at the
// end of every batch, so rows appear as windows close. The sink does not
// count rows (Counters.RowsOut is the runtime's).
type Sink struct {
	w   *bufio.Writer
	out rowWriter
}

var _ operators.Operator = (*Sink)(nil)

// New returns a sink printing rows of schema to w in format ("jsonl", the
// default when empty; "csv"; "table"). queryIndex > 0 (the file runs several
// SELECTs) adds a "_query" column holding it: after _emit in jsonl, before
// _emit in csv and table (so that _emit stays the last csv column).
func New(w io.Writer, format string, schema catalog.Schema, queryIndex int) (operators.Operator, error) {
	s := &Sink{w: bufio.NewWriterSize(w, 64<<10)}
	switch format {
	case FormatJSONL, "":
		s.out = newJSONL(schema, queryIndex)
	case FormatCSV:
		s.out = newCSV(schema, queryIndex)
	case FormatTable:
		s.out = newTable(schema, queryIndex)
	default:
		return nil, fmt.Errorf("stdout: unknown format %q (want table, jsonl or csv)", format)
	}
	return s, nil
}

// Open does nothing: the sink needs nothing from the context.
func (s *Sink) Open(*operators.Context) error { return nil }

// Process writes b's live rows and flushes.
func (s *Sink) Process(b *coldata.Batch, _ operators.Emitter) error {
	if b.Live() == 0 {
		return nil
	}
	if err := s.out.writeBatch(s.w, b); err != nil {
		return fmt.Errorf("stdout: %w", err)
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("stdout: %w", err)
	}
	return nil
}

// OnWatermark does nothing: rows are written as they arrive.
func (s *Sink) OnWatermark(int64, operators.Emitter) error { return nil }

// Close flushes buffered output.
func (s *Sink) Close() error {
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("stdout: %w", err)
	}
	return nil
}
