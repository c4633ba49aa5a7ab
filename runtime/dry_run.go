package runtime

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/planner"
	"github.com/weirdb/weir/sql"
)

// Checker checks the statements of a script, in order, as Exec would
// execute them, without executing anything: it keeps a catalog of its own,
// which each CREATE and DROP changes as Exec would (so a statement may use
// a source or view created earlier in the script), plans every query, and
// starts none. It opens no file, topic, connection or dead-letter
// destination; the connectors that need no I/O to read their options
// (file and datagen sources, every sink) are constructed, so that a bad
// option is refused too. `weir run` checks a whole script with it before
// running any of it.
//
// What only running can tell — a data file that does not exist, a broker
// that cannot be reached — is not checked.
type Checker struct {
	e *Engine
	// users maps a lower-cased source or view name to the materialized
	// views and sinks whose queries read it ("view v", "sink k"), for the
	// dependency checks of DROP (Engine.sourceUser and viewUser look at
	// running queries, and the checker runs none).
	users map[string][]string
}

// NewChecker returns a checker with an empty catalog.
func NewChecker() *Checker {
	return &Checker{e: New(Options{Config: Defaults(), Stderr: io.Discard}), users: map[string][]string{}}
}

// Check checks one statement and applies its catalog changes. Its errors
// are Exec's: a *sql.Error positioned in the statement's text for a
// statement that would be rejected.
func (c *Checker) Check(stmt sql.Statement) error {
	e := c.e
	switch s := stmt.(type) {
	case *sql.CreateSource:
		def, err := planner.SourceDef(s)
		if err != nil {
			return err
		}
		if s.IfNotExists && e.cat.Source(def.Name) != nil {
			return nil
		}
		if def.Connector == "file" || def.Connector == "datagen" {
			if _, err := e.newSource(def); err != nil {
				return &sql.Error{At: s.At, Code: "22023", Msg: err.Error()}
			}
		}
		def.SQL = s.Text()
		if err := e.cat.AddSource(def); err != nil {
			return &sql.Error{At: s.At, Code: "42P07", Msg: err.Error()}
		}
	case *sql.CreateView:
		plan, err := planner.PlanQuery(e.cat, s.Query)
		if err != nil {
			return err
		}
		v := &catalog.View{Name: s.Name, Materialized: s.Materialized, Schema: plan.Output, SQL: s.Text(), QuerySQL: queryText(s)}
		if err := e.cat.AddView(v); err != nil {
			return &sql.Error{At: s.At, Code: "42P07", Msg: err.Error()}
		}
		if s.Materialized {
			c.use(plan, "view "+s.Name)
		}
	case *sql.CreateSink:
		plan, err := e.planSink(s)
		if err != nil {
			return err
		}
		def, err := planner.SinkDef(s)
		if err != nil {
			return err
		}
		if err := planner.CheckSinkKeyColumns(s, plan.Output); err != nil {
			return err
		}
		if _, err := e.newSink(def, plan); err != nil {
			return &sql.Error{At: s.At, Code: "22023", Msg: err.Error()}
		}
		if err := e.cat.AddSink(def); err != nil {
			return &sql.Error{At: s.At, Code: "42P07", Msg: err.Error()}
		}
		c.use(plan, "sink "+def.Name)
	case *sql.SelectStmt:
		if isConstQuery(s.Query) {
			_, err := e.DescribeConst(s.Query)
			return err
		}
		if _, ok := e.readTarget(s.Query); ok {
			_, err := e.DescribeRead(s.Query)
			return err
		}
		_, err := planner.PlanQuery(e.cat, s.Query)
		return err
	case *sql.Explain:
		_, err := planner.PlanQuery(e.cat, s.Query)
		return err
	case *sql.Drop:
		return c.drop(s)
	case *sql.Show:
		_, err := e.show(s)
		return err
	case *sql.Describe:
		_, err := e.describe(s)
		return err
	default:
		return &sql.Error{At: stmt.StmtPos(), Code: "0A000", Msg: "statement not supported here: " + firstLine(stmt.Text())}
	}
	return nil
}

// use records that the query of owner reads plan's sources and views.
func (c *Checker) use(plan *planner.Plan, owner string) {
	for _, n := range plan.Sources {
		if n.Source != nil {
			k := strings.ToLower(n.Source.Name)
			c.users[k] = append(c.users[k], owner)
		}
	}
	for _, v := range plan.Views {
		k := strings.ToLower(v)
		c.users[k] = append(c.users[k], owner)
	}
}

// drop checks a DROP as Engine.drop does, then applies it.
func (c *Checker) drop(s *sql.Drop) error {
	cat := c.e.cat
	var exists bool
	switch s.Kind {
	case sql.KindSource:
		exists = cat.Source(s.Name) != nil
	case sql.KindView:
		exists = cat.View(s.Name) != nil
	case sql.KindSink:
		exists = cat.Sink(s.Name) != nil
	}
	if !exists {
		if s.IfExists {
			return nil
		}
		return &sql.Error{At: s.NameAt, Code: "42P01", Msg: fmt.Sprintf("%s %q does not exist", strings.ToLower(string(s.Kind)), s.Name)}
	}
	if s.Kind != sql.KindSink {
		user := c.user(s.Name)
		if s.Kind == sql.KindView {
			for _, k := range cat.Sinks() {
				if strings.EqualFold(k.From, s.Name) {
					user = "sink " + k.Name
				}
			}
		}
		if user != "" {
			return &sql.Error{At: s.At, Code: "2BP01", Msg: fmt.Sprintf("cannot drop %s %q: %s depends on it", strings.ToLower(string(s.Kind)), s.Name, user)}
		}
	}
	cat.Drop(s.Name)
	if s.Kind != sql.KindSource {
		c.forget(strings.ToLower(string(s.Kind)) + " " + s.Name)
	}
	return nil
}

// forget removes a dropped view or sink from the users of what it read.
func (c *Checker) forget(owner string) {
	for k, owners := range c.users {
		c.users[k] = slices.DeleteFunc(owners, func(o string) bool { return strings.EqualFold(o, owner) })
	}
}

// user names a materialized view or sink of the catalog that reads name,
// or returns "".
func (c *Checker) user(name string) string {
	if owners := c.users[strings.ToLower(name)]; len(owners) > 0 {
		return owners[0]
	}
	return ""
}

// firstLine is the first line of a statement's text, as an error quotes it.
func firstLine(text string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
	return strings.TrimSpace(line)
}
