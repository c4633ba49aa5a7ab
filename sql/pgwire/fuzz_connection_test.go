package pgwire

import (
	"encoding/binary"
	"io"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// maxFuzzAlloc bounds the bytes a fuzzed connection may allocate, server
// and client goroutines together: a 1 MiB message buffer (the default
// MaxMessageSize), a TLS handshake and the session's answers fit well
// within it; a length header honoured without SetMaxBodyLen (up to 2 GiB)
// does not.
const maxFuzzAlloc = 8 << 20

// fuzzServerConn is the server's end of a fuzzed connection. It closes
// drained when the server asks for more bytes than the client sent (the
// whole input was consumed: the client may go) and done when the server
// closes the connection (conn.run closes it, or the TLS connection over
// it, last).
type fuzzServerConn struct {
	net.Conn
	want, got int
	drained   chan struct{}
	drainOnce sync.Once
	done      chan struct{}
	doneOnce  sync.Once
}

func (c *fuzzServerConn) Read(p []byte) (int, error) {
	if c.got >= c.want {
		c.drainOnce.Do(func() { close(c.drained) })
	}
	n, err := c.Conn.Read(p)
	c.got += n
	return n, err
}

func (c *fuzzServerConn) Close() error {
	err := c.Conn.Close()
	c.doneOnce.Do(func() { close(c.done) })
	return err
}

// fuzzConn writes data to a new connection of srv over net.Pipe from its
// very first byte, discards what the server answers, closes the client
// once the server has consumed the input (or stopped reading) and waits
// for the server's end to close. It returns the bytes allocated meanwhile
// (all goroutines) and whether the server failed to close its end within
// 5s of the client leaving — a session blocked in a never-ending
// statement, which only closing the server ends. Deadlines bound every
// step.
func fuzzConn(srv *Server, data []byte) (alloc uint64, hung bool) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	client, server := net.Pipe()
	sc := &fuzzServerConn{Conn: server, want: len(data), drained: make(chan struct{}), done: make(chan struct{})}
	srv.serveConn(sc)
	read := make(chan struct{})
	go func() {
		_ = client.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, _ = io.Copy(io.Discard, client)
		close(read)
	}()
	// A server that stops reading (a never-ending statement) fails the
	// write at its deadline.
	_ = client.SetWriteDeadline(time.Now().Add(2 * time.Second))
	_, _ = client.Write(data)
	idle := time.NewTimer(2 * time.Second)
	select {
	case <-sc.drained:
	case <-sc.done:
	case <-idle.C:
	}
	idle.Stop()
	_ = client.Close()
	<-read
	ended := time.NewTimer(5 * time.Second)
	select {
	case <-sc.done:
	case <-ended.C:
		hung = true
	}
	ended.Stop()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, hung
}

// fuzzTrusted runs data on a new loopback-trusting server (MaxMessageSize
// max) and fails t when the connection panics, allocates more than
// maxFuzzAlloc or outlives the server's Close.
func fuzzTrusted(t *testing.T, maxMessage int, data []byte) {
	srv := NewServer(Config{MaxMessageSize: maxMessage, StartupTimeout: 5 * time.Second, IdleTimeout: 5 * time.Second}, newFakeEngine())
	n, _ := fuzzConn(srv, data)
	// Close cancels a statement that would never end (a SUBSCRIBE) and
	// waits for every connection.
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if n > maxFuzzAlloc {
		t.Fatalf("trust server: one connection allocated %d bytes (max %d)", n, maxFuzzAlloc)
	}
}

func startupBytes(version uint32, params map[string]string) []byte {
	return encodeAll(&pgproto3.StartupMessage{ProtocolVersion: version, Parameters: params})
}

func specialRequest(code uint32, extra ...uint32) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(8+4*len(extra)))
	b = binary.BigEndian.AppendUint32(b, code)
	for _, x := range extra {
		b = binary.BigEndian.AppendUint32(b, x)
	}
	return b
}

func concat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// FuzzConnection feeds arbitrary bytes from the first byte of a connection
// — SSLRequest, GSSENCRequest, CancelRequest, StartupMessage, the SCRAM
// exchange and whatever follows — to two servers: one that requires
// SCRAM and offers TLS (its sessions never start: the fuzzer cannot forge
// a proof), one that trusts the pipe (a local connection) and runs
// sessions. Neither may panic, hang or allocate more than maxFuzzAlloc for
// one input.
func FuzzConnection(f *testing.F) {
	user := map[string]string{"user": "analyst", "database": "weir"}
	startup := startupBytes(pgproto3.ProtocolVersion30, user)
	query := encodeAll(&pgproto3.Query{String: "SELECT * FROM by_model"}, &pgproto3.Terminate{})
	sasl := encodeAll(&pgproto3.SASLInitialResponse{AuthMechanism: scramMechanism, Data: []byte("n,,n=,r=clientnonce0123")})
	saslFinal := encodeAll(&pgproto3.SASLResponse{Data: []byte("c=biws,r=clientnonce0123servernonce,p=dHJ1c3RtZQ==")})
	f.Add(concat(startup, query))
	f.Add(concat(specialRequest(80877103), startup, query))                                  // SSLRequest
	f.Add(concat(specialRequest(80877104), startup, query))                                  // GSSENCRequest
	f.Add(concat(specialRequest(80877104), specialRequest(80877103), startup))               // both
	f.Add(specialRequest(80877102, 12345, 0xdeadbeef))                                       // CancelRequest
	f.Add(concat(startup, sasl, saslFinal, query))                                           // SCRAM exchange
	f.Add(concat(startup, encodeAll(&pgproto3.SASLInitialResponse{AuthMechanism: "PLAIN"}))) // wrong mechanism
	f.Add(concat(startup, encodeAll(&pgproto3.PasswordMessage{Password: "s3cret"})))         // not SASL
	f.Add(concat(startupBytes(pgproto3.ProtocolVersion30|1, map[string]string{"user": "x", "_pq_.opt": "1"}), query))
	f.Add(startupBytes(pgproto3.ProtocolVersion30, map[string]string{"user": "x", "replication": "database"}))
	f.Add(startupBytes(pgproto3.ProtocolVersion30, map[string]string{"database": "weir"}))
	f.Add([]byte{0x7f, 0xff, 0xff, 0xff, 0, 3, 0, 0})                             // huge startup length
	f.Add(concat(startup, []byte{'p', 0x7f, 0xff, 0xff, 0xff}))                   // huge SASL length
	f.Add(concat(startup, sasl, []byte{'p', 0x7f, 0xff, 0xff, 0xff}))             // huge SASLResponse length
	f.Add(concat(startup, []byte{'Q', 0x7f, 0xff, 0xff, 0xff}))                   // huge query length (trust)
	f.Add(concat(startup, []byte{'Q', 0x00, 0x10, 0x00, 0x04}, []byte("SELECT"))) // 1 MiB query, cut short

	cert, key := writeTestCert(f)
	scram := NewServer(Config{
		Auth: AuthSCRAM, Users: []User{{Name: "analyst", Password: "s3cret"}},
		TLSCertFile: cert, TLSKeyFile: key,
		StartupTimeout: 5 * time.Second, IdleTimeout: 5 * time.Second,
	}, newFakeEngine())
	if scram.setupErr != nil {
		f.Fatal(scram.setupErr)
	}
	f.Cleanup(func() { _ = scram.Close() })
	f.Fuzz(func(t *testing.T, data []byte) {
		n, hung := fuzzConn(scram, data)
		if hung {
			t.Fatalf("scram server: the connection did not end after its client went away")
		}
		if n > maxFuzzAlloc {
			t.Fatalf("scram server: one connection allocated %d bytes (max %d)", n, maxFuzzAlloc)
		}
		// Sessions start here; a server per input.
		fuzzTrusted(t, 0, data)
	})
}
