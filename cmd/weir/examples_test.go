package main

import (
	"bufio"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestExamples runs every examples/*.sql (not examples/kafka/, which needs a
// broker) as a user would, from the repository root, and checks exit 0 and
// non-empty, well-formed jsonl output: every line a JSON object whose _emit
// is early, final or late, and at least one final row.
func TestExamples(t *testing.T) {
	t.Chdir("../..")
	files, err := filepath.Glob("examples/*.sql")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			code, out, errw := runWeir("--format", "jsonl", f)
			require.Equal(t, exitOK, code, errw)
			require.NotEmpty(t, out, "no rows")
			finals := 0
			sc := bufio.NewScanner(strings.NewReader(out))
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				var row map[string]any
				require.NoError(t, json.Unmarshal(sc.Bytes(), &row), sc.Text())
				emit, _ := row["_emit"].(string)
				require.Contains(t, []string{"early", "final", "late"}, emit, sc.Text())
				require.Greater(t, len(row), 1, sc.Text())
				if emit == "final" {
					finals++
				}
			}
			require.NoError(t, sc.Err())
			require.Positive(t, finals, "no final row")
		})
	}
}
