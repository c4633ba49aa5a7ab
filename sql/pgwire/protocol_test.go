package pgwire

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/stretchr/testify/require"
)

// rawClient is a protocol-level client for the golden tests.
type rawClient struct {
	nc net.Conn
	fe *pgproto3.Frontend
}

func dialRaw(t testing.TB, addr string) *rawClient {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = nc.Close() })
	return &rawClient{nc: nc, fe: pgproto3.NewFrontend(nc, nc)}
}

// readUntil renders backend messages until one of type stop (or n
// messages when n > 0, or the end of the connection).
func (c *rawClient) readUntil(t testing.TB, stop string, n int) string {
	t.Helper()
	var b strings.Builder
	require.NoError(t, c.nc.SetReadDeadline(time.Now().Add(10*time.Second)))
	for i := 0; n == 0 || i < n; i++ {
		msg, err := c.fe.Receive()
		if err != nil {
			if err == io.EOF || strings.Contains(err.Error(), "EOF") || strings.Contains(err.Error(), "reset") {
				b.WriteString("<closed>\n")
				break
			}
			require.NoError(t, err)
		}
		line := renderBackend(msg)
		b.WriteString(line + "\n")
		if stop != "" && strings.HasPrefix(line, stop) {
			break
		}
	}
	return b.String()
}

func renderBackend(msg pgproto3.BackendMessage) string {
	switch m := msg.(type) {
	case *pgproto3.RowDescription:
		parts := []string{"RowDescription"}
		for _, f := range m.Fields {
			parts = append(parts, fmt.Sprintf("%s:%d:%d", f.Name, f.DataTypeOID, f.Format))
		}
		return strings.Join(parts, " ")
	case *pgproto3.DataRow:
		parts := []string{"DataRow"}
		for _, v := range m.Values {
			parts = append(parts, renderValue(v))
		}
		return strings.Join(parts, " ")
	case *pgproto3.CommandComplete:
		return "CommandComplete " + string(m.CommandTag)
	case *pgproto3.ReadyForQuery:
		return "ReadyForQuery " + string(m.TxStatus)
	case *pgproto3.ErrorResponse:
		s := fmt.Sprintf("ErrorResponse %s %s %q", m.Severity, m.Code, m.Message)
		if m.Position > 0 {
			s += fmt.Sprintf(" position=%d", m.Position)
		}
		return s
	case *pgproto3.NoticeResponse:
		return fmt.Sprintf("NoticeResponse %s %s %q", m.Severity, m.Code, m.Message)
	case *pgproto3.ParameterDescription:
		return fmt.Sprintf("ParameterDescription %v", m.ParameterOIDs)
	case *pgproto3.ParameterStatus:
		return fmt.Sprintf("ParameterStatus %s=%s", m.Name, m.Value)
	case *pgproto3.CopyOutResponse:
		return fmt.Sprintf("CopyOutResponse format=%d columns=%v", m.OverallFormat, m.ColumnFormatCodes)
	case *pgproto3.CopyData:
		return "CopyData " + strconv.Quote(string(m.Data))
	case *pgproto3.AuthenticationSASL:
		return fmt.Sprintf("AuthenticationSASL %v", m.AuthMechanisms)
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", msg), "*pgproto3.")
}

// renderValue shows a text value quoted, a binary one (any control
// or non-ASCII byte) as \x and hex, NULL as NULL.
func renderValue(v []byte) string {
	if v == nil {
		return "NULL"
	}
	for _, c := range v {
		if c < 0x20 || c >= 0x7f {
			return `\x` + hex.EncodeToString(v)
		}
	}
	return strconv.Quote(string(v))
}

var frontendTypes = map[string]func() pgproto3.FrontendMessage{
	"Query":     func() pgproto3.FrontendMessage { return &pgproto3.Query{} },
	"Parse":     func() pgproto3.FrontendMessage { return &pgproto3.Parse{} },
	"Bind":      func() pgproto3.FrontendMessage { return &pgproto3.Bind{} },
	"Describe":  func() pgproto3.FrontendMessage { return &pgproto3.Describe{} },
	"Execute":   func() pgproto3.FrontendMessage { return &pgproto3.Execute{} },
	"Close":     func() pgproto3.FrontendMessage { return &pgproto3.Close{} },
	"Sync":      func() pgproto3.FrontendMessage { return &pgproto3.Sync{} },
	"Flush":     func() pgproto3.FrontendMessage { return &pgproto3.Flush{} },
	"Terminate": func() pgproto3.FrontendMessage { return &pgproto3.Terminate{} },
}

// TestProtocol runs testdata/protocol: golden exchanges of frontend
// messages (JSON, one a line) and the backend's answers.
//
//	connect [user=NAME]   new connection; prints the startup answer; each
//	                      input line name=value is a startup parameter
//	send [read=N]         sends the messages; prints answers up to
//	                      ReadyForQuery (or N messages)
//	query                 sends the input as one Query message; prints
//	                      the answers up to ReadyForQuery
func TestProtocol(t *testing.T) {
	datadriven.Walk(t, "testdata/protocol", func(t *testing.T, path string) {
		ts := startServer(t, Config{})
		var c *rawClient
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "connect":
				user := "tester"
				if d.HasArg("user") {
					d.ScanArgs(t, "user", &user)
				}
				params := map[string]string{"user": user, "application_name": "golden"}
				for _, line := range strings.Split(d.Input, "\n") {
					if k, v, ok := strings.Cut(line, "="); ok {
						params[k] = v
					}
				}
				c = dialRaw(t, ts.addr)
				c.fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: params})
				require.NoError(t, c.fe.Flush())
				out := c.readUntil(t, "ReadyForQuery", 0)
				return out
			case "query":
				c.fe.Send(&pgproto3.Query{String: d.Input})
				require.NoError(t, c.fe.Flush())
				return c.readUntil(t, "ReadyForQuery", 0)
			case "send":
				n := 0
				if d.HasArg("read") {
					d.ScanArgs(t, "read", &n)
				}
				for _, line := range strings.Split(d.Input, "\n") {
					line = strings.TrimSpace(line)
					if line == "" {
						continue
					}
					name, body, _ := strings.Cut(line, " ")
					mk, ok := frontendTypes[name]
					require.True(t, ok, "unknown message %q", name)
					msg := mk()
					if body != "" {
						require.NoError(t, json.Unmarshal([]byte(body), msg), line)
					}
					c.fe.Send(msg)
				}
				require.NoError(t, c.fe.Flush())
				stop := "ReadyForQuery"
				if n > 0 {
					stop = ""
				}
				return c.readUntil(t, stop, n)
			}
			t.Fatalf("unknown command %q", d.Cmd)
			return ""
		})
	})
}
