package watermark

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/weirdb/weir/operators"
)

// snapshotVersion is the version byte of the Assigner's snapshot encoding.
const snapshotVersion = 1

var _ operators.Checkpointer = (*Assigner)(nil)

// Snapshot writes the source watermark and every partition's M_p, W_p,
// idle and ended state. Processing times are not kept: after a restore each
// partition's idle timer starts afresh.
func (a *Assigner) Snapshot(w io.Writer) error {
	buf := []byte{snapshotVersion}
	buf = binary.AppendVarint(buf, a.wm)
	buf = binary.AppendUvarint(buf, uint64(len(a.parts)))
	for _, p := range a.parts {
		buf = binary.AppendVarint(buf, int64(p.id))
		buf = binary.AppendVarint(buf, p.maxTime)
		buf = binary.AppendVarint(buf, p.wm)
		var flags byte
		if p.idle {
			flags |= 1
		}
		if p.ended {
			flags |= 2
		}
		buf = append(buf, flags)
	}
	_, err := w.Write(buf)
	return err
}

// Restore replaces the assigner's state with a snapshot's.
func (a *Assigner) Restore(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if len(data) == 0 || data[0] != snapshotVersion {
		return errors.New("watermark: unknown snapshot version")
	}
	d := data[1:]
	bad := fmt.Errorf("watermark: corrupt snapshot")
	varint := func() (int64, bool) {
		v, n := binary.Varint(d)
		if n <= 0 {
			return 0, false
		}
		d = d[n:]
		return v, true
	}
	wm, ok := varint()
	if !ok {
		return bad
	}
	n, k := binary.Uvarint(d)
	if k <= 0 || n > uint64(len(d)) {
		return bad
	}
	d = d[k:]
	now := a.clock.Now()
	a.parts = a.parts[:0]
	for i := uint64(0); i < n; i++ {
		id, ok1 := varint()
		maxTime, ok2 := varint()
		pwm, ok3 := varint()
		if !ok1 || !ok2 || !ok3 || len(d) == 0 {
			return bad
		}
		p := a.partition(int32(id), now)
		p.maxTime, p.wm = maxTime, pwm
		p.idle, p.ended = d[0]&1 != 0, d[0]&2 != 0
		d = d[1:]
	}
	a.wm = wm
	return nil
}
