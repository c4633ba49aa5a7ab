package file

import (
	"encoding/binary"
	"fmt"
	"io"
)

// checkpointVersion is the version byte of the checkpoint encoding:
// version, then the byte offset of the first unread line and the number of
// the last consumed line, as uvarints.
const checkpointVersion = 1

// Position returns the byte offset of the first line not yet consumed and
// the number of the last consumed line.
func (s *Source) Position() (offset, line int64) {
	if s.discarding {
		return s.discardOff, s.line
	}
	return s.readOff - int64(s.end-s.start), s.line
}

// Snapshot writes the source's position. A line being skipped for its
// length is not resumed mid-way: the snapshot points at its start.
func (s *Source) Snapshot(w io.Writer) error {
	off, line := s.Position()
	buf := []byte{checkpointVersion}
	buf = binary.AppendUvarint(buf, uint64(off))
	buf = binary.AppendUvarint(buf, uint64(line))
	_, err := w.Write(buf)
	return err
}

// Restore reads a position written by Snapshot; reading continues there.
func (s *Source) Restore(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("file: source %q: restore: %w", s.name, err)
	}
	if len(data) == 0 || data[0] != checkpointVersion {
		return fmt.Errorf("file: source %q: restore: unknown checkpoint version", s.name)
	}
	off, n := binary.Uvarint(data[1:])
	if n <= 0 {
		return fmt.Errorf("file: source %q: restore: corrupt checkpoint", s.name)
	}
	line, m := binary.Uvarint(data[1+n:])
	if m <= 0 {
		return fmt.Errorf("file: source %q: restore: corrupt checkpoint", s.name)
	}
	s.restored, s.restoreOff, s.line = true, int64(off), int64(line)
	s.start, s.end, s.readOff, s.eof, s.discarding = 0, 0, int64(off), false, false
	if s.f != nil {
		if _, err := s.f.Seek(int64(off), io.SeekStart); err != nil {
			return fmt.Errorf("file: source %q: seek to %d: %w", s.name, off, err)
		}
	}
	return nil
}
