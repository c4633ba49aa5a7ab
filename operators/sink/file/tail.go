package file

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// endTornLine runs once before the sink's first write when no checkpoint
// was restored: if the file is a regular file, not empty, and its last
// byte is not a newline — a line cut short when an earlier run was killed
// — it writes a newline, so that the rows that follow start on their own
// lines, and says so on the warning log. The torn line itself is left as
// it is (a line-oriented reader skips it; its row is written again whole).
// A file the sink may write but not read is appended to unchecked.
func (s *Sink) endTornLine() error {
	if s.ready {
		return nil
	}
	fi, err := s.f.Stat()
	if err != nil {
		return fmt.Errorf("file sink %q: %w", s.name, err)
	}
	if size := fi.Size(); size > 0 && fi.Mode().IsRegular() {
		last := make([]byte, 1)
		r, err := os.Open(s.path)
		if errors.Is(err, fs.ErrPermission) {
			s.ready = true
			return nil
		}
		if err != nil {
			return fmt.Errorf("file sink %q: %w", s.name, err)
		}
		_, err = r.ReadAt(last, size-1)
		r.Close()
		if err != nil && err != io.EOF {
			return fmt.Errorf("file sink %q: reading the end of %s: %w", s.name, s.path, err)
		}
		if last[0] != '\n' {
			if _, err := s.f.Write([]byte{'\n'}); err != nil {
				return fmt.Errorf("file sink %q: %w", s.name, err)
			}
			s.warnf("%s did not end with a newline (its last line was cut short, as by a crash): ended that line; the rows follow on their own lines", s.path)
		}
	}
	s.ready = true
	return nil
}
