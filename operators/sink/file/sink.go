// Package file is the file sink connector: result rows appended to a file
// as JSON lines, in the jsonl format of stdout results.
package file

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/coldata/render"
	"github.com/weirdb/weir/operators"
)

// Sink appends one JSON object per result row to a file: the output columns
// in order plus "_emit" (render.AppendJSONLine). The file is created if
// missing and appended to otherwise; each batch is flushed to the file when
// Process returns.
//
// Sink implements operators.Checkpointer, which makes it exactly-once when
// the query takes checkpoints: Snapshot flushes and fsyncs the file and
// records its size, and Restore truncates the file back to that size
// before anything is written, removing the rows written after the
// checkpoint (the restarted query emits them again). Without a checkpoint
// to restore, rows are appended; a file that does not end with a newline
// (its last line cut short by an earlier crash) gets one before the first
// row, so that every row starts on its own line.
type Sink struct {
	name    string
	path    string
	schema  catalog.Schema
	f       *os.File
	w       *bufio.Writer
	buf     []byte
	warn    io.Writer // SetWarningLog; nil: os.Stderr
	created bool      // Open created the file
	ready   bool      // restored, or the file's last line checked (endTornLine)
}

var (
	_ operators.Operator     = (*Sink)(nil)
	_ operators.Checkpointer = (*Sink)(nil)
)

// knownOptions are the file sink's options.
var knownOptions = []string{"connector", "path", "format"}

// New returns the file sink declared by def: option path (required) and
// optionally format ('json', the only one). The planner (planner.SinkDef)
// has already refused other options; a definition from elsewhere with one
// is refused here too. The returned operator is a *Sink.
func New(def *catalog.Sink, schema catalog.Schema) (operators.Operator, error) {
	for _, k := range slices.Sorted(maps.Keys(def.Options)) {
		if !slices.Contains(knownOptions, strings.ToLower(k)) {
			return nil, fmt.Errorf("file sink %q: unknown option %q; known options: %s", def.Name, k, strings.Join(knownOptions, ", "))
		}
	}
	path, ok := def.Options.Get("path")
	if !ok || path == "" {
		return nil, fmt.Errorf("file sink %q: option path is required", def.Name)
	}
	if v, ok := def.Options.Get("format"); ok && !strings.EqualFold(strings.TrimSpace(v), "json") {
		return nil, fmt.Errorf("file sink %q: unsupported format %q (only 'json')", def.Name, v)
	}
	return &Sink{name: def.Name, path: path, schema: schema}, nil
}

// SetWarningLog sets where the sink reports repairs of its file (a torn
// last line ended, rows after a checkpoint removed), one line each,
// prefixed "weir: sink NAME: ". Unset, they go to os.Stderr.
func (s *Sink) SetWarningLog(w io.Writer) { s.warn = w }

func (s *Sink) warnf(format string, args ...any) {
	w := s.warn
	if w == nil {
		w = os.Stderr
	}
	fmt.Fprintf(w, "weir: sink %s: %s\n", s.name, fmt.Sprintf(format, args...))
}

// Open opens (or creates) the file for appending. It writes nothing: a
// Restore may follow and truncate the file first.
func (s *Sink) Open(*operators.Context) error {
	f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND, 0)
	if errors.Is(err, fs.ErrNotExist) {
		f, err = os.OpenFile(s.path, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o644)
		s.created = err == nil
	}
	if err != nil {
		return fmt.Errorf("file sink %q: %w", s.name, err)
	}
	s.f, s.w = f, bufio.NewWriterSize(f, 64<<10)
	s.ready = false
	return nil
}

// Process appends b's live rows and flushes them to the file.
func (s *Sink) Process(b *coldata.Batch, _ operators.Emitter) error {
	if s.w == nil {
		return fmt.Errorf("file sink %q: Process before Open", s.name)
	}
	if err := s.endTornLine(); err != nil {
		return err
	}
	var err error
	b.ForEach(func(i int) {
		if err == nil {
			s.buf = render.AppendJSONLine(s.buf[:0], b, s.schema, i)
			_, err = s.w.Write(s.buf)
		}
	})
	if err == nil {
		err = s.w.Flush()
	}
	if err != nil {
		return fmt.Errorf("file sink %q: %w", s.name, err)
	}
	return nil
}

// OnWatermark does nothing: rows are written as they arrive.
func (s *Sink) OnWatermark(int64, operators.Emitter) error { return nil }

// Close flushes and closes the file.
func (s *Sink) Close() error {
	if s.f == nil {
		return nil
	}
	ferr := s.w.Flush()
	cerr := s.f.Close()
	s.f, s.w = nil, nil
	if ferr != nil {
		return fmt.Errorf("file sink %q: %w", s.name, ferr)
	}
	if cerr != nil {
		return fmt.Errorf("file sink %q: %w", s.name, cerr)
	}
	return nil
}
