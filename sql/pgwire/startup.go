package pgwire

import (
	"errors"
	"io"
	"net"
	"strings"
	"time"

	"crypto/tls"

	"github.com/jackc/pgx/v5/pgproto3"
)

// countingReader counts the bytes read from the connection, so that bytes
// a client sent after an SSLRequest, before the TLS handshake, are seen.
type countingReader struct {
	r io.Reader
	n int
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.n += n
	return n, err
}

// sslRequestLen is the length of an SSLRequest or GSSENCRequest packet.
const sslRequestLen = 8

func (c *conn) newBackend(rw net.Conn) *countingReader {
	cr := &countingReader{r: rw}
	c.be = pgproto3.NewBackend(cr, rw)
	c.be.SetMaxBodyLen(c.srv.cfg.MaxMessageSize)
	c.rw = rw
	return cr
}

// startup negotiates TLS, authenticates and sends the session's
// parameters. false means the connection is done (a cancel request, a
// refused or failed client).
func (c *conn) startup() bool {
	_ = c.raw.SetDeadline(time.Now().Add(c.srv.cfg.StartupTimeout))
	cr := c.newBackend(c.raw)
	tlsDone := false
	for attempt := 0; attempt < 4; attempt++ {
		msg, err := c.be.ReceiveStartupMessage()
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				c.be.Send(fatal(codeProtocolViolation, "invalid startup packet: "+err.Error()))
				_ = c.be.Flush()
			}
			return false
		}
		switch m := msg.(type) {
		case *pgproto3.CancelRequest:
			c.srv.cancelRequest(m)
			return false
		case *pgproto3.GSSEncRequest:
			if cr.n != sslRequestLen {
				return false
			}
			if _, err := c.rw.Write([]byte{'N'}); err != nil {
				return false
			}
			cr.n = 0
		case *pgproto3.SSLRequest:
			if cr.n != sslRequestLen {
				// Bytes after the SSLRequest would be read as if they had
				// come over TLS (CVE-2021-23214): refuse.
				return false
			}
			if c.srv.tlsConf == nil || tlsDone {
				if _, err := c.rw.Write([]byte{'N'}); err != nil {
					return false
				}
				cr.n = 0
				continue
			}
			if _, err := c.rw.Write([]byte{'S'}); err != nil {
				return false
			}
			tc := tls.Server(c.raw, c.srv.tlsConf)
			if err := tc.Handshake(); err != nil {
				return false
			}
			tlsDone = true
			cr = c.newBackend(tc)
		case *pgproto3.StartupMessage:
			if !c.admit() {
				return false
			}
			if c.srv.cfg.TLSRequired && !tlsDone {
				c.be.Send(fatal(codeInvalidAuthorization, "the server requires TLS; connect with sslmode=require or stricter"))
				_ = c.be.Flush()
				return false
			}
			if !c.authenticate(m) {
				return false
			}
			_ = c.raw.SetDeadline(time.Time{})
			return true
		default:
			return false
		}
	}
	return false
}

// isLocal reports whether addr is a loopback TCP address or not a network
// address at all (a Unix socket, an in-memory pipe).
func isLocal(addr net.Addr) bool {
	switch a := addr.(type) {
	case *net.TCPAddr:
		return a.IP.IsLoopback()
	case *net.UDPAddr:
		return a.IP.IsLoopback()
	case nil:
		return true
	}
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.Network() != "tcp" && addr.Network() != "tcp4" && addr.Network() != "tcp6"
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// authenticate checks the client and sends AuthenticationOk, the session's
// ParameterStatus, BackendKeyData and the first ReadyForQuery.
func (c *conn) authenticate(m *pgproto3.StartupMessage) bool {
	fail := func(code, msg string) bool {
		c.be.Send(fatal(code, msg))
		_ = c.be.Flush()
		return false
	}
	user := m.Parameters["user"]
	if user == "" {
		return fail(codeInvalidAuthorization, "no PostgreSQL user name specified in startup packet")
	}
	if _, ok := m.Parameters["replication"]; ok && m.Parameters["replication"] != "false" {
		return fail(codeFeatureNotSupported, "replication connections are not supported")
	}
	db := m.Parameters["database"]
	if db == "" {
		db = user
	}
	if m.ProtocolVersion != pgproto3.ProtocolVersion30 {
		var unknown []string
		for k := range m.Parameters {
			if strings.HasPrefix(k, "_pq_.") {
				unknown = append(unknown, k)
			}
		}
		c.be.Send(&pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: 0, UnrecognizedOptions: unknown})
	}
	cfg := c.srv.cfg
	needPassword := cfg.Auth == AuthSCRAM || !isLocal(c.raw.RemoteAddr())
	if needPassword {
		if len(c.srv.users) == 0 {
			return fail(codeInvalidAuthorization, "no users are configured for password authentication; connect over loopback")
		}
		if err := c.authenticateSCRAM(user); err != nil {
			var pe *Error
			if errors.As(err, &pe) {
				return fail(pe.Code, pe.Msg)
			}
			if errors.Is(err, errAuthFailed) {
				return fail(codeInvalidPassword, `password authentication failed for user "`+user+`"`)
			}
			return false
		}
	}
	// The session's defaults (what RESET returns to) are the server's
	// settings overridden by the startup parameters, as in Postgres.
	c.defaults = make(map[string]string, len(c.srv.defaults)+len(m.Parameters)+1)
	for k, v := range c.srv.defaults {
		c.defaults[k] = v
	}
	c.defaults["session_authorization"] = user
	// As in PostgreSQL, the settings of the options parameter come first
	// and the other startup parameters override them.
	if opts, ok := m.Parameters["options"]; ok {
		settings, err := parseOptions(opts)
		if err != nil {
			return c.failWith(err)
		}
		for _, kv := range settings {
			v, err := c.srv.startupSetting(kv[0], kv[1])
			if err != nil {
				return c.failWith(err)
			}
			c.defaults[kv[0]] = v
		}
	}
	for k, v := range m.Parameters {
		switch k {
		case "user", "database", "options", "replication":
		default:
			if !strings.HasPrefix(k, "_pq_.") {
				name := strings.ToLower(k)
				if norm, err := checkSetting(name, v); err == nil {
					v = norm
				}
				c.defaults[name] = v
			}
		}
	}
	c.sess = &Session{user: user, database: db, remote: c.raw.RemoteAddr()}
	c.sess.resetAll(c.defaults)
	if err := c.srv.register(c); err != nil {
		return fail(codeInternal, err.Error())
	}
	c.tx = txIdle
	c.stmts = map[string]*prepared{}
	c.portals = map[string]*portal{}
	c.be.Send(&pgproto3.AuthenticationOk{})
	for _, p := range reportedSettings {
		v, _ := c.sess.Setting(p.key)
		c.be.Send(&pgproto3.ParameterStatus{Name: p.wire, Value: v})
	}
	c.be.Send(&pgproto3.BackendKeyData{ProcessID: c.sess.id, SecretKey: c.secret[:]})
	return c.readyForQuery()
}

// failWith ends the startup with err as a FATAL ErrorResponse.
func (c *conn) failWith(err error) bool {
	r := fatal(codeInternal, err.Error())
	var pe *Error
	if errors.As(err, &pe) {
		r.Code, r.Message, r.Hint = pe.Code, pe.Msg, pe.Hint
	}
	c.be.Send(r)
	_ = c.be.Flush()
	return false
}
