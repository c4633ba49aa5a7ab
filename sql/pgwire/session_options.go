package pgwire

import (
	"strings"
)

// This file is the `options` startup parameter (libpq's PGOPTIONS, pgx's
// and JDBC's options=): command-line switches PostgreSQL applies to the
// session as it starts.

// codeCantChangeRuntimeParam is cant_change_runtime_param, what
// PostgreSQL answers a setting only the server decides.
const codeCantChangeRuntimeParam = "55P02"

// readOnlySettings are the settings a session cannot change: the server's
// facts.
var readOnlySettings = map[string]bool{
	"server_version": true, "server_version_num": true, "server_encoding": true,
	"integer_datetimes": true, "lc_collate": true, "lc_ctype": true,
	"max_identifier_length": true, "is_superuser": true,
	"in_hot_standby": true,
}

// checkWritable refuses, with PostgreSQL's error, to set a setting only
// the server decides (ssl is the server's configuration).
func checkWritable(name string) error {
	switch {
	case name == "ssl":
		return errorf(codeCantChangeRuntimeParam, "parameter %q cannot be changed now", name)
	case readOnlySettings[name]:
		return errorf(codeCantChangeRuntimeParam, "parameter %q cannot be changed", name)
	}
	return nil
}

// sessionSettings are the PostgreSQL settings a client may set at startup
// beyond those the server reports (defaultSettings): the ones drivers and
// tools commonly send. weir keeps them for SHOW; only statement_timeout
// changes what it does.
var sessionSettings = map[string]bool{
	"lock_timeout": true, "idle_in_transaction_session_timeout": true,
	"idle_session_timeout": true, "client_min_messages": true, "work_mem": true,
	"bytea_output": true, "geqo": true, "jit": true, "row_security": true,
	"synchronous_commit": true, "enable_seqscan": true, "log_statement": true,
	"default_transaction_deferrable": true, "xmloption": true, "role": true,
	"lc_messages": true, "lc_monetary": true, "lc_numeric": true, "lc_time": true,
}

// knownSetting reports whether name (lower case) is a setting PostgreSQL
// would accept at startup: one weir reports, a common one, or a custom
// one (a dotted name, as PostgreSQL's placeholders).
func (s *Server) knownSetting(name string) bool {
	_, ok := s.defaults[name]
	return ok || sessionSettings[name] || strings.Contains(name, ".")
}

// splitOptions splits the options startup parameter as PostgreSQL does
// (pg_split_opts): on white space, a backslash making the next character
// part of the word.
func splitOptions(s string) []string {
	var out []string
	var b strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isSpace(c):
			if in {
				out = append(out, b.String())
				b.Reset()
				in = false
			}
			continue
		case c == '\\' && i+1 < len(s):
			i++
			c = s[i]
		}
		b.WriteByte(c)
		in = true
	}
	if in {
		out = append(out, b.String())
	}
	return out
}

// parseOptions reads the settings of the options startup parameter: each
// `-c name=value`, `-cname=value` or `--name=value` (a '-' in the name is
// '_'), in order. Another switch, or one without a value, is the error
// PostgreSQL gives.
func parseOptions(s string) ([][2]string, error) {
	words := splitOptions(s)
	invalid := func(w string) error {
		return &Error{Code: codeSyntaxError, Msg: "invalid command-line argument for server process: " + w,
			Hint: `Try "postgres --help" for more information.`}
	}
	var out [][2]string
	for i := 0; i < len(words); i++ {
		w := words[i]
		var opt, shown string
		switch {
		case w == "--":
			// The end of the switches: nothing may follow.
			if i+1 < len(words) {
				return nil, invalid(words[i+1])
			}
			return out, nil
		case w == "-c":
			if i+1 >= len(words) {
				return nil, invalid(w)
			}
			i++
			opt, shown = words[i], "-c "
		case strings.HasPrefix(w, "-c"):
			opt, shown = w[2:], "-c "
		case strings.HasPrefix(w, "--"):
			opt, shown = w[2:], "--"
		default:
			return nil, invalid(w)
		}
		name, value, ok := strings.Cut(opt, "=")
		if !ok {
			return nil, errorf(codeSyntaxError, "%s%s requires a value", shown, opt)
		}
		out = append(out, [2]string{strings.ToLower(strings.ReplaceAll(name, "-", "_")), value})
	}
	return out, nil
}

// startupSetting checks a setting given at startup (in options or as a
// startup parameter) and returns its value as SHOW gives it. Its errors
// are those PostgreSQL ends the connection with.
func (s *Server) startupSetting(name, value string) (string, error) {
	if err := checkWritable(name); err != nil {
		return "", err
	}
	if name == "session_authorization" {
		return "", errorf(codeCantChangeRuntimeParam, "parameter %q cannot be changed", name)
	}
	if !s.knownSetting(name) {
		return "", errorf(codeUndefinedObject, "unrecognized configuration parameter %q", name)
	}
	return checkSetting(name, value)
}
