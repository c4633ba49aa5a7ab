// Package file is the file source connector: a JSON-lines file read in large
// chunks, bounded (end of file is end of input) or tailed (follow = 'true'),
// following the path across truncation and rotation as tail -F does.
package file

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/source/jsondec"
)

const (
	// chunkSize is how much the source reads from the file at once.
	chunkSize = 1 << 20
	// maxLineBytes bounds one line; a longer line is dead-lettered
	// (its first maxDeadPayload bytes as payload) and skipped.
	maxLineBytes   = 16 << 20
	maxDeadPayload = 4096
	// defaultPoll is how long Read waits for new data in follow mode
	// before returning an empty batch.
	defaultPoll = 100 * time.Millisecond
)

// Source reads one JSON-lines file. All rows are partition 0; Batch.Offset
// is the 1-based line number within the file being read (it starts again at
// 1 after a truncation or rotation in follow mode, see follow.go). Blank
// lines are skipped; a last line without a trailing newline is read at end
// of file (bounded mode) and held back until its newline arrives (follow
// mode). Malformed lines go to the Context's dead letters with reason
// "malformed" and never stop the source.
//
// Options: path (required), follow ('true' | 'false', default false),
// format ('json', the default and only one). The dead_letter_path option is
// the runtime's: it picks the DeadLetterSink given at Open.
//
// Source implements operators.Checkpointer: its position is the byte offset
// of the first unread line, that line's number and the identity of the
// file, so a restart seeks there (or starts the file over, with a warning,
// when the file at the path is no longer the one read).
type Source struct {
	name   string
	schema catalog.Schema
	path   string
	follow bool
	poll   time.Duration
	dec    *jsondec.Decoder
	warn   io.Writer // truncation, rotation and restore warnings

	octx   *operators.Context
	opened bool        // between Open and Close
	stream bool        // the path is a FIFO or device (stream.go)
	f      *os.File    // nil in follow mode while the path does not exist
	fi     os.FileInfo // f's identity, for os.SameFile with the path

	buf        []byte
	start, end int   // unconsumed bytes are buf[start:end]
	readOff    int64 // file offset of buf[end]
	line       int64 // number of the last consumed line
	discarding bool  // skipping the rest of an over-long line
	discardOff int64 // file offset where the skipped line starts
	longLine   []byte
	eof        bool
	draining   bool // follow: the path names a new file; finish this one first

	restored    bool // a Restore not yet applied to an open file
	restoreOff  int64
	restoreLine int64
	restoreID   fileID

	// atEOF, when set, runs once the next time follow mode reaches the end
	// of the open file, before the path is looked at (tests rotate there).
	atEOF func()
}

var (
	_ operators.Source       = (*Source)(nil)
	_ operators.Checkpointer = (*Source)(nil)
)

// New returns the file source declared by def (connector 'file').
func New(def *catalog.Source) (operators.Source, error) {
	path, ok := def.Options.Get("path")
	if !ok || path == "" {
		return nil, fmt.Errorf("source %q: option path is required", def.Name)
	}
	s := &Source{name: def.Name, schema: def.Schema, path: path, poll: defaultPoll, warn: os.Stderr}
	if v, ok := def.Options.Get("follow"); ok {
		switch v {
		case "true":
			s.follow = true
		case "false":
		default:
			return nil, fmt.Errorf("source %q: option follow must be 'true' or 'false', got %q", def.Name, v)
		}
	}
	if v, ok := def.Options.Get("format"); ok && v != "json" {
		return nil, fmt.Errorf("source %q: unsupported format %q (only 'json')", def.Name, v)
	}
	timeCol := -1
	if def.Watermark != nil {
		timeCol = def.Schema.Index(def.Watermark.Column)
		if timeCol < 0 {
			return nil, fmt.Errorf("source %q: watermark column %q is not declared", def.Name, def.Watermark.Column)
		}
	}
	s.dec = jsondec.New(def.Schema, timeCol)
	return s, nil
}

// Schema returns the declared columns.
func (s *Source) Schema() catalog.Schema { return s.schema }

// Open opens the file, seeking to the restored position if any. In follow
// mode a path that does not exist yet is not an error: the source warns and
// waits for the file to be created.
func (s *Source) Open(ctx *operators.Context) error {
	s.octx = ctx
	if s.buf == nil {
		s.buf = make([]byte, chunkSize)
	}
	if fi, err := os.Stat(s.path); err == nil && isStream(fi) {
		if s.follow {
			return s.streamFollowError(fi)
		}
		// Opened by the first Read, which honors cancellation (stream.go).
		s.stream, s.opened = true, true
		return nil
	}
	f, fi, err := s.openPath()
	if err != nil {
		if s.follow && errors.Is(err, fs.ErrNotExist) {
			s.opened = true
			s.warnf("%s does not exist: waiting for it to be created", s.path)
			return nil
		}
		return fmt.Errorf("source %q: %w", s.name, pathError(s.path, err))
	}
	if fi.IsDir() {
		_ = f.Close()
		return fmt.Errorf("source %q: data file %q is a directory, expected a JSON-lines file%s", s.name, s.path, relativeTo(s.path))
	}
	s.opened = true
	return s.use(f, fi)
}

// Close closes the file.
func (s *Source) Close() error {
	s.opened = false
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

// Read fills b with up to coldata.DefaultBatchSize rows. In bounded mode it
// returns io.EOF once the whole file has been delivered; in follow mode it
// never does, and returns an empty batch when no complete new line arrived
// within the poll interval; at the end of the file it looks at the path for
// a truncation or rotation (follow.go).
func (s *Source) Read(ctx context.Context, b *coldata.Batch) error {
	if !s.opened {
		return errors.New("read before open")
	}
	fitColumns(b, s.schema)
	b.Reset(0)
	b.Source = s.name
	b.Partition = 0
	if s.stream && s.f == nil && !s.eof {
		if err := s.openStream(ctx); err != nil {
			return err // the runtime names the source
		}
	}
	defer s.readDeadlineOnCancel(ctx)()
	for b.Len < coldata.DefaultBatchSize {
		if err := ctx.Err(); err != nil {
			return err
		}
		if nl := bytes.IndexByte(s.buf[s.start:s.end], '\n'); nl >= 0 {
			line := s.buf[s.start : s.start+nl]
			s.start += nl + 1
			s.consume(b, line)
			continue
		}
		if s.eof && !s.follow {
			break
		}
		if s.f != nil {
			n, err := s.fill()
			if err != nil && !errors.Is(err, io.EOF) {
				return cancelled(ctx, err) // the runtime names the source
			}
			if n > 0 {
				continue
			}
		}
		// End of the file as it stands now.
		if !s.follow {
			s.eof = true
			s.finishFile(b)
			break
		}
		if h := s.atEOF; h != nil {
			s.atEOF = nil
			h()
		}
		again, err := s.followPath(b)
		if err != nil {
			return err // the runtime names the source
		}
		if again {
			continue
		}
		if b.Len > 0 {
			return nil
		}
		return s.wait(ctx)
	}
	if b.Len == 0 && s.eof && s.start == s.end {
		return io.EOF
	}
	return nil
}

// wait blocks for the poll interval or until ctx is done.
func (s *Source) wait(ctx context.Context) error {
	t := time.NewTimer(s.poll)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// fill reads the next chunk, first moving unconsumed bytes to the front (or
// growing the buffer when one line fills it).
func (s *Source) fill() (int, error) {
	if s.start > 0 {
		n := copy(s.buf, s.buf[s.start:s.end])
		s.start, s.end = 0, n
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= maxLineBytes {
			s.startDiscard()
		} else {
			grown := make([]byte, 2*len(s.buf))
			copy(grown, s.buf[:s.end])
			s.buf = grown
		}
	}
	n, err := s.f.Read(s.buf[s.end:])
	s.end += n
	s.readOff += int64(n)
	return n, err
}

// startDiscard drops the buffered head of an over-long line; consume
// dead-letters the line when its newline is reached.
func (s *Source) startDiscard() {
	if !s.discarding {
		s.discarding = true
		s.discardOff = s.readOff - int64(s.end)
		s.longLine = append(s.longLine[:0], s.buf[:maxDeadPayload]...)
	}
	s.start, s.end = 0, 0
}

// finishFile takes the bytes after the last newline of a file that will not
// grow any more as its last line.
func (s *Source) finishFile(b *coldata.Batch) {
	if s.start < s.end || s.discarding {
		line := s.buf[s.start:s.end]
		s.start = s.end
		s.consume(b, line)
	}
}

// consume handles one line (without its newline).
func (s *Source) consume(b *coldata.Batch, line []byte) {
	s.line++
	if s.discarding {
		s.discarding = false
		s.deadLetter(s.longLine, fmt.Sprintf("line longer than %d bytes", maxLineBytes))
		return
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if len(bytes.TrimSpace(line)) == 0 {
		return
	}
	if err := s.dec.Append(b, line, s.line); err != nil {
		s.deadLetter(line, err.Error())
	}
}

func (s *Source) deadLetter(payload []byte, detail string) {
	ctx := s.octx
	if ctx == nil {
		return
	}
	if ctx.Counters != nil {
		ctx.Counters.DeadLetters.Add(1)
	}
	if ctx.DeadLetters == nil {
		return
	}
	d := operators.DeadLetter{
		Source:  s.name,
		Offset:  s.line,
		Reason:  operators.ReasonMalformed,
		Detail:  detail,
		Payload: payload,
	}
	if ctx.Clock != nil {
		d.TimeMs = ctx.Clock.Now().UnixMilli()
	}
	ctx.DeadLetters.DeadLetter(&d)
}

// fitColumns gives b one vector per schema column, of the column's type,
// replacing b.Cols when it does not match.
func fitColumns(b *coldata.Batch, schema catalog.Schema) {
	ok := len(b.Cols) == len(schema)
	for i := 0; ok && i < len(schema); i++ {
		ok = b.Cols[i] != nil && b.Cols[i].Type == schema[i].Type
	}
	if !ok {
		b.Cols = coldata.NewBatch(schema, coldata.DefaultBatchSize).Cols
	}
}
