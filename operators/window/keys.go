package window

import (
	"encoding/binary"
	"errors"
	"math"
	"unsafe"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// keyTable maps encoded group keys to dense key ids and keeps each key's
// values once, column-wise, for output. A key lives while some window
// state (pane group or session) refers to it; freed ids are reused. The
// encodings live in arena (keyArena, below): interning a key does not
// allocate.
type keyTable struct {
	types []catalog.Type
	ids   map[string]uint32
	enc   []string       // by id: the encoded key ("" when free), in arena
	vals  []*coldata.Vec // by key column, indexed by id
	refs  []int32        // by id: live groups and sessions of the key
	free  []uint32
	buf   []byte
	arena keyArena
}

func newKeyTable(types []catalog.Type) *keyTable {
	kt := &keyTable{types: types, ids: make(map[string]uint32)}
	kt.vals = make([]*coldata.Vec, len(types))
	for c, t := range types {
		kt.vals[c] = coldata.NewVec(t, 0)
	}
	return kt
}

// encode appends the key of row i (columns cols of b) to kt.buf[:0].
func (kt *keyTable) encode(b *coldata.Batch, cols []int, i int) []byte {
	buf := kt.buf[:0]
	for _, c := range cols {
		v := b.Cols[c]
		if v.Nulls.IsNull(i) {
			buf = append(buf, 0)
			continue
		}
		switch v.Type {
		case catalog.Bigint, catalog.Timestamp:
			buf = append(buf, 1)
			buf = binary.LittleEndian.AppendUint64(buf, uint64(v.I64[i]))
		case catalog.Double:
			buf = append(buf, 1)
			buf = binary.LittleEndian.AppendUint64(buf, coldata.FloatKeyBits(v.F64[i]))
		case catalog.Varchar:
			buf = append(buf, 1)
			buf = binary.AppendUvarint(buf, uint64(len(v.Str[i])))
			buf = append(buf, v.Str[i]...)
		case catalog.Boolean:
			if v.Bool[i] {
				buf = append(buf, 1, 1)
			} else {
				buf = append(buf, 1, 0)
			}
		default:
			buf = append(buf, 0)
		}
	}
	kt.buf = buf
	return buf
}

// lookup returns the id of encoded key enc, creating it (fresh reports
// so) when absent.
func (kt *keyTable) lookup(enc []byte) (id uint32, fresh bool) {
	if id, ok := kt.ids[string(enc)]; ok {
		return id, false
	}
	return kt.insertBytes(enc), true
}

// insertBytes is insert for a []byte (apart, so that lookup inlines).
func (kt *keyTable) insertBytes(enc []byte) uint32 {
	return kt.add(arenaAdd(&kt.arena, enc))
}

// insert adds encoded key s, which must be absent, copying it to the
// arena.
func (kt *keyTable) insert(s string) uint32 {
	return kt.add(arenaAdd(&kt.arena, s))
}

// add adds encoded key s, whose bytes are in kt.arena.
func (kt *keyTable) add(s string) uint32 {
	var id uint32
	if n := len(kt.free); n > 0 {
		id = kt.free[n-1]
		kt.free = kt.free[:n-1]
		kt.enc[id] = s
		kt.refs[id] = 0
	} else {
		id = uint32(len(kt.enc))
		kt.enc = append(kt.enc, s)
		kt.refs = append(kt.refs, 0)
		for _, v := range kt.vals {
			v.AppendNull()
		}
	}
	kt.ids[s] = id
	kt.decodeInto(id, s)
	return id
}

var errCorruptKey = errors.New("window: corrupt group key")

// decodeInto stores the values of encoded key s at row id of kt.vals.
// A VARCHAR value is a substring of s, sharing its bytes (in the arena):
// a key's values cost no allocation of their own.
func (kt *keyTable) decodeInto(id uint32, s string) error {
	for c, t := range kt.types {
		v := kt.vals[c]
		if len(s) == 0 {
			return errCorruptKey
		}
		if s[0] == 0 {
			v.Nulls.Set(int(id))
			s = s[1:]
			continue
		}
		s = s[1:]
		v.Nulls.Unset(int(id))
		switch t {
		case catalog.Bigint, catalog.Timestamp, catalog.Double:
			if len(s) < 8 {
				return errCorruptKey
			}
			x := uint64(0)
			for i := 7; i >= 0; i-- {
				x = x<<8 | uint64(s[i])
			}
			if t == catalog.Double {
				v.F64[id] = math.Float64frombits(x)
			} else {
				v.I64[id] = int64(x)
			}
			s = s[8:]
		case catalog.Varchar:
			n, k := uvarintString(s)
			if k <= 0 || uint64(len(s)-k) < n {
				return errCorruptKey
			}
			v.Str[id] = s[k : k+int(n)]
			s = s[k+int(n):]
		case catalog.Boolean:
			if len(s) < 1 {
				return errCorruptKey
			}
			v.Bool[id] = s[0] == 1
			s = s[1:]
		}
	}
	if len(s) != 0 {
		return errCorruptKey
	}
	return nil
}

// uvarintString is binary.Uvarint over a string (without converting it).
func uvarintString(s string) (uint64, int) {
	var x uint64
	var shift uint
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		b := s[i]
		if b < 0x80 {
			if i == binary.MaxVarintLen64-1 && b > 1 {
				return 0, -(i + 1)
			}
			return x | uint64(b)<<shift, i + 1
		}
		x |= uint64(b&0x7f) << shift
		shift += 7
	}
	return 0, 0
}

// ref and unref count the state entries of a key; the last unref frees it.
func (kt *keyTable) ref(id uint32) { kt.refs[id]++ }

func (kt *keyTable) unref(id uint32) {
	kt.refs[id]--
	if kt.refs[id] <= 0 {
		delete(kt.ids, kt.enc[id])
		kt.arena.release(len(kt.enc[id]))
		kt.enc[id] = ""
		for c, t := range kt.types {
			if t == catalog.Varchar {
				kt.vals[c].Str[id] = "" // a substring of the encoding: let it go
			}
		}
		kt.free = append(kt.free, id)
		if kt.arena.wasteful(len(kt.enc)) {
			kt.compact()
		}
	}
}

// compact copies the live encodings to fresh arena chunks, so that the
// chunks holding mostly freed keys can go: the ids map, kt.enc and the
// VARCHAR values (substrings of the encodings) are re-pointed. Strings
// into the old chunks that are held elsewhere (output rows) stay valid:
// chunk bytes are never written again.
func (kt *keyTable) compact() {
	kt.arena = keyArena{}
	for id, s := range kt.enc {
		if len(s) == 0 {
			continue // free, or the empty key: nothing in the arena
		}
		ns := arenaAdd(&kt.arena, s)
		kt.enc[id] = ns
		kt.ids[ns] = uint32(id) // an existing string key is replaced by ns
		_ = kt.decodeInto(uint32(id), ns)
	}
}

// appendKey appends key id's values to the key columns of out.
func (kt *keyTable) appendKey(id uint32, out []*coldata.Vec) {
	for c, v := range kt.vals {
		out[c].CopyRow(v, int(id))
	}
}

// live returns the number of live keys.
func (kt *keyTable) live() int { return len(kt.ids) }

// keyArenaChunk is the size of a key arena chunk: one allocation for a
// few hundred keys, and the most that one key value held elsewhere (a
// VARCHAR in an output row shares its key's bytes) can keep alive.
const keyArenaChunk = 4 << 10

// keyArena holds the encodings of the keys of a keyTable in append-only
// chunks, so that interning a key does not allocate. Bytes handed out are
// never written again: a string into a chunk stays valid after its key
// is freed, and the GC reclaims a chunk once no string refers to it.
// Freed bytes are not reused; when they outweigh the live ones the key
// table copies its live keys to fresh chunks (keyTable.compact), which
// costs O(1) per byte allocated.
type keyArena struct {
	chunk []byte // the current chunk, appended to up to its capacity
	held  int    // bytes of the chunks taken since the last compaction
	live  int    // bytes of the live keys' encodings
}

// arenaAdd returns a string equal to b whose bytes are in a's chunks (a
// key longer than a quarter of a chunk gets a string of its own).
func arenaAdd[S ~string | ~[]byte](a *keyArena, b S) string {
	n := len(b)
	if n == 0 {
		return ""
	}
	a.live += n
	if n > keyArenaChunk/4 {
		a.held += n
		return string(b)
	}
	if cap(a.chunk)-len(a.chunk) < n {
		a.chunk = make([]byte, 0, keyArenaChunk)
		a.held += keyArenaChunk
	}
	off := len(a.chunk)
	a.chunk = append(a.chunk, b...)
	return unsafe.String(&a.chunk[off], n)
}

// release accounts for a freed key of n bytes.
func (a *keyArena) release(n int) { a.live -= n }

// wasteful reports whether the freed bytes held outweigh the live ones
// enough to compact a table of nIDs ids: the bytes taken since the last
// compaction then exceed the live bytes plus the table size, so the
// copying and the walk over the ids are paid for by that allocation.
func (a *keyArena) wasteful(nIDs int) bool {
	return a.held > 2*a.live+max(16*keyArenaChunk, nIDs)
}
