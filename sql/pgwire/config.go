package pgwire

import (
	"crypto/tls"
	"fmt"
	"time"
)

// Auth modes of Config.Auth.
const (
	// AuthTrust trusts loopback clients without a password; clients from
	// other addresses must authenticate with SCRAM-SHA-256 as a configured
	// user (and are refused when no users are configured).
	AuthTrust = "trust"
	// AuthSCRAM requires SCRAM-SHA-256 from every client, loopback included.
	AuthSCRAM = "scram"
)

// Defaults of the zero Config fields.
const (
	DefaultMaxMessageSize = 1 << 20
	DefaultStartupTimeout = 10 * time.Second
	DefaultIdleTimeout    = time.Hour
	DefaultMaxConnections = 100 // as PostgreSQL's max_connections
	DefaultServerVersion  = "15.0"
)

// User is a user allowed to authenticate with SCRAM-SHA-256.
type User struct {
	Name     string
	Password string
}

// Config configures a Server. The zero value is a loopback-trusting server
// without TLS and with the defaults above.
type Config struct {
	// Auth is AuthTrust (the default when empty) or AuthSCRAM.
	Auth string
	// Users may authenticate with SCRAM-SHA-256.
	Users []User
	// TLSCertFile and TLSKeyFile are a PEM certificate and key; when both
	// are set an SSLRequest is answered 'S' and TLS is negotiated, otherwise
	// it is answered 'N'.
	TLSCertFile string
	TLSKeyFile  string
	// TLSRequired refuses clients that did not negotiate TLS (FATAL 28000
	// after their StartupMessage), loopback ones included. It needs
	// TLSCertFile and TLSKeyFile.
	TLSRequired bool
	// MaxMessageSize bounds a client message body in bytes (default 1 MiB);
	// a larger message gets a FATAL 08P01 error and the connection closes.
	MaxMessageSize int
	// StartupTimeout bounds the time from accept to the end of
	// authentication (default 10s).
	StartupTimeout time.Duration
	// IdleTimeout bounds the wait for (and the reading of) each client
	// message once the session is ready (default 1h; negative: none). A
	// session idle for longer gets FATAL 57P05 (idle_session_timeout) and
	// the connection closes.
	IdleTimeout time.Duration
	// MaxConnections bounds the sessions served at once (default 100;
	// negative: no limit). A connection is counted from its
	// StartupMessage until it closes; the one over the limit gets FATAL
	// 53300 (too_many_connections) and is closed. Cancel requests, and
	// connections that have not sent a StartupMessage yet, are not
	// counted.
	MaxConnections int
	// ServerVersion is reported as server_version (default "15.0"; psql
	// picks its catalog queries by it).
	ServerVersion string
}

func (c Config) withDefaults() Config {
	if c.Auth == "" {
		c.Auth = AuthTrust
	}
	if c.MaxMessageSize <= 0 {
		c.MaxMessageSize = DefaultMaxMessageSize
	}
	if c.StartupTimeout <= 0 {
		c.StartupTimeout = DefaultStartupTimeout
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.MaxConnections == 0 {
		c.MaxConnections = DefaultMaxConnections
	}
	if c.ServerVersion == "" {
		c.ServerVersion = DefaultServerVersion
	}
	return c
}

// Validate reports what would make Serve fail: an unknown Auth mode,
// AuthSCRAM without users (no client could log in), a TLS certificate or
// key that is missing or does not load, TLSRequired without them. Callers
// may run it before they print that the server is up.
func (c Config) Validate() error {
	_, err := c.loadTLS()
	return err
}

// loadTLS validates c and returns its TLS configuration (nil without a
// certificate).
func (c Config) loadTLS() (*tls.Config, error) {
	c = c.withDefaults()
	if c.Auth != AuthTrust && c.Auth != AuthSCRAM {
		return nil, fmt.Errorf("unknown auth mode %q (want %q or %q)", c.Auth, AuthTrust, AuthSCRAM)
	}
	if c.Auth == AuthSCRAM && len(c.Users) == 0 {
		return nil, fmt.Errorf("auth mode %q needs at least one user: no client could log in", AuthSCRAM)
	}
	for _, u := range c.Users {
		if u.Name == "" {
			return nil, fmt.Errorf("a user has no name")
		}
	}
	if c.TLSCertFile == "" && c.TLSKeyFile == "" {
		if c.TLSRequired {
			return nil, fmt.Errorf("TLS is required but no certificate and key are set")
		}
		return nil, nil
	}
	if c.TLSCertFile == "" || c.TLSKeyFile == "" {
		return nil, fmt.Errorf("TLS needs both a certificate file and a key file")
	}
	cert, err := tls.LoadX509KeyPair(c.TLSCertFile, c.TLSKeyFile)
	if err != nil {
		return nil, fmt.Errorf("loading TLS certificate %s and key %s: %w", c.TLSCertFile, c.TLSKeyFile, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}
