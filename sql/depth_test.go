package sql

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A statement nested deeper than MaxNesting is refused with 54001 at the
// token that goes past the limit, and refused promptly: 100k levels of
// parentheses, NOT, unary minus, a + chain or an OR chain used to take
// from seconds to minutes (a hang here fails by the test timeout).
func TestNestingLimit(t *testing.T) {
	const n = 100_000
	for name, c := range map[string]struct {
		script string
		col    int // the column of the token past the limit
	}{
		// SELECT and a space are 7 characters: the 10001st '(' is at 7+10001.
		"parens": {"SELECT " + strings.Repeat("(", n) + "1" + strings.Repeat(")", n) + " AS x FROM s;", 7 + MaxNesting + 1},
		// Each "NOT " is 4 characters: the 10001st NOT starts at 7+4*10000+1.
		"not":   {"SELECT " + strings.Repeat("NOT ", n) + "true AS x FROM s;", 7 + 4*MaxNesting + 1},
		"minus": {"SELECT " + strings.Repeat("- ", n) + "1 AS x FROM s;", 7 + 2*MaxNesting + 1},
		// "1 + " is 4 characters; the 10001st + is the 3rd character of the
		// 10001st of them.
		"plus": {"SELECT " + strings.Repeat("1 + ", n) + "1 AS x FROM s;", 7 + 4*MaxNesting + 3},
		// An OR list counts once against MaxNesting, but each OR against
		// MaxOperatorDepth: (k = 'a' OR k = 'a') OR ... is one level deeper
		// per OR. "k = 'a' OR " is 11 characters: after the 100000th OR
		// (its 9th character) the first '=' is 100001 operators deep.
		"or": {"SELECT k FROM s WHERE " + strings.Repeat("k = 'a' OR ", n) + "true;", 22 + 11*(MaxOperatorDepth-1) + 9},
		// A group at the start of a + chain is under every + of the chain,
		// those after it too: in 3 parentheses, x then 5000 "+ 1" in each,
		// x is 2 + 4998 + 1 + 5000 = 10001 levels deep at the 4998th "+ 1"
		// after the innermost ')', whose '+' is at 22 + 3 + 1 + 4*5000 + 1
		// + 4*4997 + 2.
		"plus after group": {"SELECT k FROM s WHERE " + strings.Repeat("(", 3) + "x" +
			strings.Repeat(strings.Repeat(" + 1", 5000)+")", 3) + " > 0;", 40017},
		// So is a group at the start of an OR list: 30 parentheses, k = 'a'
		// then 4000 " OR k = 'a'" in each. The innermost level is 4001
		// deep, each enclosing one 4001 more; at the j-th OR of the level
		// m out from the innermost, k = 'a' is 31 + 4000m + j deep: 100001
		// at m = 24, j = 3970. Before that level: 22 + 30, the innermost
		// level's 7 + 11*4000 + 1 characters and 23 levels of 11*4000 + 1.
		"or after group": {"SELECT k FROM s WHERE " + strings.Repeat("(", 30) + "k = 'a'" +
			strings.Repeat(strings.Repeat(" OR k = 'a'", 4000)+")", 30) + ";", 52 + 44008 + 23*44001 + 11*3969 + 2},
		// IS is an operator and the FROM of IS DISTINCT FROM no clause (a
		// million of them crashed with a stack overflow): " IS DISTINCT
		// FROM b" is 19 characters, the 10001st IS 2 into the 10001st.
		"is distinct from": {"SELECT k FROM s WHERE b" + strings.Repeat(" IS DISTINCT FROM b", n) + ";", 23 + 19*MaxNesting + 2},
		// "CASE WHEN true THEN " is 20 characters.
		"case": {"SELECT " + strings.Repeat("CASE WHEN true THEN ", n) + "1" + strings.Repeat(" END", n) + " AS x FROM s;", 7 + 20*MaxNesting + 1},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(c.script)
			var se *Error
			require.True(t, errors.As(err, &se), "%v", err)
			require.Equal(t, CodeStackDepth, se.Code)
			require.Contains(t, se.Msg, "stack depth limit exceeded")
			require.Equal(t, 1, se.At.Line)
			require.Equal(t, c.col, se.At.Col)
		})
	}
}

// Nesting up to the limit parses, and a long flat list does not count as
// nesting: commas start a new expression.
func TestNestingWithinLimit(t *testing.T) {
	const n = MaxNesting - 10
	_, err := Parse("SELECT " + strings.Repeat("(", n) + "1" + strings.Repeat(")", n) + " AS x FROM s;")
	require.NoError(t, err)
	_, err = Parse(longInList(4 * MaxNesting))
	require.NoError(t, err)
}

// An AND or OR list counts once against MaxNesting, as PostgreSQL, which
// flattens such lists, counts it: 20,000 OR'd equalities, 20,000 AND'd
// comparisons and 20,000 OR'd pairs of AND'd comparisons parse (each was
// refused, its operators summed as levels, at 5001 terms).
func TestNestingLongLists(t *testing.T) {
	const n = 20_000
	terms := func(f func(i int) string, sep string) string {
		var sb strings.Builder
		for i := range n {
			if i > 0 {
				sb.WriteString(sep)
			}
			sb.WriteString(f(i))
		}
		return sb.String()
	}
	for name, where := range map[string]string{
		"or":     terms(func(i int) string { return fmt.Sprintf("k = 'v%d'", i) }, " OR "),
		"and":    terms(func(i int) string { return fmt.Sprintf("x <> %d", i) }, "\nAND "),
		"or/and": terms(func(i int) string { return fmt.Sprintf("(k = 'v%d' AND x > %d)", i, i) }, " OR "),
	} {
		t.Run(name, func(t *testing.T) {
			stmts, err := Parse("SELECT k FROM s WHERE " + where + ";")
			require.NoError(t, err)
			require.Len(t, stmts, 1)
		})
	}
}
