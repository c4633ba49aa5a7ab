package jsondec

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/require"
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// TestDecoder runs testdata/decoder. Directives:
//
//	schema [time=COL]   input: one "name TYPE" per line
//	decode              input: one payload per line; prints each row or error
func TestDecoder(t *testing.T) {
	datadriven.RunTest(t, "testdata/decoder", func(t *testing.T, td *datadriven.TestData) string {
		return runDirective(t, td)
	})
}

var (
	curSchema catalog.Schema
	curTime   = -1
)

func runDirective(t *testing.T, td *datadriven.TestData) string {
	switch td.Cmd {
	case "schema":
		curSchema = nil
		for _, line := range strings.Split(strings.TrimSpace(td.Input), "\n") {
			f := strings.Fields(line)
			typ, ok := catalog.ParseType(f[1])
			require.True(t, ok, f[1])
			curSchema = append(curSchema, catalog.Column{Name: f[0], Type: typ})
		}
		curTime = -1
		if td.HasArg("time") {
			var c string
			td.ScanArgs(t, "time", &c)
			curTime = curSchema.Index(c)
		}
		return "ok"
	case "decode":
		d := New(curSchema, curTime)
		b := coldata.NewBatch(curSchema, 4)
		var out strings.Builder
		for n, line := range strings.Split(td.Input, "\n") {
			before := b.Len
			if err := d.Append(b, []byte(line), int64(n+1)); err != nil {
				require.Equal(t, before, b.Len)
				for _, v := range b.Cols {
					require.Equal(t, before, v.Len())
				}
				fmt.Fprintf(&out, "%d: error: %v\n", n+1, err)
				continue
			}
			fmt.Fprintf(&out, "%d: %s\n", n+1, formatRow(b, curSchema, b.Len-1))
		}
		for i := 0; i < b.Len; i++ {
			require.Equal(t, b.Offset[i], b.Offset[i])
			require.NotEmpty(t, b.Raw[i])
		}
		fmt.Fprintf(&out, "rows=%d", b.Len)
		return out.String()
	}
	t.Fatalf("unknown directive %q", td.Cmd)
	return ""
}

func formatRow(b *coldata.Batch, schema catalog.Schema, i int) string {
	var sb strings.Builder
	for c, col := range schema {
		if c > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(col.Name)
		sb.WriteByte('=')
		v := b.Cols[c]
		if v.Nulls.IsNull(i) {
			sb.WriteString("NULL")
			continue
		}
		switch col.Type {
		case catalog.Timestamp:
			sb.WriteString(time.UnixMilli(v.I64[i]).UTC().Format("2006-01-02T15:04:05.000Z"))
		case catalog.Bigint:
			fmt.Fprintf(&sb, "%d", v.I64[i])
		case catalog.Double:
			fmt.Fprintf(&sb, "%g", v.F64[i])
		case catalog.Varchar:
			fmt.Fprintf(&sb, "%q", v.Str[i])
		case catalog.Boolean:
			fmt.Fprintf(&sb, "%t", v.Bool[i])
		}
	}
	return sb.String()
}

func TestRawSurvivesGrowth(t *testing.T) {
	schema := catalog.Schema{{Name: "a", Type: catalog.Bigint}}
	d := New(schema, -1)
	b := coldata.NewBatch(schema, 0)
	var want []string
	for i := 0; i < 500; i++ {
		p := fmt.Sprintf(`{"a": %d, "pad": "%s"}`, i, strings.Repeat("x", i%37))
		want = append(want, p)
		buf := []byte(p)
		require.NoError(t, d.Append(b, buf, int64(i)))
		buf[0] = '#' // the batch must hold its own copy
	}
	require.Equal(t, 500, b.Len)
	for i, w := range want {
		require.Equal(t, w, string(b.Raw[i]))
		require.Equal(t, int64(i), b.Cols[0].I64[i])
		require.Equal(t, int64(i), b.Offset[i])
	}
}

func TestRFC3339(t *testing.T) {
	for _, s := range []string{
		"2026-11-09T14:35:00Z", "2026-11-09T14:35:00.123Z", "2026-11-09T14:35:00.1234567+05:30",
		"1969-12-31T23:59:59.999Z", "2024-02-29T00:00:00-08:00", "0001-01-01T00:00:00Z",
		"9999-12-31T23:59:59.999Z", "2000-03-01t00:00:00z", "1970-01-01 00:00:00Z",
	} {
		got, err := ParseRFC3339Millis([]byte(s))
		require.NoError(t, err, s)
		ts, err := time.Parse(time.RFC3339Nano, strings.Replace(strings.ToUpper(s), " ", "T", 1))
		require.NoError(t, err, s)
		require.Equal(t, ts.UnixMilli(), got, s)
	}
	for _, s := range []string{
		"", "2026-11-09", "2026-11-09T14:35:00", "2026-13-09T14:35:00Z", "2026-02-29T00:00:00Z",
		"2026-11-09T24:00:00Z", "2026-11-09T14:35:00.Z", "2026-11-09T14:35:00+0200",
		"2026-11-09T14:35:60Z", "2026-11-09X14:35:00Z", "2026-11-0aT14:35:00Z", "2026-11-09T14:35:00+24:00",
	} {
		_, err := ParseRFC3339Millis([]byte(s))
		require.Error(t, err, s)
		require.NotEqual(t, ErrTimestampRange, err, s)
	}
	// Well formed, but outside years 0001 to 9999 in UTC.
	for _, s := range []string{
		"0000-01-01T00:00:00.000Z", "0000-12-31T23:59:59.999Z", "9999-12-31T23:30:00.000-01:00",
		"0001-01-01T00:30:00+01:00",
	} {
		_, err := ParseRFC3339Millis([]byte(s))
		require.Equal(t, ErrTimestampRange, err, s)
	}
}

// FuzzAppend checks that no input makes the decoder panic or leave a
// half-appended row, that VARCHAR values are valid UTF-8, and that they are
// what encoding/json decodes when it accepts the event.
func FuzzAppend(f *testing.F) {
	f.Add([]byte(`{"ts":"2026-01-01T00:00:00Z","n":1,"s":"x","b":true,"d":1.5}`))
	f.Add([]byte(`{"ts":1,"s":"\ud800\u0041"}`))
	f.Add([]byte("{\"ts\":1,\"s\":\"a\xffb\"}"))
	f.Add([]byte(`{"ts":1,"n":1.5}`))
	f.Add([]byte(`[1]`))
	schema := catalog.Schema{
		{Name: "ts", Type: catalog.Timestamp}, {Name: "n", Type: catalog.Bigint},
		{Name: "s", Type: catalog.Varchar}, {Name: "b", Type: catalog.Boolean}, {Name: "d", Type: catalog.Double},
	}
	d := New(schema, 0)
	f.Fuzz(func(t *testing.T, p []byte) {
		b := coldata.NewBatch(schema, 1)
		err := d.Append(b, p, 1)
		want := 1
		if err != nil {
			want = 0
		}
		require.Equal(t, want, b.Len)
		for _, v := range b.Cols {
			require.Equal(t, want, v.Len())
		}
		if err != nil || b.Cols[2].Nulls.IsNull(0) {
			return
		}
		s := b.Cols[2].Str[0]
		require.True(t, utf8.ValidString(s), "%q", s)
		var ref map[string]any
		if json.Unmarshal(p, &ref) == nil {
			// encoding/json matches keys exactly; the decoder takes the
			// last of the keys equal to "s" case-insensitively.
			var last any
			for k, v := range ref {
				if strings.EqualFold(k, "s") {
					last = v
				}
			}
			if len(ref) > 0 && countFold(ref, "s") == 1 {
				require.Equal(t, last, s)
			}
		}
	})
}

// countFold counts the keys of m equal to key case-insensitively.
func countFold(m map[string]any, key string) int {
	n := 0
	for k := range m {
		if strings.EqualFold(k, key) {
			n++
		}
	}
	return n
}

// A 2000-deep array makes fastjson nest one "cannot parse array: cannot
// parse array value: " per level (14 KB); the dead letter's detail keeps
// the three outer segments, "...", and the three inner ones.
func TestDeepNestingErrorIsShort(t *testing.T) {
	schema := catalog.Schema{{Name: "ts", Type: catalog.Timestamp}, {Name: "k", Type: catalog.Varchar}}
	d := New(schema, 0)
	line := `{"ts":0,"k":` + strings.Repeat("[", 2000) + "1" + strings.Repeat("]", 2000) + "}"
	b := coldata.NewBatch(schema, 0)
	err := d.Append(b, []byte(line), 0)
	require.Error(t, err)
	msg := err.Error()
	require.True(t, strings.HasPrefix(msg, "invalid JSON: cannot parse JSON: cannot parse object: cannot parse object value: ...: "), msg)
	require.Contains(t, msg, "too big depth for the nested JSON")
	require.Less(t, len(msg), 400, msg)
	require.Equal(t, 0, b.Len)
}
