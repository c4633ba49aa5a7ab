package pgwire

import (
	"math"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/stretchr/testify/require"
)

// TestInvalidUTF8Query: a query string that is not valid UTF-8 (the only
// client_encoding) gets 22021, character_not_in_repertoire, in both
// protocols, and never reaches the engine.
func TestInvalidUTF8Query(t *testing.T) {
	ts := startServer(t, Config{})
	c := dialRaw(t, ts.addr)
	c.fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "x"}})
	require.NoError(t, c.fe.Flush())
	c.readUntil(t, "ReadyForQuery", 0)

	// Latin-1 é: 0xe9 announces a three-byte sequence; two bytes remain.
	c.fe.Send(&pgproto3.Query{String: "echo 'caf\xe9'"})
	require.NoError(t, c.fe.Flush())
	require.Equal(t, "ErrorResponse ERROR 22021 \"invalid byte sequence for encoding \\\"UTF8\\\": 0xe9 0x27\"\nReadyForQuery I\n", c.readUntil(t, "ReadyForQuery", 0))

	// A truncated three-byte sequence: its lead byte and what follows.
	c.fe.Send(&pgproto3.Parse{Query: "echo '\xe2\x82'"})
	c.fe.Send(&pgproto3.Bind{})
	c.fe.Send(&pgproto3.Execute{})
	c.fe.Send(&pgproto3.Sync{})
	require.NoError(t, c.fe.Flush())
	require.Equal(t, "ErrorResponse ERROR 22021 \"invalid byte sequence for encoding \\\"UTF8\\\": 0xe2 0x82 0x27\"\nReadyForQuery I\n", c.readUntil(t, "ReadyForQuery", 0))

	// The connection goes on.
	c.fe.Send(&pgproto3.Query{String: "echo 'café'"})
	require.NoError(t, c.fe.Flush())
	require.Equal(t, "RowDescription stmt:25:0\nDataRow \\x6563686f2027636166c3a927\nCommandComplete SELECT 1\nReadyForQuery I\n", c.readUntil(t, "ReadyForQuery", 0))
	require.Equal(t, []string{"echo 'café'"}, ts.eng.executed())
}

func TestCheckUTF8(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain ascii", ""},
		{"naïve 日本 🙂", ""},
		{"a\x80b", "0x80"},                 // a lone continuation byte
		{"a\xffb", "0xff"},                 // never valid
		{"\xf0\x9f\x99", "0xf0 0x9f 0x99"}, // a four-byte sequence cut short
		{"ok é \xc3(", "0xc3 0x28"},        // a two-byte lead, then not a continuation
	} {
		err := checkUTF8(tc.in)
		if tc.want == "" {
			require.NoError(t, err, "%q", tc.in)
			continue
		}
		require.EqualError(t, err, `invalid byte sequence for encoding "UTF8": `+tc.want+` (SQLSTATE 22021)`, "%q", tc.in)
	}
}

// TestFloatText: DOUBLE in text format is PostgreSQL 15's float8 output
// with extra_float_digits = 1 (values checked against PostgreSQL):
// positional from 1e-4 up to below 1e15, exponent form outside.
func TestFloatText(t *testing.T) {
	for _, tc := range []struct {
		f    float64
		want string
	}{
		{4000000, "4000000"},
		{1e15, "1e+15"},
		{0.00001, "1e-05"},
		{123456789012345.6, "123456789012345.6"},
		{0.0001, "0.0001"},
		{1.7672616e+09, "1767261600"},
		{1e16, "1e+16"},
		{123456789012345678, "1.2345678901234568e+17"},
		{math.Copysign(0, -1), "-0"},
		{0, "0"},
		{1e100, "1e+100"},
		{5e-324, "5e-324"},
		{0.1, "0.1"},
		{-1.5e-7, "-1.5e-07"},
		{999999999999999, "999999999999999"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
		{0.00012345, "0.00012345"},
		{120.5, "120.5"},
		{math.NaN(), "NaN"},
		{math.Inf(-1), "-Infinity"},
	} {
		require.Equal(t, tc.want, string(appendFloatText(nil, tc.f)), "%v", tc.f)
	}
}
