package pgwire

import (
	"bytes"
	"encoding/binary"
	"math"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/weirdb/weir/catalog"
)

// typeOID maps a weir type to the Postgres type OID sent in RowDescription.
func typeOID(t catalog.Type) uint32 {
	switch t {
	case catalog.Bigint:
		return oidInt8
	case catalog.Double:
		return oidFloat8
	case catalog.Boolean:
		return oidBool
	case catalog.Timestamp:
		return oidTimestamptz
	}
	return oidText
}

func typeSize(t catalog.Type) int16 {
	switch t {
	case catalog.Bigint, catalog.Double, catalog.Timestamp:
		return 8
	case catalog.Boolean:
		return 1
	}
	return -1
}

// pgTypeName is the name format_type and information_schema give a type.
func pgTypeName(t catalog.Type) string {
	switch t {
	case catalog.Bigint:
		return "bigint"
	case catalog.Double:
		return "double precision"
	case catalog.Boolean:
		return "boolean"
	case catalog.Timestamp:
		return "timestamp with time zone"
	}
	return "text"
}

// formatFor returns the result format of column i given Bind's result
// format codes: none means text, one applies to all.
func formatFor(formats []int16, i int) int16 {
	switch {
	case len(formats) == 0:
		return 0
	case len(formats) == 1:
		return formats[0]
	case i < len(formats):
		return formats[i]
	}
	return 0
}

// rowDescription builds the RowDescription of cols with the given formats.
func rowDescription(cols []Column, formats []int16) *pgproto3.RowDescription {
	fields := make([]pgproto3.FieldDescription, len(cols))
	for i, c := range cols {
		fields[i] = pgproto3.FieldDescription{
			Name:         []byte(c.Name),
			DataTypeOID:  typeOID(c.Type),
			DataTypeSize: typeSize(c.Type),
			TypeModifier: -1,
			Format:       formatFor(formats, i),
		}
	}
	return &pgproto3.RowDescription{Fields: fields}
}

// checkFormats refuses result format codes other than text and binary, or
// a count that matches neither 0, 1 nor the number of columns.
func checkFormats(formats []int16, ncols int) error {
	if len(formats) > 1 && len(formats) != ncols {
		return errorf(codeProtocolViolation, "bind message has %d result formats but query has %d columns", len(formats), ncols)
	}
	for _, f := range formats {
		if f != 0 && f != 1 {
			return errorf(codeProtocolViolation, "unsupported format code: %d", f)
		}
	}
	return nil
}

// rowEncoder turns Rows into DataRow messages, reusing its buffers.
type rowEncoder struct {
	arena  []byte
	offs   []int
	values [][]byte
	msg    pgproto3.DataRow
}

// encode returns a DataRow for row, valid until the next call. The row must
// have one Value per column; missing values are sent as NULL.
func (e *rowEncoder) encode(cols []Column, formats []int16, row Row) *pgproto3.DataRow {
	e.arena = e.arena[:0]
	e.offs = e.offs[:0]
	for i, c := range cols {
		if i >= len(row) || row[i].Null {
			e.offs = append(e.offs, -1)
			continue
		}
		e.offs = append(e.offs, len(e.arena))
		e.arena = appendValue(e.arena, c.Type, formatFor(formats, i) == 1, &row[i])
	}
	e.values = e.values[:0]
	for i, o := range e.offs {
		if o < 0 {
			e.values = append(e.values, nil)
			continue
		}
		end := len(e.arena)
		for j := i + 1; j < len(e.offs); j++ {
			if e.offs[j] >= 0 {
				end = e.offs[j]
				break
			}
		}
		e.values = append(e.values, e.arena[o:end:end])
	}
	e.msg.Values = e.values
	return &e.msg
}

// appendValue appends v's text or binary encoding as type t.
func appendValue(dst []byte, t catalog.Type, binaryFormat bool, v *Value) []byte {
	switch t {
	case catalog.Bigint:
		if binaryFormat {
			return binary.BigEndian.AppendUint64(dst, uint64(v.I))
		}
		return strconv.AppendInt(dst, v.I, 10)
	case catalog.Double:
		if binaryFormat {
			return binary.BigEndian.AppendUint64(dst, math.Float64bits(v.F))
		}
		return appendFloatText(dst, v.F)
	case catalog.Boolean:
		if binaryFormat {
			if v.B {
				return append(dst, 1)
			}
			return append(dst, 0)
		}
		if v.B {
			return append(dst, 't')
		}
		return append(dst, 'f')
	case catalog.Timestamp:
		if binaryFormat {
			return binary.BigEndian.AppendUint64(dst, uint64((v.I-pgEpochMs)*1000))
		}
		return appendTimestampText(dst, v.I)
	}
	return append(dst, v.S...)
}

// appendFloatText formats f as PostgreSQL's float8out does with
// extra_float_digits >= 1 (the default of PostgreSQL 12 and later): the
// shortest text that reads back exactly, in positional notation when the
// decimal exponent is from -4 to 14 (4000000, 0.0001, 123456789012345.6)
// and in exponent notation otherwise (1e+15, 1e-05, 1.2345678901234568e+17);
// NaN, Infinity, -Infinity.
func appendFloatText(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(dst, "-0"...)
		}
		return append(dst, '0')
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'e', -1, 64)
	e := bytes.LastIndexByte(dst[start:], 'e')
	exp, _ := strconv.Atoi(string(dst[start+e+1:]))
	if exp < -4 || exp >= 15 {
		return dst
	}
	return strconv.AppendFloat(dst[:start], f, 'f', -1, 64)
}

// appendTimestampText formats ms since the epoch as timestamptz text in
// UTC: "2026-11-09 14:35:00+00", with ".123" when there are milliseconds.
func appendTimestampText(dst []byte, ms int64) []byte {
	t := time.UnixMilli(ms).UTC()
	dst = t.AppendFormat(dst, "2006-01-02 15:04:05")
	if frac := ms % 1000; frac != 0 {
		if frac < 0 {
			frac += 1000
		}
		dst = append(dst, '.')
		d := []byte{byte('0' + frac/100), byte('0' + frac/10%10), byte('0' + frac%10)}
		for len(d) > 0 && d[len(d)-1] == '0' {
			d = d[:len(d)-1]
		}
		dst = append(dst, d...)
	}
	return append(dst, "+00"...)
}

// Float8Text is f as PostgreSQL's float8 output prints it (see
// appendFloatText), for the engine's own text rendering of DOUBLE (the
// in-process REPL prints what psql does).
func Float8Text(f float64) string { return string(appendFloatText(nil, f)) }
