package pgwire

import (
	"errors"
	"math"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Session is one client connection as the Engine sees it: who connected and
// the settings it SET. It is safe for concurrent use.
type Session struct {
	id       uint32
	user     string
	database string
	remote   net.Addr

	mu       sync.Mutex
	settings map[string]string
}

// ID returns the session's process id (the one in BackendKeyData and
// pg_backend_pid()).
func (s *Session) ID() uint32 { return s.id }

// User returns the user name given at startup.
func (s *Session) User() string { return s.user }

// Database returns the database name given at startup (the user name when
// none was given).
func (s *Session) Database() string { return s.database }

// RemoteAddr returns the client's address.
func (s *Session) RemoteAddr() net.Addr { return s.remote }

// Setting returns the value of a session setting (case-insensitive name), as
// given at startup or by SET, or a server default.
func (s *Session) Setting(name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.settings[strings.ToLower(name)]
	return v, ok
}

func (s *Session) set(name, value string) {
	s.mu.Lock()
	s.settings[strings.ToLower(name)] = value
	s.mu.Unlock()
}

func (s *Session) reset(name string, defaults map[string]string) {
	name = strings.ToLower(name)
	s.mu.Lock()
	if v, ok := defaults[name]; ok {
		s.settings[name] = v
	} else {
		delete(s.settings, name)
	}
	s.mu.Unlock()
}

func (s *Session) resetAll(defaults map[string]string) {
	s.mu.Lock()
	s.settings = make(map[string]string, len(defaults))
	for k, v := range defaults {
		s.settings[k] = v
	}
	s.mu.Unlock()
}

// allSettings returns the settings sorted by name.
func (s *Session) allSettings() [][2]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([][2]string, 0, len(s.settings))
	for k, v := range s.settings {
		out = append(out, [2]string{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// defaultSettings are the server's settings, reported at startup (those in
// reportedSettings) and answered by SHOW.
func defaultSettings(version string) map[string]string {
	return map[string]string{
		"server_version":                version,
		"server_version_num":            serverVersionNum(version),
		"server_encoding":               "UTF8",
		"client_encoding":               "UTF8",
		"datestyle":                     "ISO, MDY",
		"intervalstyle":                 "postgres",
		"timezone":                      "UTC",
		"integer_datetimes":             "on",
		"standard_conforming_strings":   "on",
		"is_superuser":                  "off",
		"application_name":              "",
		"search_path":                   `"$user", public`,
		"transaction_isolation":         "read committed",
		"default_transaction_isolation": "read committed",
		"max_identifier_length":         "63",
		"extra_float_digits":            "1",
		"lc_collate":                    "C",
		"lc_ctype":                      "C",
		"statement_timeout":             "0",
		"in_hot_standby":                "off",
		"default_transaction_read_only": "off",
		"transaction_read_only":         "off",
		// Whether the server accepts TLS; NewServer sets it.
		"ssl": "off",
	}
}

// showNames are the settings whose SHOW column PostgreSQL names in mixed
// case (their canonical spelling).
var showNames = map[string]string{
	"datestyle": "DateStyle", "timezone": "TimeZone", "intervalstyle": "IntervalStyle",
}

// checkSetting validates the value SET gives a setting pgwire uses and
// returns it in the form SHOW gives (statement_timeout: "5s", "1500ms").
// Other settings are kept as given.
func checkSetting(name, value string) (string, error) {
	if name != "statement_timeout" {
		return value, nil
	}
	ms, err := parseMillis(value)
	if err != nil {
		e := errorf(codeInvalidParameterValue, "invalid value for parameter %q: %q", name, value)
		if err == errBadUnit {
			e.Hint = `Valid units for this parameter are "us", "ms", "s", "min", "h", and "d".`
		}
		return "", e
	}
	if ms < 0 {
		return "", errorf(codeInvalidParameterValue, "%d ms is outside the valid range for parameter %q (0 .. 2147483647)", ms, name)
	}
	return formatMillis(ms), nil
}

var (
	errBadNumber = errors.New("not a number")
	errBadUnit   = errors.New("unknown unit")
)

// timeUnits are the units of a time setting in milliseconds, largest
// first.
var timeUnits = []struct {
	name string
	ms   float64
}{{"d", 86400000}, {"h", 3600000}, {"min", 60000}, {"s", 1000}, {"ms", 1}, {"us", 0.001}}

// parseMillis reads a time setting in milliseconds as PostgreSQL does: a
// number (a fraction is rounded) and an optional unit (us, ms, s, min, h,
// d; case matters), white space around and between them. It must fit a
// 32-bit integer.
func parseMillis(v string) (int64, error) {
	s := strings.TrimSpace(v)
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		if s[i] != '.' {
			digits++
		}
		i++
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') && i+1 < len(s) && (s[i+1] >= '0' && s[i+1] <= '9' || s[i+1] == '-' || s[i+1] == '+') {
		i += 2
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	if digits == 0 {
		return 0, errBadNumber
	}
	f, err := strconv.ParseFloat(s[:i], 64)
	if err != nil {
		return 0, errBadNumber
	}
	if unit := strings.TrimSpace(s[i:]); unit != "" {
		found := false
		for _, u := range timeUnits {
			if u.name == unit {
				f *= u.ms
				found = true
			}
		}
		if !found {
			return 0, errBadUnit
		}
	}
	f = math.RoundToEven(f)
	if f > math.MaxInt32 || f < math.MinInt32 {
		return 0, errBadNumber
	}
	return int64(f), nil
}

// formatMillis is a time setting as SHOW gives it: 0, or the value in the
// largest unit that divides it.
func formatMillis(ms int64) string {
	if ms == 0 {
		return "0"
	}
	for _, u := range timeUnits {
		if u.ms >= 1 && ms%int64(u.ms) == 0 {
			return strconv.FormatInt(ms/int64(u.ms), 10) + u.name
		}
	}
	return strconv.FormatInt(ms, 10) + "ms"
}

// reportedSettings are sent as ParameterStatus at startup, with the
// spelling Postgres uses.
var reportedSettings = []struct{ wire, key string }{
	{"server_version", "server_version"},
	{"server_encoding", "server_encoding"},
	{"client_encoding", "client_encoding"},
	{"DateStyle", "datestyle"},
	{"IntervalStyle", "intervalstyle"},
	{"TimeZone", "timezone"},
	{"integer_datetimes", "integer_datetimes"},
	{"standard_conforming_strings", "standard_conforming_strings"},
	{"is_superuser", "is_superuser"},
	{"application_name", "application_name"},
	{"session_authorization", "session_authorization"},
}

// serverVersionNum turns "15.0" into "150000".
func serverVersionNum(v string) string {
	major, minor := 0, 0
	i := 0
	for ; i < len(v) && v[i] >= '0' && v[i] <= '9'; i++ {
		major = major*10 + int(v[i]-'0')
	}
	if i < len(v) && v[i] == '.' {
		for i++; i < len(v) && v[i] >= '0' && v[i] <= '9'; i++ {
			minor = minor*10 + int(v[i]-'0')
		}
	}
	n := major*10000 + minor
	return strconv.Itoa(n)
}
