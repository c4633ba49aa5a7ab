package sql

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/require"
)

// TestParse runs testdata/parse (statements that parse: the output is
// Format of each statement, checked to round-trip) and testdata/error
// (statements that don't: the output is the positioned error and its code).
func TestParse(t *testing.T) {
	for _, path := range []string{"testdata/parse", "testdata/error"} {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "parse":
				stmts, err := Parse(d.Input)
				if err != nil {
					return "error: " + err.Error() + "\n"
				}
				var b strings.Builder
				for _, s := range stmts {
					out := Format(s)
					requireRoundTrip(t, s, out)
					b.WriteString(out + "\n")
					if d.HasArg("pos") {
						b.WriteString(dumpPositions(s))
					}
				}
				return b.String()
			case "error":
				_, err := Parse(d.Input)
				if err == nil {
					return "no error\n"
				}
				var e *Error
				require.ErrorAs(t, err, &e)
				return fmt.Sprintf("%s (%s)\n", err.Error(), e.Code)
			}
			t.Fatalf("unknown command %q", d.Cmd)
			return ""
		})
	}
}

// requireRoundTrip checks that the formatted text parses back to the same
// AST, positions and statement text aside.
func requireRoundTrip(t *testing.T, s Statement, out string) {
	t.Helper()
	again, err := Parse(out)
	require.NoError(t, err, "reparsing %q", out)
	require.Len(t, again, 1, "reparsing %q", out)
	require.Equal(t, stripPositions(s), stripPositions(again[0]), "round trip of %q", out)
	require.Equal(t, out, Format(again[0]))
}

// stripPositions returns a deep copy of v with every Pos and statement
// text zeroed.
func stripPositions(v any) any {
	rv := reflect.ValueOf(v)
	cp := reflect.New(rv.Type()).Elem()
	copyStripped(cp, rv)
	return cp.Interface()
}

var posType = reflect.TypeOf(Pos{})

func copyStripped(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		n := reflect.New(src.Type().Elem())
		copyStripped(n.Elem(), src.Elem())
		dst.Set(n)
	case reflect.Interface:
		if src.IsNil() {
			return
		}
		n := reflect.New(src.Elem().Type()).Elem()
		copyStripped(n, src.Elem())
		dst.Set(n)
	case reflect.Struct:
		if src.Type() == posType {
			return
		}
		for i := 0; i < src.NumField(); i++ {
			if src.Type().Field(i).Name == "Src" {
				continue
			}
			copyStripped(dst.Field(i), src.Field(i))
		}
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		n := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := 0; i < src.Len(); i++ {
			copyStripped(n.Index(i), src.Index(i))
		}
		dst.Set(n)
	default:
		dst.Set(src)
	}
}

// dumpPositions lists "line:col node" for every positioned node, in walk order.
func dumpPositions(v any) string {
	var b strings.Builder
	var walk func(rv reflect.Value, label string)
	walk = func(rv reflect.Value, label string) {
		switch rv.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !rv.IsNil() {
				walk(rv.Elem(), label)
			}
		case reflect.Struct:
			if rv.Type() == posType {
				p := rv.Interface().(Pos)
				if p == (Pos{}) && (strings.HasSuffix(label, "LimitAt") || strings.HasSuffix(label, "OffsetAt") || strings.HasSuffix(label, "CountAt") || strings.HasSuffix(label, "DistinctAt")) {
					return // no LIMIT, OFFSET, count or DISTINCT
				}
				fmt.Fprintf(&b, "  %d:%d %s\n", p.Line, p.Col, label)
				return
			}
			name := rv.Type().Name()
			for i := 0; i < rv.NumField(); i++ {
				f := rv.Type().Field(i)
				l := name + "." + f.Name
				if f.Type == posType && (f.Name == "At" || f.Name == "TimeColAt") {
					l = name + describeNode(rv)
					if f.Name == "TimeColAt" {
						l = name + ".TimeCol"
					}
				}
				walk(rv.Field(i), l)
			}
		case reflect.Slice:
			for i := 0; i < rv.Len(); i++ {
				walk(rv.Index(i), label)
			}
		}
	}
	walk(reflect.ValueOf(v), "")
	return b.String()
}

// describeNode adds a node's distinguishing detail to a position line.
func describeNode(rv reflect.Value) string {
	switch n := rv.Addr().Interface().(type) {
	case *ColumnRef:
		return " " + n.Name
	case *Func:
		return " " + n.Name
	case *Literal, *Binary, *Unary, *Cast, *Case, *IsNull, *In, *Between, *Like, *Regex, *Interval:
		return " " + Format(n)
	case *TableRef:
		return " " + n.Name
	case *ColumnDef:
		return " " + n.Name
	case *Option:
		return " " + n.Key
	}
	return ""
}
