package pgwire

import (
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
)

func encodeAll(msgs ...pgproto3.FrontendMessage) []byte {
	var b []byte
	for _, m := range msgs {
		var err error
		if b, err = m.Encode(b); err != nil {
			panic(err)
		}
	}
	return b
}

// FuzzSession feeds arbitrary bytes, after a valid startup message, to a
// session over net.Pipe (4 KiB messages at most): the session must
// neither panic nor hang, must allocate at most maxFuzzAlloc bytes and
// must end when the client goes away (or, in a never-ending statement,
// when the server closes). FuzzConnection fuzzes from the first byte.
func FuzzSession(f *testing.F) {
	f.Add(encodeAll(&pgproto3.Query{String: "SELECT 1; SELECT * FROM by_model"}, &pgproto3.Terminate{}))
	f.Add(encodeAll(
		&pgproto3.Parse{Name: "s", Query: "echo $1, $2", ParameterOIDs: []uint32{20, 1184}},
		&pgproto3.Describe{ObjectType: 'S', Name: "s"},
		&pgproto3.Bind{PreparedStatement: "s", ParameterFormatCodes: []int16{1}, Parameters: [][]byte{{0, 0, 0, 0, 0, 0, 0, 9}, {1, 2, 3, 4, 5, 6, 7, 8}}, ResultFormatCodes: []int16{1}},
		&pgproto3.Execute{MaxRows: 1},
		&pgproto3.Sync{},
	))
	f.Add(encodeAll(
		&pgproto3.Parse{Query: "SELECT * FROM big"},
		&pgproto3.Bind{ResultFormatCodes: []int16{1}},
		&pgproto3.Execute{MaxRows: 3},
		&pgproto3.Execute{MaxRows: 3},
		&pgproto3.Close{ObjectType: 'P'},
		&pgproto3.Flush{},
		&pgproto3.Sync{},
	))
	f.Add(encodeAll(&pgproto3.Query{String: "BEGIN; SET x = 'y'; SHOW x; SELECT bad; COMMIT"}, &pgproto3.Query{String: "SELECT n.nspname as \"Schema\", c.relname as \"Name\" FROM pg_catalog.pg_class c WHERE c.relkind IN ('r','m')"}))
	f.Add(encodeAll(
		&pgproto3.Parse{Query: "SELECT * FROM v ORDER BY 1 LIMIT $1 -- pg_class"},
		&pgproto3.Describe{ObjectType: 'S'},
		&pgproto3.Bind{Parameters: [][]byte{[]byte("2")}},
		&pgproto3.Execute{},
		&pgproto3.Sync{},
		&pgproto3.Query{String: "select model, 'information_schema.x' from v; select zz from \"pg_catalog\".\"pg_class\"; echo '\xe2\x82'"},
	))
	f.Add([]byte{'Q', 0x7f, 0xff, 0xff, 0xff})
	f.Add([]byte{'p', 0, 0, 0, 8, 1, 2, 3, 4})
	startup := encodeAll(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "fuzz"}})
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzTrusted(t, 4096, append(startup[:len(startup):len(startup)], data...))
	})
}
