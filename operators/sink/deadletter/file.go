package deadletter

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/weirdb/weir/coldata/render"
	"github.com/weirdb/weir/operators"
)

// File appends dead letters to a file, one JSON object per line:
//
//	{"time":"2026-11-09T14:35:00.000Z","source":"metrics","partition":0,
//	 "offset":17,"reason":"malformed","detail":"...","payload":"..."}
//
// time is the processing time of the dead-lettering (RFC 3339, UTC, ms);
// offset is the Kafka offset, or the 1-based line number for file sources,
// or the sequence number for datagen; a file opened with lineNumbers (the
// dead letters of a file source) also names it "line", after "offset";
// payload is the original event as a JSON string (bytes that are not UTF-8
// become U+FFFD). File is safe for concurrent use; each dead letter is
// written through to the file before DeadLetter returns (dead letters are
// rare, and must survive a crash).
//
// A dead letter that cannot be written (a full disk) is lost: DeadLetter
// cannot fail its caller, so File counts it and keeps the reason, for the
// runtime to fail the queries reading the source (Lost), and tries again
// with the next one. A line cut short by a failed write is ended before
// the next, so that every complete line stays one JSON object.
type File struct {
	mu    sync.Mutex
	path  string
	f     *os.File  // nil once closed
	w     io.Writer // f (a test's writer)
	buf   []byte
	lines bool // also write the offset as "line"
	cut   bool // the last write was cut short: start the next on a new line

	lost  atomic.Int64 // dead letters that could not be written
	first error        // why the first of them could not (wrapped)
	last  error        // why the latest could not (wrapped)
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
	return &File{path: path, f: f, w: f, lines: lineNumbers}, nil
}

// DeadLetter writes d as one line. A dead letter that cannot be written is
// counted and its reason kept (Lost, Err); DeadLetter itself cannot fail
// the caller's query.
func (f *File) DeadLetter(d *operators.DeadLetter) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.f == nil {
		return
	}
	f.buf = f.buf[:0]
	if f.cut {
		f.buf = append(f.buf, '\n')
	}
	f.buf = appendJSON(f.buf, d, f.lines)
	f.buf = append(f.buf, '\n')
	n, err := f.w.Write(f.buf)
	if err == nil {
		f.cut = false
		return
	}
	if n > 0 {
		f.cut = true
	}
	werr := f.wrap(err)
	if f.first == nil {
		f.first = werr
	}
	f.last = werr
	f.lost.Add(1)
}

// Lost returns how many dead letters could not be written so far and why
// the latest could not ("writing dead letters to PATH: REASON"); nil when
// none was lost. Cheap when none was: the runtime calls it after every
// read of the source.
func (f *File) Lost() (int64, error) {
	n := f.lost.Load()
	if n == 0 {
		return 0, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lost.Load(), f.last
}

// Err returns why the first dead letter that could not be written could
// not, if any.
func (f *File) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.first
}

// Close closes the file. It returns why the first lost dead letter could
// not be written, if one was, or else the error of closing the file.
// Dead letters after Close are ignored.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.f == nil {
		return f.first
	}
	cerr := f.f.Close()
	f.f = nil
	if f.first != nil {
		return f.first
	}
	if cerr != nil {
		return f.wrap(cerr)
	}
	return nil
}

// wrap describes an error writing (or closing) the file: "writing dead
// letters to PATH: REASON", the OS's reason without its own "write PATH"
// prefix.
func (f *File) wrap(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("writing dead letters to %s: %w", f.path, err)
}

// appendJSON appends d as the JSON object File writes (without newline).
func appendJSON(dst []byte, d *operators.DeadLetter, line bool) []byte {
	dst = append(dst, `{"time":"`...)
	dst = render.AppendTimestamp(dst, d.TimeMs)
	if d.Query != "" {
		dst = append(dst, `","query":"`...)
		dst = append(dst, d.Query...)
	}
	dst = append(dst, `","source":`...)
	dst = render.AppendJSONString(dst, d.Source)
	dst = append(dst, `,"partition":`...)
	dst = strconv.AppendInt(dst, int64(d.Partition), 10)
	dst = append(dst, `,"offset":`...)
	dst = strconv.AppendInt(dst, d.Offset, 10)
	if line {
		dst = append(dst, `,"line":`...)
		dst = strconv.AppendInt(dst, d.Offset, 10)
	}
	dst = append(dst, `,"reason":`...)
	dst = render.AppendJSONString(dst, d.Reason)
	dst = append(dst, `,"detail":`...)
	dst = render.AppendJSONString(dst, d.Detail)
	dst = append(dst, `,"payload":`...)
	dst = render.AppendJSONString(dst, string(d.Payload))
	return append(dst, '}')
}
