package expr

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
)

// TestParseTimestampForms: PostgreSQL's timestamptz text (what psql shows
// for the server's TIMESTAMP columns) reads back. 2026-01-01T00:00:00Z is
// 20454 days after the epoch (56 years, 14 of them leap: 1972…2024), i.e.
// 1767225600 s; 10:01:00 adds 36060 s.
func TestParseTimestampForms(t *testing.T) {
	const at1001 = int64(1767261660000)
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"2026-01-01 10:01:00+00", at1001, true},
		{"2026-01-01 10:01:00+0000", at1001, true},
		{"2026-01-01 10:01:00+00:00", at1001, true},
		{"2026-01-01 10:01:00Z", at1001, true},
		{"2026-01-01 10:01:00", at1001, true},
		{"2026-01-01T10:01:00+00", at1001, true},
		{"2026-01-01T10:01:00", at1001, true},
		{"2026-01-01T10:01:00Z", at1001, true},
		{"2026-01-01 10:01", at1001, true},
		{"2026-01-01T10:01+00:00", at1001, true},
		// Fractions: milliseconds kept, anything finer truncated.
		{"2026-01-01 10:01:00.5+00", at1001 + 500, true},
		{"2026-01-01 10:01:00.123456+00", at1001 + 123, true},
		{"2026-01-01T10:01:00.042Z", at1001 + 42, true},
		// Offsets: 10:01 at +05:30 is 04:31 UTC (-19800 s); at -08 18:01 UTC (+28800 s).
		{"2026-01-01 10:01:00+05:30", at1001 - 19_800_000, true},
		{"2026-01-01 10:01:00+0530", at1001 - 19_800_000, true},
		{"2026-01-01 10:01:00-08", at1001 + 28_800_000, true},
		{"2026-01-01", 1767225600000, true},
		// Not timestamps.
		{"", 0, false},
		{"2026-01-01x10:01:00", 0, false},
		{"2026-01-01 10:01:00+5", 0, false},
		{"2026-01-01 10:01:00+05:30:00", 0, false},
		{"2026-13-01 10:01:00", 0, false},
		{"2026-01-01 25:01:00+00", 0, false},
		{"yesterday", 0, false},
		{"2026-01-01 10:01:00 UTC", 0, false},
	} {
		got, ok := ParseTimestamp(tc.in)
		require.Equal(t, tc.ok, ok, tc.in)
		if tc.ok {
			require.Equal(t, tc.want, got, tc.in)
		}
	}
}

// TestCastTimestampPostgresText: CAST of psql's timestamptz text.
func TestCastTimestampPostgresText(t *testing.T) {
	b := batchOf(
		[]any{0, 0.0, "2026-01-01 10:01:00+00", true, 0},
		[]any{0, 0.0, " 2026-01-01 10:01:00.25+01:00 ", true, 0},
		[]any{0, 0.0, "2026-01-01 10:01:00+1", true, 0},
	)
	// +01:00: 09:01:00.25 UTC = 1767261660000 - 3600000 + 250.
	require.Equal(t, []any{int64(1767261660000), int64(1767258060250), nil},
		eval(t, must(NewCast(col(2), catalog.Timestamp)), b))
}

func BenchmarkParseTimestamp(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, ok := ParseTimestamp("2026-01-01 10:01:00.5+00"); !ok {
			b.Fatal("no parse")
		}
	}
}
