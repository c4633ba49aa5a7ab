package file

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
)

// checkpointVersion versions the Snapshot encoding: the version byte, a
// kind byte (kindRegular, or kindOther for a pipe or device, which is
// neither fsynced nor truncated), then the file's size in bytes as a
// uvarint.
const checkpointVersion = 1

const (
	kindRegular = 1
	kindOther   = 2
)

// Snapshot implements operators.Checkpointer: it flushes the rows written
// so far, fsyncs the file and records its size. Every row processed before
// the checkpoint is then durably in the file's first size bytes, each on
// its own line.
func (s *Sink) Snapshot(w io.Writer) error {
	if s.f == nil {
		return fmt.Errorf("file sink %q: snapshot before Open", s.name)
	}
	if err := s.endTornLine(); err != nil {
		return err
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("file sink %q: %w", s.name, err)
	}
	fi, err := s.f.Stat()
	if err != nil {
		return fmt.Errorf("file sink %q: %w", s.name, err)
	}
	if !fi.Mode().IsRegular() {
		// A FIFO or a device (/dev/stdout): what went out cannot be taken
		// back, so the sink stays at-least-once there.
		_, err = w.Write([]byte{checkpointVersion, kindOther, 0})
		return err
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("file sink %q: fsync of %s: %w", s.name, s.path, err)
	}
	buf := binary.AppendUvarint([]byte{checkpointVersion, kindRegular}, uint64(fi.Size()))
	_, err = w.Write(buf)
	return err
}

// Restore implements operators.Checkpointer: it truncates the file to the
// size Snapshot recorded, removing what was written after the checkpoint
// (the restarted query writes those rows again). A file shorter than that,
// or missing, was truncated, rotated or replaced since the checkpoint: as
// Flink's FileSink, which refuses to resume an in-progress file shorter
// than its checkpointed offset, that is an error naming the file and both
// sizes, and the file is left as it is.
func (s *Sink) Restore(r io.Reader) error {
	if s.f == nil {
		return fmt.Errorf("file sink %q: restore before Open", s.name)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("file sink %q: %w", s.name, err)
	}
	if len(data) == 0 || data[0] != checkpointVersion {
		return fmt.Errorf("file sink %q: unknown checkpoint version", s.name)
	}
	if len(data) < 3 || (data[1] != kindRegular && data[1] != kindOther) {
		return fmt.Errorf("file sink %q: corrupt checkpoint", s.name)
	}
	v, n := binary.Uvarint(data[2:])
	if n <= 0 || n != len(data)-2 || v > 1<<62 {
		return fmt.Errorf("file sink %q: corrupt checkpoint", s.name)
	}
	if data[1] == kindOther {
		return nil // nothing can be taken back from a pipe or a device
	}
	want := int64(v)
	if s.created && want > 0 {
		// Leave no empty file behind that a retry would take for the
		// missing one.
		os.Remove(s.path)
		return fmt.Errorf("file sink %q: %s does not exist, but the checkpoint recorded %d bytes written to it: "+
			"it was moved or deleted since; put it back, or start over without the state (weir run --reset; DROP SINK and CREATE SINK in weir serve)", s.name, s.path, want)
	}
	fi, err := s.f.Stat()
	if err != nil {
		return fmt.Errorf("file sink %q: %w", s.name, err)
	}
	switch size := fi.Size(); {
	case size < want:
		return fmt.Errorf("file sink %q: %s is %d bytes, shorter than the %d bytes the checkpoint recorded: "+
			"it was truncated or replaced since; put the file back, or start over without the state (weir run --reset; DROP SINK and CREATE SINK in weir serve)", s.name, s.path, size, want)
	case size > want:
		if err := s.f.Truncate(want); err != nil {
			return fmt.Errorf("file sink %q: truncating %s to the checkpoint's %d bytes: %w", s.name, s.path, want, err)
		}
		s.warnf("removed the last %d bytes of %s, written after the checkpoint (%d bytes); the rows are written again", size-want, s.path, want)
	}
	s.ready = true
	return nil
}

// CheckpointAtStart asks the runtime for a checkpoint as soon as the query
// starts (when it takes checkpoints at all): until its first checkpoint a
// restart has no size to truncate back to and would repeat every row
// written so far.
func (s *Sink) CheckpointAtStart() bool { return true }
