package stdout

import (
	"fmt"
	"io"
	"sync"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators"
)

// Output is one writer that the sinks of several queries print to (the
// stdout of a `weir run` with several SELECTs), and finished results
// besides (Write). Each write is whole: a batch's rows, with the header
// before them when they need it, or a finished result, in one Write under
// Output's lock, so lines of different writers never interleave.
//
// The header of a query comes again whenever the rows printed just before
// were another query's or a finished result (which brings its own header):
// every row of csv and table is under its own query's header. In table a
// header block is set off from what precedes it by a blank line; csv
// repeats the header line alone (rows carry _query, so a reader that reads
// several queries' records tells them apart by it); jsonl has no header.
type Output struct {
	mu    sync.Mutex
	w     io.Writer
	last  *Sink // the sink that wrote last; nil: nothing, or a result
	wrote bool  // anything has been written
	tail  [2]byte
	buf   []byte
}

// NewOutput returns an output writing to w.
func NewOutput(w io.Writer) *Output { return &Output{w: w} }

// New returns a sink printing rows of schema to o in format (see New).
func (o *Output) New(format string, schema catalog.Schema, queryIndex int) (operators.Operator, error) {
	return newSink(o, format, schema, queryIndex)
}

// Write writes p, a finished result with its own header, in one Write; a
// query's next rows print their header again.
func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.last = nil
	return o.write(p)
}

// writeRows writes rows of s, after s's header when s needs it: before its
// first rows, after another writer's output, and when regrow says so.
func (o *Output) writeRows(s *Sink, rows []byte, regrow bool) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.writeRowsLocked(s, rows, regrow)
}

// writeHeader writes the header of s if s has printed nothing yet (a query
// that ends without rows).
func (o *Output) writeHeader(s *Sink) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if s.headed {
		return nil
	}
	return o.writeRowsLocked(s, nil, false)
}

func (o *Output) writeRowsLocked(s *Sink, rows []byte, regrow bool) error {
	out := rows
	if !s.headed || o.last != s || regrow {
		buf := o.buf[:0]
		if s.table && o.wrote && o.tail != [2]byte{'\n', '\n'} {
			buf = append(buf, '\n')
		}
		buf = s.rows.appendHeader(buf)
		s.headed = true
		out = append(buf, rows...)
		o.buf = out
	}
	o.last = s
	if _, err := o.write(out); err != nil {
		return fmt.Errorf("writing rows: %w", err)
	}
	return nil
}

// write writes p and keeps its last two bytes.
func (o *Output) write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	o.wrote = true
	if len(p) >= 2 {
		o.tail = [2]byte{p[len(p)-2], p[len(p)-1]}
	} else {
		o.tail = [2]byte{o.tail[1], p[0]}
	}
	return o.w.Write(p)
}
