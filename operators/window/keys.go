package window

import (
	"encoding/binary"
	"errors"
	"math"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// keyTable maps encoded group keys to dense key ids and keeps each key's
// values once, column-wise, for output. A key lives while some window
// state (pane group or session) refers to it; freed ids are reused.
type keyTable struct {
	types []catalog.Type
	ids   map[string]uint32
	enc   []string       // by id: the encoded key ("" when free)
	vals  []*coldata.Vec // by key column, indexed by id
	refs  []int32        // by id: live groups and sessions of the key
	free  []uint32
	buf   []byte
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

// lookup returns the id of the key in kt.buf, creating it (fresh reports
// so) when absent.
func (kt *keyTable) lookup(enc []byte) (id uint32, fresh bool) {
	if id, ok := kt.ids[string(enc)]; ok {
		return id, false
	}
	return kt.insert(string(enc)), true
}

func (kt *keyTable) insert(s string) uint32 {
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
// A VARCHAR value is a substring of s, sharing its bytes: a key's
// encoding and its values cost one allocation.
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
		kt.enc[id] = ""
		for c, t := range kt.types {
			if t == catalog.Varchar {
				kt.vals[c].Str[id] = "" // a substring of the encoding: let it go
			}
		}
		kt.free = append(kt.free, id)
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
