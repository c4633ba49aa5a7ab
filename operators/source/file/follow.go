package file

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/weirdb/weir/coldata"
)

// Following a file by name, as tail -F, Filebeat and Vector do. In follow
// mode the source reads the file it has open to its end, then looks at the
// path:
//
//   - The path names a different file (rotation: the file was renamed or
//     removed and a new one created at the path; os.SameFile). The old file
//     is read once more to its end, so lines appended just before the
//     rename are not lost, and its last line is taken even without a
//     trailing newline (no more bytes can come). Reading then switches to
//     the new file from offset 0. Lines written to the old file after the
//     switch are not read.
//   - The path names the same file, now shorter than the bytes read
//     (truncation, as logrotate's copytruncate does). Reading starts again
//     at offset 0. An incomplete line held back from before the truncation
//     is sent to dead letters (reason malformed): its end was cut off. A
//     truncation followed by writes past the old size before the next look
//     is indistinguishable from appends and is not detected.
//   - The path does not exist (between a rename and the create, or not yet
//     created at Open). This is not an error: the source keeps reading the
//     file it has, if any, and looks again at the next poll.
//
// Line numbers (Batch.Offset, dead letters) count within the file being
// read: they start again at 1 after a rotation or truncation. Rotations and
// truncations are reported on the warning log (SetWarningLog).

// SetWarningLog sets where the source reports truncations, rotations, a
// missing path and checkpoints it cannot resume at (os.Stderr until set;
// nil: nowhere), one line each, prefixed "weir: source NAME: ". The runtime
// passes its diagnostics writer.
func (s *Source) SetWarningLog(w io.Writer) { s.warn = w }

func (s *Source) warnf(format string, args ...any) {
	if s.warn == nil {
		return
	}
	fmt.Fprintf(s.warn, "weir: source %s: %s\n", s.name, fmt.Sprintf(format, args...))
}

// openPath opens the file at the path and returns it with its identity.
func (s *Source) openPath() (*os.File, os.FileInfo, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// use makes f (opened at the path, identity fi) the file being read, from
// offset 0 or, when a Restore is pending, from the restored position.
func (s *Source) use(f *os.File, fi os.FileInfo) error {
	if s.f != nil && s.f != f {
		_ = s.f.Close()
	}
	s.f, s.fi = f, fi
	s.start, s.end, s.readOff, s.line = 0, 0, 0, 0
	s.eof, s.discarding, s.draining = false, false, false
	if s.restored {
		return s.seekRestored()
	}
	return nil
}

// followPath runs in follow mode at the end of the open file, or while there
// is none. It handles a rotation, truncation or newly created path and
// reports whether reading should go on at once rather than wait a poll.
func (s *Source) followPath(b *coldata.Batch) (bool, error) {
	if s.f == nil {
		f, fi, err := s.openPath()
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		return true, s.use(f, fi)
	}
	pfi, err := os.Stat(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil // renamed away, the new file not created yet
	}
	if err != nil {
		return false, err
	}
	if !os.SameFile(pfi, s.fi) {
		if !s.draining {
			// Bytes may have been appended to the old file between our last
			// read and the rename: read it to its end once more.
			s.draining = true
			return true, nil
		}
		f, fi, err := s.openPath()
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		s.finishFile(b)
		s.warnf("%s was rotated: read the old file to its end (%d lines); reading the new file from the start", s.path, s.line)
		return true, s.use(f, fi)
	}
	s.draining = false
	cur, err := s.f.Stat()
	if err != nil {
		return false, err
	}
	if cur.Size() >= s.readOff {
		return false, nil
	}
	return true, s.truncated(cur.Size())
}

// truncated starts the open file over after it shrank to size bytes.
func (s *Source) truncated(size int64) error {
	s.warnf("%s was truncated to %d bytes (%d had been read): reading it again from the start", s.path, size, s.readOff)
	if s.start < s.end || s.discarding {
		payload := s.buf[s.start:s.end]
		if s.discarding {
			payload = s.longLine
		}
		s.line++
		s.deadLetter(payload, "incomplete line cut off by a truncation of the file")
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("seek to 0 after truncation: %w", err)
	}
	s.start, s.end, s.readOff, s.line = 0, 0, 0, 0
	s.discarding = false
	return nil
}
