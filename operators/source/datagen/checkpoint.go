package datagen

import (
	"encoding/binary"
	"fmt"
	"io"
)

// checkpointVersion versions the encoding: version byte, then the sequence
// number and the first event time as varints, then the PCG state.
const checkpointVersion = 1

// Snapshot writes the generator's position: the number of events generated,
// the start time and the PRNG state.
func (s *Source) Snapshot(w io.Writer) error {
	state, err := s.pcg.MarshalBinary()
	if err != nil {
		return fmt.Errorf("snapshot: %w", err) // the runtime names the source
	}
	buf := []byte{checkpointVersion}
	buf = binary.AppendVarint(buf, s.seq)
	buf = binary.AppendVarint(buf, s.startMs)
	buf = append(buf, state...)
	_, err = w.Write(buf)
	return err
}

// Restore reads a Snapshot; generation continues with event seq+1, exactly
// as an uninterrupted run would have.
func (s *Source) Restore(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("source %q: restore: %w", s.name, err)
	}
	if len(data) == 0 || data[0] != checkpointVersion {
		return fmt.Errorf("source %q: restore: unknown checkpoint version", s.name)
	}
	data = data[1:]
	seq, n := binary.Varint(data)
	if n <= 0 || seq < 0 {
		return fmt.Errorf("source %q: restore: corrupt checkpoint", s.name)
	}
	data = data[n:]
	start, n := binary.Varint(data)
	if n <= 0 {
		return fmt.Errorf("source %q: restore: corrupt checkpoint", s.name)
	}
	if err := s.pcg.UnmarshalBinary(data[n:]); err != nil {
		return fmt.Errorf("source %q: restore: %w", s.name, err)
	}
	s.seq, s.startMs, s.startSet = seq, start, true
	s.paceBase = seq
	return nil
}
