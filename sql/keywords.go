package sql

import (
	"errors"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// Column names that are keywords of TiDB's (MySQL's) grammar but not of
// PostgreSQL's — partition, key, range, rows, ... — may be written bare,
// as PostgreSQL clients do (weir_dead_letters has a column partition):
// when TiDB stops at such a word used as a name (not called, not a
// clause), the query is handed to it again with the word quoted.

// columnKeywords are the words quoted so. Words with a meaning in weir's
// SQL or PostgreSQL's (VALUES, ROW(...), operators such as DIV or REGEXP,
// PostgreSQL's reserved words) are not among them.
var columnKeywords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`partition key keys range rows row index database schema read write
		lines match release require usage use zerofill unsigned analyze explain describe show set option
		outfile infile load lock unlock kill force ignore insert update delete replace drop alter add
		change rename revoke iterate leave repeat call cursor spatial fulltext generated stored virtual
		recursive delayed optimize terminated enclosed escaped starting sqlexception sqlstate sqlwarning
		trigger precision high_priority low_priority straight_join sql_calc_found_rows sql`) {
		m[w] = true
	}
	return m
}()

// maxKeywordRetries bounds the reparses of one query.
const maxKeywordRetries = 16

// parseColumnKeywords lifts toks and parses them with TiDB, quoting the
// column keywords TiDB stops at.
func (p *parser) parseColumnKeywords(toks []token) (*converter, ast.StmtNode, error) {
	quoted := map[int]bool{}
	for try := 0; ; try++ {
		c := &converter{p: p, toks: toks, quoted: quoted}
		if err := c.lift(toks); err != nil {
			return nil, nil, err
		}
		node, err := c.parse(toks)
		if err == nil {
			return c, node, nil
		}
		var e *Error
		if try < maxKeywordRetries && errors.As(err, &e) {
			if k := columnKeywordAt(toks, e.At.Offset); k >= 0 && !quoted[toks[k].start] {
				quoted[toks[k].start] = true
				continue
			}
		}
		return nil, nil, err
	}
}

// columnKeywordAt returns the index of the token at byte offset off if it
// is a column keyword used as a name (not followed by '('), else -1.
func columnKeywordAt(toks []token, off int) int {
	for k, t := range toks {
		if t.start != off {
			continue
		}
		if t.kind != tokIdent || !columnKeywords[strings.ToLower(t.val)] || k+1 < len(toks) && toks[k+1].isOp("(") {
			return -1
		}
		return k
	}
	return -1
}
