package planner

import (
	"fmt"
	"strings"

	"github.com/weirdb/weir/sql"
)

// SQLSTATE codes of planning errors.
const (
	codeUndefinedTable    = "42P01"
	codeUndefinedColumn   = "42703"
	codeAmbiguousColumn   = "42702"
	codeGrouping          = "42803"
	codeDatatypeMismatch  = "42804"
	codeUndefinedFunction = "42883"
	codeCannotCoerce      = "42846"
	codeDuplicateColumn   = "42701"
	codeUndefinedObject   = "42704"
	codeInvalidParameter  = "22023"
	codeOutOfRange        = "22003"
	codeInvalidText       = "22P02"
	codeInvalidDefinition = "42P16"
	codeUnsupported       = "0A000"
	codeSyntax            = "42601"
	codeInvalidEscape     = "22025"
	codeReservedName      = "42939"
)

// errf returns a positioned planning error. Its message is for the user:
// no package prefix, SQL spellings of operators and types.
func errf(at sql.Pos, code, format string, args ...any) *sql.Error {
	return &sql.Error{At: at, Code: code, Msg: fmt.Sprintf(format, args...)}
}

// didYouMean returns ` (did you mean "x"?)` when one of candidates is close
// to name, else "".
func didYouMean(name string, candidates []string) string {
	best, bestD := "", 0
	lname := strings.ToLower(name)
	for _, c := range candidates {
		d := editDistance(lname, strings.ToLower(c))
		if best == "" || d < bestD {
			best, bestD = c, d
		}
	}
	limit := max(1, len(name)/3)
	if best == "" || bestD > limit {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the optimal-string-alignment distance between a and b
// (bytes): insertions, deletions, substitutions and transpositions of
// adjacent characters each cost 1.
func editDistance(a, b string) int {
	rows := make([][]int, len(a)+1)
	for i := range rows {
		rows[i] = make([]int, len(b)+1)
		rows[i][0] = i
	}
	for j := range rows[0] {
		rows[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d := min(rows[i-1][j]+1, rows[i][j-1]+1, rows[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d = min(d, rows[i-2][j-2]+1)
			}
			rows[i][j] = d
		}
	}
	return rows[len(a)][len(b)]
}
