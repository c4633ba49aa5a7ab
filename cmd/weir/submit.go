package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weirdb/weir/sql"
)

// runSubmit implements `weir submit --server ADDR FILE.sql...`: each
// statement of each file is sent, in order, over the Postgres wire; what was
// created is reported on out. The first failing statement stops the submit.
func runSubmit(args []string, out, errw io.Writer) int {
	fs := flag.NewFlagSet("weir submit", flag.ContinueOnError)
	fs.SetOutput(errw)
	server := fs.String("server", "127.0.0.1:6566", "server address HOST:PORT or a postgres:// URL")
	user := fs.String("user", "weir", "user name (the password comes from PGPASSWORD)")
	fs.Usage = func() {
		fmt.Fprintf(errw, "Usage: weir submit --server ADDR FILE.sql...\n\nSends the statements of the files to a running `weir serve` and reports\nwhat was created.\n\nFlags:\n")
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
		stmts, err := sql.Parse(string(text))
		if err != nil {
			fmt.Fprintf(errw, "%s: %v\n", name, err)
			return exitSQLError
		}
		parsed = append(parsed, file{name, stmts})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
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
			if _, ok := s.(*sql.SelectStmt); ok {
				fmt.Fprintf(errw, "%s:%d: a bare SELECT runs only as long as a client reads it; use CREATE MATERIALIZED VIEW or CREATE SINK\n", f.name, s.StmtPos().Line)
				return exitSQLError
			}
			tag, err := conn.Exec(ctx, s.Text(), pgx.QueryExecModeSimpleProtocol)
			if err != nil {
				fmt.Fprintf(errw, "%s:%d: %v\n", f.name, s.StmtPos().Line, err)
				fmt.Fprintf(out, "%d objects created before the error\n", created)
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
	fmt.Fprintf(out, "%d objects created\n", created)
	return exitOK
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

// connectServer connects to a weir server given as HOST:PORT or a URL.
func connectServer(ctx context.Context, server, user string) (*pgx.Conn, error) {
	url := server
	if !strings.HasPrefix(server, "postgres://") && !strings.HasPrefix(server, "postgresql://") {
		url = fmt.Sprintf("postgres://%s@%s/weir?sslmode=prefer", user, server)
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	return pgx.ConnectConfig(ctx, cfg)
}
