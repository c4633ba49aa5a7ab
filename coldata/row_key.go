package coldata

import (
	"encoding/binary"
	"math"

	"github.com/weirdb/weir/catalog"
)

// AppendRowKey appends an encoding of row i's values in the columns keyCols
// of cols, usable as a map key that identifies the row's group: per column
// a NULL marker byte (0) or 1 followed by the value — 8 bytes for BIGINT,
// TIMESTAMP and DOUBLE, a length-prefixed string for VARCHAR, one byte for
// BOOLEAN. Two rows get equal keys exactly when their key values are equal
// (NULLs equal to each other, as GROUP BY treats them).
func AppendRowKey(dst []byte, cols []*Vec, keyCols []int, i int) []byte {
	for _, c := range keyCols {
		v := cols[c]
		if v.Nulls.IsNull(i) {
			dst = append(dst, 0)
			continue
		}
		dst = append(dst, 1)
		switch v.Type {
		case catalog.Bigint, catalog.Timestamp:
			dst = binary.BigEndian.AppendUint64(dst, uint64(v.I64[i]))
		case catalog.Double:
			dst = binary.BigEndian.AppendUint64(dst, FloatKeyBits(v.F64[i]))
		case catalog.Varchar:
			dst = binary.AppendUvarint(dst, uint64(len(v.Str[i])))
			dst = append(dst, v.Str[i]...)
		case catalog.Boolean:
			if v.Bool[i] {
				dst = append(dst, 1)
			} else {
				dst = append(dst, 0)
			}
		}
	}
	return dst
}

// FloatKeyBits returns the bits that stand for f in grouping keys and
// hashes: -0 is 0 (they are equal in SQL, and PostgreSQL groups them
// together) and every NaN is one NaN.
func FloatKeyBits(f float64) uint64 {
	switch {
	case f == 0:
		return 0
	case f != f:
		return 0x7ff8000000000001
	}
	return math.Float64bits(f)
}
