package agg

import (
	"encoding/binary"
	"errors"
	"math"
)

var errCorrupt = errors.New("agg: corrupt accumulator state")

// dec reads values written with binary.Append*; the first error sticks.
type dec struct {
	b   []byte
	err error
}

func (d *dec) varint() int64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return x
}

func (d *dec) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return x
}

func (d *dec) float() float64 {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 8 {
		d.err = errCorrupt
		return 0
	}
	x := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	return x
}

func (d *dec) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if uint64(len(d.b)) < n {
		d.err = errCorrupt
		return nil
	}
	x := d.b[:n]
	d.b = d.b[n:]
	return x
}

func appendFloat(buf []byte, x float64) []byte {
	return binary.LittleEndian.AppendUint64(buf, math.Float64bits(x))
}

func appendBytes(buf, x []byte) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(x)))
	return append(buf, x...)
}

// value codecs for the generic accumulators.
func appendValue[T comparable](buf []byte, x T) []byte {
	switch v := any(x).(type) {
	case int64:
		return binary.AppendVarint(buf, v)
	case float64:
		return appendFloat(buf, v)
	case string:
		buf = binary.AppendUvarint(buf, uint64(len(v)))
		return append(buf, v...)
	case bool:
		if v {
			return append(buf, 1)
		}
		return append(buf, 0)
	}
	panic("agg: unreachable value type")
}

func readValue[T comparable](d *dec) T {
	var z T
	var r any
	switch any(z).(type) {
	case int64:
		r = d.varint()
	case float64:
		r = d.float()
	case string:
		r = string(d.bytes())
	case bool:
		b := d.bytes1()
		r = b != 0
	}
	return r.(T)
}

func (d *dec) bytes1() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 1 {
		d.err = errCorrupt
		return 0
	}
	x := d.b[0]
	d.b = d.b[1:]
	return x
}

func appendBool(buf []byte, b bool) []byte {
	if b {
		return append(buf, 1)
	}
	return append(buf, 0)
}
