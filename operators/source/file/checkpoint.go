package file

import (
	"encoding/binary"
	"fmt"
	"io"
)

// Checkpoint encoding: a version byte, then uvarints.
//
//   - Version 1: the byte offset of the first unread line and the number of
//     the last consumed line.
//   - Version 2 (written since follow mode survives rotation): the same two,
//     then the device and inode of the file read (both 0 when unknown), so
//     that a restart notices a file rotated while weir was stopped.
//
// Both restore; Snapshot writes version 2.
const (
	checkpointV1      = 1
	checkpointVersion = 2
)

// Position returns the byte offset of the first line not yet consumed and
// the number of the last consumed line, within the file being read.
func (s *Source) Position() (offset, line int64) {
	if s.restored {
		return s.restoreOff, s.restoreLine
	}
	if s.discarding {
		return s.discardOff, s.line
	}
	return s.readOff - int64(s.end-s.start), s.line
}

// Snapshot writes the source's position. A line being skipped for its
// length is not resumed mid-way: the snapshot points at its start. After a
// rotation the position is in the new file; while the old file is still
// being finished it is in the old one, which a restart no longer finds at
// the path (it then reads the new file from the start).
func (s *Source) Snapshot(w io.Writer) error {
	off, line := s.Position()
	id := s.restoreID
	if !s.restored && s.f != nil {
		id = idOf(s.fi)
	}
	buf := []byte{checkpointVersion}
	buf = binary.AppendUvarint(buf, uint64(off))
	buf = binary.AppendUvarint(buf, uint64(line))
	buf = binary.AppendUvarint(buf, id.dev)
	buf = binary.AppendUvarint(buf, id.ino)
	_, err := w.Write(buf)
	return err
}

// Restore reads a position written by Snapshot (version 1 or 2); reading
// continues there once the file is open. When the file at the path is not
// the checkpointed one (another inode, version 2 only) or is shorter than
// the position, it was rotated or truncated while weir was stopped: the
// source warns and reads it from the start.
func (s *Source) Restore(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("source %q: restore: %w", s.name, err)
	}
	if len(data) == 0 || (data[0] != checkpointV1 && data[0] != checkpointVersion) {
		return fmt.Errorf("source %q: restore: unknown checkpoint version", s.name)
	}
	nums := 2
	if data[0] == checkpointVersion {
		nums = 4
	}
	var v [4]uint64
	rest := data[1:]
	for i := 0; i < nums; i++ {
		x, n := binary.Uvarint(rest)
		if n <= 0 {
			return fmt.Errorf("source %q: restore: corrupt checkpoint", s.name)
		}
		v[i], rest = x, rest[n:]
	}
	if v[0] > 1<<62 || v[1] > 1<<62 {
		return fmt.Errorf("source %q: restore: corrupt checkpoint", s.name)
	}
	s.restored, s.restoreOff, s.restoreLine = true, int64(v[0]), int64(v[1])
	s.restoreID = fileID{dev: v[2], ino: v[3]}
	if s.f == nil {
		return nil // applied when the file is opened
	}
	s.start, s.end, s.eof, s.discarding, s.draining = 0, 0, false, false, false
	return s.seekRestored()
}

// seekRestored applies a pending Restore to the open file: it seeks to the
// restored offset, or to 0 (line numbers starting over) with a warning when
// the file cannot be the one the checkpoint was taken on.
func (s *Source) seekRestored() error {
	s.restored = false
	cur, err := s.f.Stat()
	if err != nil {
		return fmt.Errorf("source %q: %w", s.name, err)
	}
	off := s.restoreOff
	if isStream(cur) {
		if off > 0 {
			s.warnf("%s is a %s, which cannot resume at the checkpointed position (byte %d): reading what it delivers from now on", s.path, kindOf(cur), off)
		}
		s.line = 0
		return nil
	}
	if id := idOf(cur); s.restoreID.known() && id.known() && id != s.restoreID {
		s.warnf("%s is not the file the checkpoint was taken on (rotated while weir was stopped): reading it from the start", s.path)
		off = 0
	} else if cur.Size() < off {
		s.warnf("%s is shorter (%d bytes) than the checkpointed position (byte %d): truncated or rotated while weir was stopped; reading it from the start", s.path, cur.Size(), off)
		off = 0
	}
	s.line = s.restoreLine
	if off == 0 {
		s.line = 0
	}
	if _, err := s.f.Seek(off, io.SeekStart); err != nil {
		return fmt.Errorf("source %q: seek to %d: %w", s.name, off, err)
	}
	s.readOff = off
	return nil
}
