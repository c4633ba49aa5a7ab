package pgwire

import "time"

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
	// MaxMessageSize bounds a client message body in bytes (default 1 MiB);
	// a larger message gets a FATAL 08P01 error and the connection closes.
	MaxMessageSize int
	// StartupTimeout bounds the time from accept to the end of
	// authentication (default 10s).
	StartupTimeout time.Duration
	// IdleTimeout bounds the wait for (and the reading of) each client
	// message once the session is ready (default 1h; negative: none).
	IdleTimeout time.Duration
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
	if c.ServerVersion == "" {
		c.ServerVersion = DefaultServerVersion
	}
	return c
}
