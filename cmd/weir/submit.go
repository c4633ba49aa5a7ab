package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/jackc/pgx/v5"

	"github.com/weirdb/weir/sql"
)

// runSubmit implements `weir submit --server ADDR FILE.sql...`: every file
// is read, parsed and checked first, so a file with an error sends nothing;
// then each statement of each file is sent, in order, over the Postgres wire
// and what was created is reported on out. The first failing statement stops
// the submit. Every statement error prints as "FILE:LINE:COLUMN: ERROR: msg"
// ("FILE:LINE: ERROR: msg" when it has no position) on errw, followed on out
// by how many objects were created before it.
func runSubmit(args []string, out, errw io.Writer) int {
	fs := flag.NewFlagSet("weir submit", flag.ContinueOnError)
	fs.SetOutput(errw)
	server := fs.String("server", "127.0.0.1:6566", "the weir serve at `HOST:PORT` (or a postgres:// URL)")
	user := fs.String("user", "weir", "connect to --server HOST:PORT as user `NAME` (the password comes from PGPASSWORD; not used with a postgres:// URL, whose user counts)")
	fs.Usage = func() {
		fmt.Fprintf(errw, "Usage: weir submit [--server HOST:PORT] [--user NAME] FILE.sql...\n\nSends the statements of the files to a running `weir serve` and reports\nwhat was created.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	files, code := parseFileArgs(fs, args, errw)
	if files == nil {
		return code
	}
	type file struct {
		name  string
		stmts []sql.Statement
	}
	var parsed []file
	for _, name := range files {
		text, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintf(errw, "weir submit: %v\n", err)
			return exitFailed
		}
		parsed = append(parsed, file{name: name})
		stmts, err := sql.Parse(string(text))
		if err != nil {
			// Parse positions its errors in the file's text.
			printSubmitError(errw, name, localError(err), &stmtAt{line: 1, col: 1})
			fmt.Fprintln(out, "0 objects created before the error")
			return exitSQLError
		}
		parsed[len(parsed)-1].stmts = stmts
	}
	for _, f := range parsed {
		for _, s := range f.stmts {
			if msg := refuseInSubmit(s); msg != "" {
				at := s.StmtPos()
				printSubmitError(errw, f.name, &stmtError{msg: msg, line: 1, col: 1}, &stmtAt{line: at.Line, col: at.Col})
				fmt.Fprintln(out, "0 objects created before the error")
				return exitSQLError
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	conn, err := connectServer(ctx, *server, *user)
	if err != nil {
		fmt.Fprintf(errw, "weir submit: %v\n", err)
		return exitFailed
	}
	defer conn.Close(context.Background())
	created := 0
	for _, f := range parsed {
		for _, s := range f.stmts {
			tag, err := conn.Exec(ctx, s.Text(), pgx.QueryExecModeSimpleProtocol)
			if err != nil {
				at := s.StmtPos()
				printSubmitError(errw, f.name, remoteError(err, s.Text()), &stmtAt{line: at.Line, col: at.Col})
				fmt.Fprintf(out, "%s created before the error\n", objects(created))
				return exitSQLError
			}
			if what := createdWhat(s); what != "" {
				created++
				fmt.Fprintf(out, "created %s\n", what)
			} else {
				fmt.Fprintf(out, "%s\n", tag.String())
			}
		}
	}
	fmt.Fprintf(out, "%s created\n", objects(created))
	return exitOK
}

// objects says "1 object" or "N objects".
func objects(n int) string {
	if n == 1 {
		return "1 object"
	}
	return fmt.Sprintf("%d objects", n)
}

// refuseInSubmit says why submit does not send s, or "" when it does: a
// statement that streams rows lasts only as long as a client reads them.
func refuseInSubmit(s sql.Statement) string {
	switch s.(type) {
	case *sql.SelectStmt:
		return "a bare SELECT runs only as long as a client reads it; use CREATE MATERIALIZED VIEW or CREATE SINK"
	case *sql.Subscribe:
		return "SUBSCRIBE streams rows only as long as a client reads them; use weir repl or psql"
	}
	return ""
}

// printSubmitError prints e as "FILE:LINE:COLUMN: ERROR: msg", the
// position in the file (at is where e's statement starts there), or
// "FILE:LINE: ERROR: msg" with the statement's first line when e has no
// position; then e's detail and hint.
func printSubmitError(w io.Writer, name string, e *stmtError, at *stmtAt) {
	if line, col := e.in(at); line > 0 {
		fmt.Fprintf(w, "%s:%d:%d: ERROR: %s\n", name, line, col, e.msg)
	} else {
		fmt.Fprintf(w, "%s:%d: ERROR: %s\n", name, at.line, e.msg)
	}
	printDetail(w, e)
}

// createdWhat describes what a CREATE statement makes ("source metrics"),
// or "" for other statements.
func createdWhat(s sql.Statement) string {
	switch x := s.(type) {
	case *sql.CreateSource:
		return "source " + x.Name
	case *sql.CreateView:
		if x.Materialized {
			return "materialized view " + x.Name
		}
		return "view " + x.Name
	case *sql.CreateSink:
		return "sink " + x.Name
	}
	return ""
}
