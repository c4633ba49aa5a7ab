package deadletter

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"sync"

	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/sink/stdout"
)

// File appends dead letters to a file, one JSON object per line:
//
//	{"time":"2026-11-09T14:35:00.000Z","source":"metrics","partition":0,
//	 "offset":17,"reason":"malformed","detail":"...","payload":"..."}
//
// time is the processing time of the dead-lettering (RFC 3339, UTC, ms);
// offset is the Kafka offset, or the 1-based line number for file sources,
// or the sequence number for datagen; a file opened with lineNumbers (the
// dead letters of a file source) also names it "line", after "offset"; payload is the original event as a
// JSON string (bytes that are not UTF-8 become U+FFFD). File is safe for
// concurrent use; each dead letter is written through to the file before
// DeadLetter returns (dead letters are rare, and must survive a crash).
type File struct {
	mu   sync.Mutex
	path string
	f    *os.File
	w    *bufio.Writer
	buf  []byte
	err  error

	lines bool // also write the offset as "line"
}

var _ operators.DeadLetterSink = (*File)(nil)

// NewFile opens (or creates) path for appending dead letters. With
// lineNumbers, each record also carries its offset as "line" (for the dead
// letters of a file source, whose offsets are line numbers).
func NewFile(path string, lineNumbers bool) (*File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err // *fs.PathError: "open PATH: reason"
	}
	return &File{path: path, f: f, w: bufio.NewWriter(f), lines: lineNumbers}, nil
}

// DeadLetter writes d as one line. A write error is kept and returned by
// Close (and Err); DeadLetter itself cannot fail the caller's query.
func (f *File) DeadLetter(d *operators.DeadLetter) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.f == nil || f.err != nil {
		return
	}
	f.buf = appendJSON(f.buf[:0], d, f.lines)
	f.buf = append(f.buf, '\n')
	if _, err := f.w.Write(f.buf); err != nil {
		f.err = err
		return
	}
	if err := f.w.Flush(); err != nil {
		f.err = err
	}
}

// Err returns the first write error, if any.
func (f *File) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.wrapErr()
	}
	return nil
}

// Close flushes and closes the file, returning the first error seen.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.f == nil {
		return nil
	}
	if err := f.w.Flush(); err != nil && f.err == nil {
		f.err = err
	}
	if err := f.f.Close(); err != nil && f.err == nil {
		f.err = err
	}
	f.f = nil
	if f.err != nil {
		return f.wrapErr()
	}
	return nil
}

// wrapErr describes the first error, naming the file (an OS error names it
// already; a short write does not).
func (f *File) wrapErr() error {
	var pe *fs.PathError
	if errors.As(f.err, &pe) {
		return fmt.Errorf("writing dead letters: %w", f.err)
	}
	return fmt.Errorf("writing dead letters to %s: %w", f.path, f.err)
}

// appendJSON appends d as the JSON object File writes (without newline).
func appendJSON(dst []byte, d *operators.DeadLetter, line bool) []byte {
	dst = append(dst, `{"time":"`...)
	dst = stdout.AppendTimestamp(dst, d.TimeMs)
	if d.Query != "" {
		dst = append(dst, `","query":"`...)
		dst = append(dst, d.Query...)
	}
	dst = append(dst, `","source":`...)
	dst = stdout.AppendJSONString(dst, d.Source)
	dst = append(dst, `,"partition":`...)
	dst = strconv.AppendInt(dst, int64(d.Partition), 10)
	dst = append(dst, `,"offset":`...)
	dst = strconv.AppendInt(dst, d.Offset, 10)
	if line {
		dst = append(dst, `,"line":`...)
		dst = strconv.AppendInt(dst, d.Offset, 10)
	}
	dst = append(dst, `,"reason":`...)
	dst = stdout.AppendJSONString(dst, d.Reason)
	dst = append(dst, `,"detail":`...)
	dst = stdout.AppendJSONString(dst, d.Detail)
	dst = append(dst, `,"payload":`...)
	dst = stdout.AppendJSONString(dst, string(d.Payload))
	return append(dst, '}')
}
