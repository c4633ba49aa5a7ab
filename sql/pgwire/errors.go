package pgwire

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/weirdb/weir/sql"
)

// SQLSTATE codes pgwire sends.
const (
	codeSyntaxError               = "42601"
	codeFeatureNotSupported       = "0A000"
	codeQueryCanceled             = "57014"
	codeInvalidPassword           = "28P01"
	codeInvalidAuthorization      = "28000"
	codeProtocolViolation         = "08P01"
	codeInternal                  = "XX000"
	codeInvalidSQLStmtName        = "26000"
	codeUndefinedCursor           = "34000"
	codeDuplicatePrepared         = "42P05"
	codeDuplicateCursor           = "42P03"
	codeInFailedTx                = "25P02"
	codeInvalidParamValue         = "22P02"
	codeUndefinedObject           = "42704"
	codeBadEncoding               = "22021" // character_not_in_repertoire
	codeNumericOutOfRange         = "22003"
	codeDivisionByZero            = "22012"
	codeInvalidTextRepresentation = "22P02"
	codeUndefinedTable            = "42P01"
	codeInvalidSchemaName         = "3F000"
	codeInvalidColumnReference    = "42P10"
	codeObjectNotInState          = "55000"
	codeAdminShutdown             = "57P01"
	codeInvalidParameterValue     = "22023"
)

// Error is an error with a SQLSTATE code that an Engine may return (or wrap)
// for failures that are not *sql.Error; pgwire sends Code, Msg, Detail and
// Hint in the ErrorResponse.
type Error struct {
	Code   string
	Msg    string
	Detail string
	Hint   string
	// at is 1 + the byte offset in the statement the error points at
	// (0: none), for errors pgwire raises evaluating a statement itself.
	at int
}

// Error returns "<msg> (SQLSTATE <code>)".
func (e *Error) Error() string { return e.Msg + " (SQLSTATE " + e.Code + ")" }

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// posErrorf is errorf pointing at byte offset off of the statement (none
// when off < 0).
func posErrorf(off int, code, format string, args ...any) *Error {
	e := errorf(code, format, args...)
	if off >= 0 {
		e.at = off + 1
	}
	return e
}

// toErrorResponse maps err to an ErrorResponse; a statement cancelled by a
// CancelRequest or statement_timeout is 57014 whatever err is. stmt is the statement text
// the engine saw and pos maps a byte offset in it to a 1-based character
// position in the client's query string (nil: no position).
func toErrorResponse(err error, cause cancelCause, stmt string, pos func(int) int) *pgproto3.ErrorResponse {
	r := &pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR"}
	var se *sql.Error
	var pe *Error
	var coded interface{ SQLState() string }
	switch {
	case cause == canceledByTimeout:
		r.Code, r.Message = codeQueryCanceled, "canceling statement due to statement timeout"
	case cause == canceledByUser || errors.Is(err, context.Canceled):
		r.Code, r.Message = codeQueryCanceled, "canceling statement due to user request"
	case errors.As(err, &se):
		r.Code, r.Message = se.Code, se.Msg
		if r.Code == "" {
			r.Code = codeSyntaxError
		}
		if se.At.Line > 0 && pos != nil && se.At.Offset >= 0 && se.At.Offset <= len(stmt) {
			r.Position = int32(pos(se.At.Offset))
		}
	case errors.As(err, &pe):
		r.Code, r.Message, r.Detail, r.Hint = pe.Code, pe.Msg, pe.Detail, pe.Hint
		if pe.at > 0 && pos != nil && pe.at-1 <= len(stmt) {
			r.Position = int32(pos(pe.at - 1))
		}
	case errors.As(err, &coded):
		r.Code, r.Message = coded.SQLState(), err.Error()
	default:
		r.Code, r.Message = codeInternal, err.Error()
	}
	if !utf8.ValidString(r.Message) {
		r.Message = string([]rune(r.Message))
	}
	return r
}

// checkUTF8 returns 22021 when s is not valid UTF-8, naming the bytes of
// the first bad sequence as Postgres does: the lead byte and as many of the
// following bytes as it announces.
func checkUTF8(s string) error {
	if utf8.ValidString(s) {
		return nil
	}
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		i += n
	}
	n := 1
	switch c := s[i]; {
	case c&0xe0 == 0xc0:
		n = 2
	case c&0xf0 == 0xe0:
		n = 3
	case c&0xf8 == 0xf0:
		n = 4
	}
	n = min(n, len(s)-i)
	var b strings.Builder
	for k := range n {
		if k > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "0x%02x", s[i+k])
	}
	return errorf(codeBadEncoding, "invalid byte sequence for encoding \"UTF8\": %s", b.String())
}

// fatal builds a FATAL ErrorResponse, sent before the connection closes.
func fatal(code, msg string) *pgproto3.ErrorResponse {
	return &pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: code, Message: msg}
}
