package sql

import (
	"errors"
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
		// "k = 'a' OR " is 11 characters with two operators: the 10001st
		// operator is the '=' of the 5001st, its 3rd character.
		"or": {"SELECT k FROM s WHERE " + strings.Repeat("k = 'a' OR ", n) + "true;", 22 + 11*(MaxNesting/2) + 3},
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
