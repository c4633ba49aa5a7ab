package pgwire

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/stretchr/testify/require"
)

// TestInferParamTypes: the OIDs Describe reports for each parameter, over
// the fake engine's relations (by_model: model text, n int8, avg_latency
// float8, window_end timestamptz, ok bool; metrics: ts, model,
// latency_ms). Expected types are PostgreSQL's for the same statement
// (with weir's integer literals int8).
func TestInferParamTypes(t *testing.T) {
	rels := newFakeEngine().Relations(context.Background())
	for _, tc := range []struct {
		stmt     string
		declared []uint32
		want     []uint32
	}{
		{"SELECT * FROM by_model WHERE n = $1", nil, []uint32{oidInt8}},
		{"SELECT * FROM by_model WHERE $1 = n", nil, []uint32{oidInt8}},
		{"SELECT * FROM by_model WHERE model = $1 AND avg_latency > $2", nil, []uint32{oidText, oidFloat8}},
		{"SELECT * FROM public.by_model WHERE window_end >= $1 AND ok = $2", nil, []uint32{oidTimestamptz, oidBool}},
		{`SELECT * FROM "by_model" b WHERE b.n <> $1`, nil, []uint32{oidInt8}},
		{"SELECT * FROM by_model WHERE $1 <= b.avg_latency", nil, []uint32{oidFloat8}},
		{"SELECT * FROM by_model LIMIT $1 OFFSET $2", nil, []uint32{oidInt8, oidInt8}},
		{"SELECT * FROM by_model FETCH FIRST $1 ROWS ONLY", nil, []uint32{oidInt8}},
		{"SELECT $1::int, CAST($2 AS double precision), $3::timestamptz, $4::text", nil, []uint32{oidInt4, oidFloat8, oidTimestamptz, oidText}},
		{"SELECT $1 + 1, $2 * 2.5, 3 - $3", nil, []uint32{oidInt8, oidFloat8, oidInt8}},
		{"SELECT * FROM by_model WHERE n + $1 > 3", nil, []uint32{oidInt8}},
		{"SELECT * FROM by_model WHERE n > $1::int4", nil, []uint32{oidInt4}},
		{"SELECT * FROM by_model WHERE n::float8 > $1", nil, []uint32{oidFloat8}},
		{"SELECT * FROM by_model WHERE CAST(n AS text) = $1", nil, []uint32{oidText}},
		{"SELECT * FROM by_model WHERE n BETWEEN $1 AND $2", nil, []uint32{oidInt8, oidInt8}},
		{"SELECT * FROM by_model WHERE n NOT BETWEEN $1 AND $2", nil, []uint32{oidInt8, oidInt8}},
		{"SELECT * FROM by_model WHERE model IN ($1, $2) AND n NOT IN ($3)", nil, []uint32{oidText, oidText, oidInt8}},
		{"SELECT * FROM by_model WHERE model LIKE $1", nil, []uint32{oidText}},
		{"SELECT * FROM by_model WHERE n IS DISTINCT FROM $1", nil, []uint32{oidInt8}},
		// + and - beside a timestamp: the other side may be an interval.
		{"SELECT * FROM by_model WHERE window_end > $1 - INTERVAL '1 hour'", nil, []uint32{oidTimestamptz}},
		{"SELECT * FROM by_model WHERE window_end - $1 > INTERVAL '1 hour'", nil, []uint32{0}},
		// A window TVF's input and its window columns.
		{"SELECT window_start, model FROM TUMBLE(metrics, ts, INTERVAL '1' MINUTE) WHERE latency_ms > $1 AND window_start >= $2", nil, []uint32{oidFloat8, oidTimestamptz}},
		// Nothing types these.
		{"SELECT $1", nil, []uint32{0}},
		{"SELECT * FROM by_model WHERE nosuch = $1 AND upper(model) = $2", nil, []uint32{0, 0}},
		{"SELECT * FROM nosuch WHERE n = $1", nil, []uint32{0}},
		// Types given in Parse are kept; the rest are inferred.
		{"SELECT * FROM by_model WHERE n = $1 AND model = $2", []uint32{oidText}, []uint32{oidText, oidText}},
		{"SELECT * FROM by_model WHERE n = $2", []uint32{0, oidInt4}, []uint32{0, oidInt4}},
	} {
		t.Run(tc.stmt, func(t *testing.T) {
			require.Equal(t, tc.want, inferParamTypes(tc.stmt, len(tc.want), tc.declared, rels))
		})
	}
}

// TestPgxParamOIDs: pgx's Prepare gets the inferred types (unknown ones as
// text), and pgx then encodes its arguments as those types — in binary
// for int8, float8, timestamptz and bool — which the engine receives as
// SQL literals.
func TestPgxParamOIDs(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connectPgx(t, ts.url("tester"))
	ctx := context.Background()

	const stmt = "echo * FROM by_model WHERE n = $1 AND avg_latency > $2 AND window_end >= $3 AND ok = $4 AND model = $5 AND $6 = $6 LIMIT $7"
	sd, err := conn.Prepare(ctx, "typed", stmt)
	require.NoError(t, err)
	require.Equal(t, []uint32{oidInt8, oidFloat8, oidTimestamptz, oidBool, oidText, oidText, oidInt8}, sd.ParamOIDs)

	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeDescribeExec} {
		t.Run(mode.String(), func(t *testing.T) {
			var got string
			end := time.UnixMilli(windowEnd + 250)
			err := conn.QueryRow(ctx, stmt, mode, int64(-3), 0.5, end, true, "it's", "x", 10).Scan(&got)
			require.NoError(t, err)
			// 2026-11-09 14:35:00.250 UTC.
			require.Equal(t, "echo * FROM by_model WHERE n = (-3) AND avg_latency > 0.5 AND window_end >= '2026-11-09T14:35:00.250Z' AND ok = TRUE AND model = 'it''s' AND 'x' = 'x' LIMIT 10", got)
		})
	}

	// A parameter declared in Parse keeps its type.
	sd, err = conn.Prepare(ctx, "declared", "echo * FROM by_model WHERE n = $1::int4 AND model = $2")
	require.NoError(t, err)
	require.Equal(t, []uint32{oidInt4, oidText}, sd.ParamOIDs)

	// A value that is not of the inferred type fails at Bind, as in
	// PostgreSQL.
	_, err = conn.Exec(ctx, "echo * FROM by_model WHERE n = $1", pgx.QueryExecModeCacheStatement, "abc")
	require.ErrorContains(t, err, "22P02")
}

// TestParseTimestampZones: a timestamp parameter (an inferred timestamptz
// is bound through it) takes the zone forms weir's TIMESTAMP literals take:
// Z, +hh, +hhmm, +hh:mm, with a space or T.
func TestParseTimestampZones(t *testing.T) {
	// 2026-11-09 09:00:00 UTC.
	const want = 1794214800000
	for _, s := range []string{"2026-11-09T10:00:00+01:00", "2026-11-09T10:00:00+0100", "2026-11-09T10:00:00+01",
		"2026-11-09 10:00:00+01", "2026-11-09 10:00:00+0100", "2026-11-09 09:00:00Z", "2026-11-09 09:00:00"} {
		ms, ok := parseTimestamp(s)
		require.True(t, ok, s)
		require.EqualValues(t, want, ms, s)
	}
}

// TestBinaryNumericAndDate: numeric and date parameters in binary (as pgx
// sends a parameter typed by a ::numeric or ::date cast) bind as their
// exact decimal text and as midnight UTC.
func TestBinaryNumericAndDate(t *testing.T) {
	m := pgtype.NewMap()
	for _, tc := range []struct {
		v    pgtype.Numeric
		want string
	}{
		{pgtype.Numeric{Int: big.NewInt(123456789), Exp: -4, Valid: true}, "12345.6789"},
		{pgtype.Numeric{Int: big.NewInt(-5), Exp: -3, Valid: true}, "(-0.005)"},
		{pgtype.Numeric{Int: big.NewInt(0), Exp: -2, Valid: true}, "0.00"},
		{pgtype.Numeric{Int: big.NewInt(7), Exp: 20, Valid: true}, "700000000000000000000"},
		{pgtype.Numeric{Int: big.NewInt(100000001), Exp: 0, Valid: true}, "100000001"},
	} {
		buf, err := m.Encode(pgtype.NumericOID, pgtype.BinaryFormatCode, tc.v, nil)
		require.NoError(t, err)
		got, _, err := bindParams("$1", []paramRef{{N: 1, Start: 0, End: 2}}, [][]byte{buf}, []int16{1}, []uint32{oidNumeric})
		require.NoError(t, err)
		require.Equal(t, tc.want, got)
	}
	nan, err := m.Encode(pgtype.NumericOID, pgtype.BinaryFormatCode, pgtype.Numeric{NaN: true, Valid: true}, nil)
	require.NoError(t, err)
	_, _, err = bindParams("$1", []paramRef{{N: 1, Start: 0, End: 2}}, [][]byte{nan}, []int16{1}, []uint32{oidNumeric})
	require.ErrorContains(t, err, "invalid binary numeric value for parameter $1")

	// 2026-11-09.
	buf, err := m.Encode(pgtype.DateOID, pgtype.BinaryFormatCode, time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC), nil)
	require.NoError(t, err)
	got, _, err := bindParams("$1", []paramRef{{N: 1, Start: 0, End: 2}}, [][]byte{buf}, []int16{1}, []uint32{oidDate})
	require.NoError(t, err)
	require.Equal(t, "'2026-11-09T00:00:00.000Z'", got)
}

// FuzzInferParamTypes: any statement is typed without panicking, one OID
// per parameter.
func FuzzInferParamTypes(f *testing.F) {
	for _, s := range []string{"SELECT * FROM by_model WHERE n = $1 AND CAST($2 AS", "SELECT $1::", "x BETWEEN $1 AND $2", "IN ($1,", "$1 IS NOT DISTINCT FROM"} {
		f.Add(s)
	}
	rels := newFakeEngine().Relations(context.Background())
	f.Fuzz(func(t *testing.T, stmt string) {
		if got := inferParamTypes(stmt, 3, nil, rels); len(got) != 3 {
			t.Fatalf("%d types for 3 parameters", len(got))
		}
	})
}
