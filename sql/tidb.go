package sql

import (
	"strconv"
	"strings"
	"sync"

	tidb "github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	_ "github.com/pingcap/tidb/pkg/parser/test_driver" // value expressions for TiDB's parser
)

// tidbParsers pools TiDB parsers, which are not safe for concurrent use.
// They parse in ANSI mode: "x" is an identifier, || concatenates, and a
// backslash in a string is an ordinary character.
var tidbParsers = sync.Pool{New: func() any {
	tp := tidb.New()
	tp.SetSQLMode(mysql.ModeANSIQuotes | mysql.ModePipesAsConcat | mysql.ModeNoBackslashEscapes)
	tp.EnableWindowFunc(false)
	return tp
}}

// tidbParse parses text, one SELECT statement, with TiDB. On a syntax error
// it returns the offset in text where TiDB stopped.
func tidbParse(text string) (node ast.StmtNode, off int, ok bool) {
	tp := tidbParsers.Get().(*tidb.Parser)
	defer func() {
		// A panic inside TiDB's parser is reported as a syntax error at the
		// start; the parser, in an unknown state, is not reused.
		if r := recover(); r != nil {
			node, off, ok = nil, 0, false
			return
		}
		tidbParsers.Put(tp)
	}()
	stmts, _, err := tp.Parse(text, "", "")
	if err != nil {
		return nil, tidbErrorOffset(text, err.Error()), false
	}
	if len(stmts) != 1 {
		return nil, len(text), false
	}
	return stmts[0], 0, true
}

// tidbErrorOffset recovers where TiDB's scanner stood from its message
// `line L column C near "REST" ...`: REST is the text from that offset on.
func tidbErrorOffset(text, msg string) int {
	const near = ` near "`
	i := strings.Index(msg, near)
	if i < 0 {
		return len(text)
	}
	rest := msg[i+len(near):]
	if j := strings.LastIndex(rest, "(total length "); j >= 0 {
		if n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest[j+len("(total length "):]), ")")); err == nil && n <= len(text) {
			return len(text) - n
		}
	}
	for _, suffix := range []string{`" `, `"`} {
		if v, ok := strings.CutSuffix(rest, suffix); ok && strings.HasSuffix(text, v) {
			return len(text) - len(v)
		}
	}
	return len(text)
}
