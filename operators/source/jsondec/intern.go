package jsondec

import "unsafe"

// Interning bounds: strings longer than maxInternLen are never interned (a
// string of their own each), and a column's table is cleared when it
// reaches maxInternEntries so that a high-cardinality column cannot grow it
// without bound.
const (
	maxInternLen     = 128
	maxInternEntries = 4096
)

// strBlockSize is the size of the blocks that new short string values are
// copied into: one allocation per block instead of one per value (a column
// of 100k user ids, nearly every value new to the table, made one
// allocation per event). A value shares its block: anything that keeps it
// beyond the batch keeps the whole block allocated, so a kept value of n
// bytes can hold up to strBlockSize bytes — a holder that keeps values
// must clone them. The window operator copies its keys into its own arena
// and aggregates clone the strings they keep; a holder keeping one value
// in 1,000 as it is, 100k 14-byte values in all, holds 206 MB of blocks
// (3.2 MB when each value was an allocation of its own). 2 KiB bounds what
// one kept value can pin, at one allocation per 2 KiB of new values.
const strBlockSize = 2 << 10

// bypassValues is how many values a column whose last full table saw
// fewer repeats than distinct values copies without looking them up:
// interning them would cost a map lookup and insert each for little
// sharing. The table is then filled again, to notice a change.
const bypassValues = 8 * maxInternEntries

// interner maps the bytes of a string value to one shared Go string, so
// that repeated values of low-cardinality columns (model names, hosts,
// severity) cost a map lookup and no allocation; a new value is copied to
// the current block.
type interner struct {
	m      map[string]string
	block  []byte // appended to up to its capacity; bytes handed out are never written again
	hits   int    // lookups found since m was last cleared
	bypass int    // values left to copy without a lookup
}

// get returns a string equal to b, allocating only for a new block or a
// value longer than maxInternLen.
func (in *interner) get(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > maxInternLen {
		return string(b)
	}
	if in.bypass > 0 {
		in.bypass--
		return in.copy(b)
	}
	if s, ok := in.m[string(b)]; ok { // no allocation: map lookup by []byte conversion
		in.hits++
		return s
	}
	if in.m == nil {
		in.m = make(map[string]string, 64)
	} else if len(in.m) >= maxInternEntries {
		if in.hits < len(in.m) {
			in.bypass = bypassValues
		}
		clear(in.m) // keeps its room: no allocation to fill it again
		in.hits = 0
		if in.bypass > 0 {
			return in.copy(b)
		}
	}
	s := in.copy(b)
	in.m[s] = s
	return s
}

// copy returns a string equal to b (at most maxInternLen bytes) whose
// bytes are in the current block.
func (in *interner) copy(b []byte) string {
	if cap(in.block)-len(in.block) < len(b) {
		in.block = make([]byte, 0, strBlockSize)
	}
	off := len(in.block)
	in.block = append(in.block, b...)
	return unsafe.String(&in.block[off], len(b))
}
