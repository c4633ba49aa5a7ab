package pgwire

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"
)

// maxParams is the most parameters a statement may have (the protocol's
// Int16 count).
const maxParams = 65535

// prepared is a prepared statement of the extended protocol.
type prepared struct {
	query string // the Parse message's query string
	start int    // offset of the statement in query
	text  string // the statement, "" for the empty query
	pre   []edit // text's dollar-quoted strings made standard (standardStrings)
	refs  []paramRef
	oids  []uint32 // one per parameter: given in Parse or inferred; 0 = unknown
	// described is set when Parse described the statement: cols are its
	// result columns (nil: no rows), what Describe sends.
	described bool
	cols      []Column
}

// portal is a bound statement, running once executed.
type portal struct {
	name    string
	st      stmtText
	empty   bool
	formats []int16
	// described: cols are the statement's columns from Parse; a result
	// must have them (see conform).
	described bool
	cols      []Column
	res       Result
	ctx       context.Context
	cancel    context.CancelFunc
	done      bool
	tag       string
}

// describedLater are the statements Parse does not describe: their
// columns depend on cursors and prepared statements that a later message
// of the same batch may create.
var describedLater = map[string]bool{"fetch": true, "move": true, "close": true, "declare": true, "deallocate": true}

func (c *conn) parse(m *pgproto3.Parse) error {
	if m.Name == "" {
		// As in PostgreSQL, a new unnamed statement replaces the old one
		// even when it fails.
		delete(c.stmts, "")
	} else if _, ok := c.stmts[m.Name]; ok {
		return errorf(codeDuplicatePrepared, "prepared statement %q already exists", m.Name)
	}
	if err := checkUTF8(m.Query); err != nil {
		return err
	}
	q := strings.Clone(m.Query)
	p := &prepared{query: q}
	n := 0
	for _, sp := range splitStatements(q) {
		if sp.Empty {
			continue
		}
		if n++; n > 1 {
			return errorf(codeSyntaxError, "cannot insert multiple commands into a prepared statement")
		}
		p.start = sp.Start
		p.text, p.pre = standardStrings(q[sp.Start:sp.End])
	}
	p.refs = findParams(p.text)
	nparams := len(m.ParameterOIDs)
	for _, r := range p.refs {
		if r.N < 1 || r.N > maxParams {
			return errorf(codeUndefinedObject, "there is no parameter $%d", r.N)
		}
		nparams = max(nparams, r.N)
	}
	if nparams > maxParams {
		return errorf(codeProtocolViolation, "too many parameters: %d", nparams)
	}
	// Types Parse leaves unspecified are inferred from the statement
	// (param_types.go).
	var rels []Relation
	if len(p.refs) > 0 {
		rels = c.relationsOf(c.srv.ctx)
	}
	p.oids = inferParamTypes(p.text, nparams, m.ParameterOIDs, rels)
	// As PostgreSQL, Parse plans the statement: a syntax error, an unknown
	// relation or column fails here, not at Describe or Execute. The
	// columns are kept for Describe.
	if p.text != "" {
		if c.tx == txFailed && !isTxEnd(p.text) {
			return errorf(codeInFailedTx, "current transaction is aborted, commands ignored until end of transaction block")
		}
		if w := leadingWords(p.text, 1); len(w) == 0 || !describedLater[w[0]] {
			text, edits := describeParams(p.text, p.refs)
			cols, err := c.describeNow(text)
			if err != nil {
				return c.stmtError(err, &stmtText{text: text, query: q, start: p.start, edits: edits, pre: p.pre})
			}
			p.described, p.cols = true, cols
		}
	}
	c.stmts[m.Name] = p
	c.be.Send(&pgproto3.ParseComplete{})
	return nil
}

// describeNow describes stmt as a statement of its own (a CancelRequest or
// statement_timeout stops it).
func (c *conn) describeNow(stmt string) ([]Column, error) {
	ctx, cancel := context.WithCancel(c.srv.ctx)
	defer cancel()
	c.beginStatement(cancel)
	defer c.endStatement()
	return c.describe(ctx, stmt)
}

func (c *conn) bind(m *pgproto3.Bind) error {
	p, ok := c.stmts[m.PreparedStatement]
	if !ok {
		return errorf(codeInvalidSQLStmtName, "prepared statement %q does not exist", m.PreparedStatement)
	}
	if m.DestinationPortal != "" {
		if _, ok := c.portals[m.DestinationPortal]; ok {
			return errorf(codeDuplicateCursor, "portal %q already exists", m.DestinationPortal)
		}
	} else {
		c.closePortal("")
	}
	if len(m.Parameters) != len(p.oids) {
		return errorf(codeProtocolViolation, "bind message supplies %d parameters, but prepared statement %q requires %d", len(m.Parameters), m.PreparedStatement, len(p.oids))
	}
	if n := len(m.ParameterFormatCodes); n > 1 && n != len(m.Parameters) {
		return errorf(codeProtocolViolation, "bind message has %d parameter formats but %d parameters", n, len(m.Parameters))
	}
	for _, f := range m.ResultFormatCodes {
		if f != 0 && f != 1 {
			return errorf(codeProtocolViolation, "unsupported format code: %d", f)
		}
	}
	text, edits, err := bindParams(p.text, p.refs, m.Parameters, m.ParameterFormatCodes, p.oids)
	if err != nil {
		return err
	}
	c.portals[m.DestinationPortal] = &portal{
		name:      m.DestinationPortal,
		st:        stmtText{text: text, query: p.query, start: p.start, edits: edits, pre: p.pre},
		empty:     p.text == "",
		formats:   append([]int16(nil), m.ResultFormatCodes...),
		described: p.described,
		cols:      p.cols,
	}
	c.be.Send(&pgproto3.BindComplete{})
	return nil
}

func (c *conn) describePortalOrStmt(m *pgproto3.Describe) error {
	switch m.ObjectType {
	case 'S':
		p, ok := c.stmts[m.Name]
		if !ok {
			return errorf(codeInvalidSQLStmtName, "prepared statement %q does not exist", m.Name)
		}
		cols := p.cols
		if !p.described {
			text, edits := describeParams(p.text, p.refs)
			var err error
			if cols, err = c.describeNow(text); err != nil {
				return c.stmtError(err, &stmtText{text: text, query: p.query, start: p.start, edits: edits, pre: p.pre})
			}
		}
		c.be.Send(&pgproto3.ParameterDescription{ParameterOIDs: describedOIDs(p.oids)})
		if cols == nil {
			c.be.Send(&pgproto3.NoData{})
		} else {
			c.be.Send(rowDescription(cols, nil))
		}
		return nil
	case 'P':
		pt, ok := c.portals[m.Name]
		if !ok {
			return errorf(codeUndefinedCursor, "portal %q does not exist", m.Name)
		}
		if pt.res != nil {
			pt.cols = pt.res.Columns()
		} else if !pt.empty && !pt.described {
			cols, err := c.describeNow(pt.st.text)
			if err != nil {
				return c.stmtError(err, &pt.st)
			}
			pt.cols = cols
		}
		if pt.cols == nil {
			c.be.Send(&pgproto3.NoData{})
			return nil
		}
		if err := checkFormats(pt.formats, len(pt.cols)); err != nil {
			return err
		}
		c.be.Send(rowDescription(pt.cols, pt.formats))
		return nil
	}
	return errorf(codeProtocolViolation, "invalid DESCRIBE message subtype %d", m.ObjectType)
}

func (c *conn) execute(m *pgproto3.Execute) error {
	pt, ok := c.portals[m.Portal]
	if !ok {
		return errorf(codeUndefinedCursor, "portal %q does not exist", m.Portal)
	}
	if pt.empty {
		c.be.Send(&pgproto3.EmptyQueryResponse{})
		return nil
	}
	if pt.done {
		// As PostgreSQL: a finished query returns no more rows; a command
		// (or a statement that failed) cannot run again.
		if pt.tag == "" || pt.cols == nil {
			return errorf(codeObjectNotInState, "portal %q cannot be run", pt.name)
		}
		c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(exhaustedTag(pt.tag))})
		return nil
	}
	if pt.res == nil {
		pt.ctx, pt.cancel = context.WithCancel(c.srv.ctx)
		c.beginStatement(pt.cancel)
		res, err := c.start(pt.ctx, pt.st.text)
		if err == nil && pt.described {
			conformed, cerr := conform(res, pt.cols)
			if cerr != nil {
				closeResult(res)
			}
			res, err = conformed, cerr
		}
		if err != nil {
			c.endStatement()
			pt.done, pt.tag = true, ""
			return c.stmtError(err, &pt.st)
		}
		pt.res = res
		pt.cols = res.Columns()
		if err := checkFormats(pt.formats, len(pt.cols)); err != nil {
			c.endStatement()
			c.finishPortal(pt)
			return err
		}
	} else {
		c.beginStatement(pt.cancel)
	}
	defer c.endStatement()
	n, suspended, err := c.sendRows(pt.ctx, pt.res, pt.cols, pt.formats, m.MaxRows)
	if err != nil {
		c.finishPortal(pt)
		return c.stmtError(err, &pt.st)
	}
	if suspended {
		c.be.Send(&pgproto3.PortalSuspended{})
		return nil
	}
	pt.tag = commandTag(pt.res, pt.cols, n)
	c.finishPortal(pt)
	c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(pt.tag)})
	return nil
}

// stmtError sends a statement's error with its position and marks the
// rest of the extended-protocol batch to be skipped; it returns nil (the
// error is handled) unless the connection is gone.
func (c *conn) stmtError(err error, st *stmtText) error {
	if isConnError(err) {
		return err
	}
	c.sendError(err, st)
	c.ignoreTillSync = true
	return nil
}

// finishPortal releases a portal's running result; the portal itself stays
// until closed.
func (c *conn) finishPortal(pt *portal) {
	pt.done = true
	if pt.res != nil {
		closeResult(pt.res)
		pt.res = nil
	}
	if pt.cancel != nil {
		pt.cancel()
	}
}

func (c *conn) closeMsg(m *pgproto3.Close) {
	switch m.ObjectType {
	case 'S':
		delete(c.stmts, m.Name)
	case 'P':
		c.closePortal(m.Name)
	}
	c.be.Send(&pgproto3.CloseComplete{})
}

func (c *conn) closePortal(name string) {
	if pt, ok := c.portals[name]; ok {
		c.finishPortal(pt)
		delete(c.portals, name)
	}
}

func (c *conn) closeAllPortals() {
	for name := range c.portals {
		c.closePortal(name)
	}
}

// describedOIDs are the parameter types ParameterDescription sends: an
// unknown one is text (25), as PostgreSQL reports a parameter nothing in
// the statement types.
func describedOIDs(oids []uint32) []uint32 {
	out := make([]uint32, len(oids))
	for i, o := range oids {
		if o == 0 {
			o = oidText
		}
		out[i] = o
	}
	return out
}
