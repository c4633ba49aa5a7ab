package jsondec

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/valyala/fastjson"
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// Decoder decodes one JSON object per call into a batch's columns.
//
// Mapping (SPEC.md "Sources"): keys that are not declared columns are
// ignored; a declared key that is absent, or whose value is JSON null, is
// NULL; column names match keys case-insensitively; when a key occurs twice
// the last occurrence wins. Types: BIGINT takes an integral JSON number
// (1.5 is malformed; 1e3 is 1000); DOUBLE any JSON number; VARCHAR a JSON
// string; BOOLEAN true or false; TIMESTAMP an RFC 3339 string (any offset,
// converted to UTC milliseconds) or an integral JSON number of epoch
// milliseconds. The event-time column (timeCol) must be present and non-null.
// VARCHAR values are valid UTF-8: a lone surrogate escape or an invalid byte
// is U+FFFD, as Go's encoding/json decodes them (varchar.go).
//
// A Decoder is not safe for concurrent use.
type Decoder struct {
	schema  catalog.Schema
	timeCol int
	byName  map[string]int // lower-cased column name → index
	parser  fastjson.Parser
	visit   func(key []byte, v *fastjson.Value)
	lower   []byte // scratch for lower-casing keys

	// Per-call scratch, one slot per column.
	vals   []*fastjson.Value
	i64    []int64
	f64    []float64
	str    []string
	boolv  []bool
	intern []interner
	raw    [][]byte // a VARCHAR column's JSON string as written, quotes included
	// decoded is scratch for a VARCHAR value with escapes or invalid UTF-8.
	decoded []byte
}

// New returns a decoder for rows of schema. timeCol is the index of the
// event-time column (which must be present and non-null in every event), or
// -1 when the source has no event time.
func New(schema catalog.Schema, timeCol int) *Decoder {
	n := len(schema)
	d := &Decoder{
		schema:  schema,
		timeCol: timeCol,
		byName:  make(map[string]int, n),
		vals:    make([]*fastjson.Value, n),
		i64:     make([]int64, n),
		f64:     make([]float64, n),
		str:     make([]string, n),
		boolv:   make([]bool, n),
		intern:  make([]interner, n),
		raw:     make([][]byte, n),
	}
	for i, c := range schema {
		k := strings.ToLower(c.Name)
		if _, dup := d.byName[k]; !dup {
			d.byName[k] = i
		}
	}
	d.visit = d.visitKey
	return d
}

// visitKey records v as the value of the column named key, if any.
func (d *Decoder) visitKey(key []byte, v *fastjson.Value) {
	if i, ok := d.column(key); ok {
		d.vals[i] = v
		if d.schema[i].Type == catalog.Varchar {
			// Now, before anything asks v its type: fastjson decodes a
			// string's escapes in place then, its own way (varchar.go).
			d.raw[i] = v.MarshalTo(d.raw[i][:0])
		}
	}
}

// column finds the column named key, case-insensitively, without allocating.
func (d *Decoder) column(key []byte) (int, bool) {
	if i, ok := d.byName[string(key)]; ok {
		return i, true
	}
	ascii, hasUpper := true, false
	for _, c := range key {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		if 'A' <= c && c <= 'Z' {
			hasUpper = true
		}
	}
	if !ascii {
		for i, c := range d.schema {
			if strings.EqualFold(c.Name, string(key)) {
				return i, true
			}
		}
		return 0, false
	}
	if !hasUpper {
		return 0, false
	}
	d.lower = append(d.lower[:0], key...)
	for j, c := range d.lower {
		if 'A' <= c && c <= 'Z' {
			d.lower[j] = c + ('a' - 'A')
		}
	}
	i, ok := d.byName[string(d.lower)]
	return i, ok
}

// Append decodes payload, one JSON object, and appends it as a row to b:
// one value per column of b.Cols (which must follow the decoder's schema),
// offset to b.Offset, and a copy of payload to b.Raw (backed by b.RawBuf),
// then grows b.Len. On malformed input (bad JSON, not an object, a value of
// the wrong type, a missing or null event-time field, a TIMESTAMP string that
// is not RFC 3339) it returns an error naming the column and the cause, and
// appends nothing.
//
// b.Raw entries appended by Append are contiguous in b.RawBuf; when RawBuf
// grows, Append re-slices every b.Raw entry into the new buffer, so callers
// that use Append must not put other bytes in RawBuf.
func (d *Decoder) Append(b *coldata.Batch, payload []byte, offset int64) error {
	// A UTF-8 byte-order mark (an editor's, at the start of a file) is not
	// part of the JSON text.
	v, err := d.parser.ParseBytes(bytes.TrimPrefix(payload, utf8BOM))
	if err != nil {
		return fmt.Errorf("invalid JSON: %s", shortParseError(err.Error()))
	}
	obj, err := v.Object()
	if err != nil {
		return fmt.Errorf("not a JSON object (got %s)", v.Type())
	}
	clear(d.vals)
	obj.Visit(d.visit)
	if err := d.convert(); err != nil {
		return err
	}
	d.appendRow(b)
	b.Offset = append(b.Offset, offset)
	appendRaw(b, payload)
	b.Len++
	return nil
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// The TIMESTAMP range, in epoch milliseconds: 0001-01-01T00:00:00.000Z to
// 9999-12-31T23:59:59.999Z, the years RFC 3339 can write. Beyond it window
// bounds would overflow.
const (
	MinTimestampMs = -62135596800000
	MaxTimestampMs = 253402300799999
)

// convert checks and converts every recorded value into the scratch slots;
// a nil slot afterwards means NULL.
func (d *Decoder) convert() error {
	for i, v := range d.vals {
		if v == nil || v.Type() == fastjson.TypeNull {
			if i == d.timeCol {
				if v == nil {
					return fmt.Errorf("column %q: missing event-time field", d.schema[i].Name)
				}
				return fmt.Errorf("column %q: event-time field is null", d.schema[i].Name)
			}
			d.vals[i] = nil
			continue
		}
		col := d.schema[i]
		switch col.Type {
		case catalog.Bigint:
			n, ok := integral(v)
			if !ok {
				return typeError(col, v)
			}
			d.i64[i] = n
		case catalog.Timestamp:
			switch v.Type() {
			case fastjson.TypeString:
				ms, err := ParseRFC3339Millis(v.GetStringBytes())
				if err == ErrTimestampRange {
					return fmt.Errorf("column %q: %q is outside the TIMESTAMP range (years 0001 to 9999)", col.Name, v.GetStringBytes())
				}
				if err != nil {
					return fmt.Errorf("column %q: %q is not an RFC 3339 timestamp", col.Name, v.GetStringBytes())
				}
				d.i64[i] = ms
			case fastjson.TypeNumber:
				n, ok := integral(v)
				if !ok {
					return fmt.Errorf("column %q: expected TIMESTAMP (RFC 3339 string or integral epoch milliseconds), got %s", col.Name, v)
				}
				if n < MinTimestampMs || n > MaxTimestampMs {
					return fmt.Errorf("column %q: epoch milliseconds %d are outside the TIMESTAMP range (years 0001 to 9999)", col.Name, n)
				}
				d.i64[i] = n
			default:
				return typeError(col, v)
			}
		case catalog.Double:
			if v.Type() != fastjson.TypeNumber {
				return typeError(col, v)
			}
			f, err := v.Float64()
			if err != nil {
				return typeError(col, v)
			}
			if math.IsInf(f, 0) || math.IsNaN(f) {
				// NaN is not JSON, and 1e400 overflows a DOUBLE: neither is
				// a value a producer meant.
				return fmt.Errorf("column %q: number %s is out of the range of DOUBLE", col.Name, v)
			}
			d.f64[i] = f
		case catalog.Varchar:
			if v.Type() != fastjson.TypeString {
				return typeError(col, v)
			}
			s, err := d.varchar(i)
			if err != nil {
				return err
			}
			d.str[i] = s
		case catalog.Boolean:
			switch v.Type() {
			case fastjson.TypeTrue:
				d.boolv[i] = true
			case fastjson.TypeFalse:
				d.boolv[i] = false
			default:
				return typeError(col, v)
			}
		default:
			return fmt.Errorf("column %q: unsupported type %s", col.Name, col.Type)
		}
	}
	return nil
}

// integral returns v as an int64 when it is a JSON number with an integral
// value within int64 range.
func integral(v *fastjson.Value) (int64, bool) {
	if v.Type() != fastjson.TypeNumber {
		return 0, false
	}
	if n, err := v.Int64(); err == nil {
		return n, true
	}
	f, err := v.Float64()
	if err != nil || f != math.Trunc(f) || f < -9.223372036854775e18 || f > 9.223372036854775e18 {
		return 0, false
	}
	return int64(f), true
}

func typeError(col catalog.Column, v *fastjson.Value) error {
	return fmt.Errorf("column %q: expected %s, got %s", col.Name, col.Type, jsonKind(v))
}

func jsonKind(v *fastjson.Value) string {
	switch v.Type() {
	case fastjson.TypeNumber:
		return "number " + v.String()
	case fastjson.TypeString:
		return "string"
	case fastjson.TypeTrue, fastjson.TypeFalse:
		return "boolean"
	case fastjson.TypeObject:
		return "object"
	case fastjson.TypeArray:
		return "array"
	}
	return v.Type().String()
}

// appendRow appends the converted scratch slots to b's vectors.
func (d *Decoder) appendRow(b *coldata.Batch) {
	for i := range d.schema {
		vec := b.Cols[i]
		if d.vals[i] == nil {
			vec.AppendNull()
			continue
		}
		switch vec.Type {
		case catalog.Bigint, catalog.Timestamp:
			vec.I64 = append(vec.I64, d.i64[i])
		case catalog.Double:
			vec.F64 = append(vec.F64, d.f64[i])
		case catalog.Varchar:
			vec.Str = append(vec.Str, d.str[i])
		case catalog.Boolean:
			vec.Bool = append(vec.Bool, d.boolv[i])
		}
	}
}

// appendRaw copies payload to b.RawBuf and records it in b.Raw, re-slicing
// earlier entries when RawBuf had to grow.
func appendRaw(b *coldata.Batch, payload []byte) {
	start := len(b.RawBuf)
	if cap(b.RawBuf)-start < len(payload) {
		grown := make([]byte, start, 2*cap(b.RawBuf)+len(payload)+4096)
		copy(grown, b.RawBuf)
		b.RawBuf = grown
		pos := 0
		for j, r := range b.Raw {
			n := len(r)
			b.Raw[j] = grown[pos : pos+n : pos+n]
			pos += n
		}
	}
	b.RawBuf = append(b.RawBuf, payload...)
	end := len(b.RawBuf)
	b.Raw = append(b.Raw, b.RawBuf[start:end:end])
}

// maxParseContext is how many of fastjson's "cannot parse ...: " context
// segments a parse error keeps at each end.
const maxParseContext = 3

// shortParseError shortens fastjson's error text, which nests one
// "cannot parse array: cannot parse array value: " per level (14 KB for a
// 2000-deep array): past 2·maxParseContext segments the middle ones become
// "...", keeping the outer context and the cause.
func shortParseError(msg string) string {
	segs := strings.Split(msg, ": ")
	if len(segs) <= 2*maxParseContext {
		return msg
	}
	kept := append(segs[:maxParseContext:maxParseContext], "...")
	return strings.Join(append(kept, segs[len(segs)-maxParseContext:]...), ": ")
}
