package sql

import (
	"os"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics and that, for inputs that parse,
// Format → Parse → Format is stable.
func FuzzParse(f *testing.F) {
	for _, path := range []string{"testdata/parse", "testdata/error"} {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		for _, in := range goldenInputs(string(data)) {
			f.Add(in)
		}
	}
	f.Fuzz(func(t *testing.T, script string) {
		stmts, err := Parse(script)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		for _, s := range stmts {
			out := Format(s)
			again, err := Parse(out)
			if err != nil {
				t.Fatalf("Format output %q (from %q) does not parse: %v", out, script, err)
			}
			if len(again) != 1 {
				t.Fatalf("Format output %q gives %d statements", out, len(again))
			}
			if out2 := Format(again[0]); out2 != out {
				t.Fatalf("unstable format:\n%s\n%s", out, out2)
			}
		}
	})
}

// goldenInputs returns the input of each case of a datadriven file: the
// lines between a command line and its "----".
func goldenInputs(file string) []string {
	var out []string
	var cur []string
	in := false
	for _, line := range strings.Split(file, "\n") {
		switch {
		case line == "parse" || strings.HasPrefix(line, "parse ") || line == "error":
			in, cur = true, nil
		case line == "----" && in:
			out = append(out, strings.Join(cur, "\n"))
			in = false
		case in:
			cur = append(cur, line)
		}
	}
	return out
}
