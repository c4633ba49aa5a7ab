package pgwire

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/xdg-go/scram"
)

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("pgwire: server closed")

// Server is the Postgres wire endpoint. It is safe for concurrent use; each
// connection runs on its own goroutine, which Close stops and waits for.
type Server struct {
	cfg      Config
	eng      Engine
	defaults map[string]string
	tlsConf  *tls.Config
	setupErr error
	users    map[string]scram.StoredCredentials
	// mockSecret derives the credentials of unknown users (see
	// mockCredentials); mocks caches them.
	mockSecret [32]byte
	mockMu     sync.Mutex
	mocks      map[string]scram.StoredCredentials

	ctx    context.Context
	cancel context.CancelFunc

	mu        sync.Mutex
	closed    bool
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	sessions  map[uint32]*conn
	admitted  int // connections holding a slot of Config.MaxConnections
	wg        sync.WaitGroup
}

// NewServer returns a server for eng. Configuration errors (see
// Config.Validate) are returned by Serve.
func NewServer(cfg Config, eng Engine) *Server {
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:       cfg,
		eng:       eng,
		defaults:  defaultSettings(cfg.ServerVersion),
		ctx:       ctx,
		cancel:    cancel,
		listeners: map[net.Listener]struct{}{},
		conns:     map[*conn]struct{}{},
		sessions:  map[uint32]*conn{},
		users:     map[string]scram.StoredCredentials{},
		mocks:     map[string]scram.StoredCredentials{},
	}
	s.tlsConf, s.setupErr = cfg.loadTLS()
	if s.tlsConf != nil {
		// PostgreSQL's ssl is the server's setting: on when it accepts
		// TLS, whichever way this session connected.
		s.defaults["ssl"] = "on"
	}
	if _, err := rand.Read(s.mockSecret[:]); err != nil && s.setupErr == nil {
		s.setupErr = fmt.Errorf("%w", err)
	}
	for _, u := range cfg.Users {
		creds, err := storedCredentials(u.Password)
		if err != nil {
			if s.setupErr == nil {
				s.setupErr = fmt.Errorf("user %q: %w", u.Name, err)
			}
			continue
		}
		s.users[u.Name] = creds
	}
	return s
}

// Serve accepts connections on ln until Close (then it returns
// ErrServerClosed) or until Accept fails. It may be called for several
// listeners.
func (s *Server) Serve(ln net.Listener) error {
	if s.setupErr != nil {
		return s.setupErr
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
	}()
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				t := time.NewTimer(backoff)
				select {
				case <-t.C:
				case <-s.ctx.Done():
					t.Stop()
				}
				continue
			}
			return fmt.Errorf("accept: %w", err)
		}
		backoff = 0
		s.serveConn(nc)
	}
}

// serveConn runs one connection on its own goroutine.
func (s *Server) serveConn(nc net.Conn) {
	c := &conn{srv: s, raw: nc, rw: nc}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = nc.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		c.run()
		s.mu.Lock()
		delete(s.conns, c)
		if c.sess != nil && s.sessions[c.sess.id] == c {
			delete(s.sessions, c.sess.id)
		}
		s.mu.Unlock()
	}()
}

// closeGrace bounds how long Close waits for sessions to say goodbye
// before it closes their connections.
const closeGrace = time.Second

// Close stops accepting, cancels every running statement, ends every
// session with FATAL 57P01 (terminating connection due to administrator
// command), as PostgreSQL does when it shuts down, and waits for the
// connections' goroutines to end. A client that does not read its
// messages is disconnected after closeGrace.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	for ln := range s.listeners {
		_ = ln.Close()
	}
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	// Running statements stop on the context; sessions waiting for their
	// client wake up on the read deadline and see the context cancelled.
	s.cancel()
	now := time.Now()
	for _, c := range conns {
		_ = c.raw.SetReadDeadline(now)
		_ = c.raw.SetWriteDeadline(now.Add(closeGrace))
	}
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	t := time.NewTimer(closeGrace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		s.mu.Lock()
		for c := range s.conns {
			_ = c.raw.Close()
		}
		s.mu.Unlock()
		<-done
	}
	return nil
}

// codeTooManyConnections is too_many_connections, what PostgreSQL answers
// a client over max_connections.
const codeTooManyConnections = "53300"

// admit counts c against Config.MaxConnections when it sends its
// StartupMessage (cancel requests never get here, so they are not
// counted). Over the limit it sends FATAL 53300 as PostgreSQL does and
// returns false: the connection is then closed. The slot is given back by
// release when the connection ends.
func (c *conn) admit() bool {
	s := c.srv
	s.mu.Lock()
	ok := s.cfg.MaxConnections < 0 || s.admitted < s.cfg.MaxConnections
	if ok {
		s.admitted++
		c.admitted = true
	}
	s.mu.Unlock()
	if !ok {
		c.be.Send(fatal(codeTooManyConnections, "sorry, too many clients already"))
		_ = c.be.Flush()
	}
	return ok
}

// release gives back c's slot, if it holds one. The connection calls it
// before closing its socket, so a client that saw the close can count on
// the slot being free.
func (c *conn) release() {
	if !c.admitted {
		return
	}
	c.admitted = false
	c.srv.mu.Lock()
	c.srv.admitted--
	c.srv.mu.Unlock()
}

// register gives c a unique random process id and secret key and makes it
// reachable by CancelRequest.
func (s *Server) register(c *conn) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		pid := binary.BigEndian.Uint32(b[:4]) & 0x7fffffff
		if pid == 0 || s.sessions[pid] != nil {
			continue
		}
		c.sess.id = pid
		copy(c.secret[:], b[4:])
		s.sessions[pid] = c
		return nil
	}
}

// cancelRequest cancels the running statement of the session the request
// names when its secret key matches (compared in constant time). As in
// Postgres, nothing is answered either way.
func (s *Server) cancelRequest(m *pgproto3.CancelRequest) {
	s.mu.Lock()
	c := s.sessions[m.ProcessID]
	s.mu.Unlock()
	if c == nil {
		return
	}
	if subtle.ConstantTimeCompare(c.secret[:], m.SecretKey) != 1 {
		return
	}
	c.cancelStatement()
}
