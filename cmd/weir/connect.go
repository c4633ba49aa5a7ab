package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// connectTimeout bounds connecting to a server (repl --server, submit).
const connectTimeout = 30 * time.Second

// connectServer connects to a weir server given as HOST:PORT or a URL. Its
// error is one line: the server's address and the cause (connectError).
func connectServer(ctx context.Context, server, user string) (*pgx.Conn, error) {
	url := server
	if !strings.HasPrefix(server, "postgres://") && !strings.HasPrefix(server, "postgresql://") {
		url = fmt.Sprintf("postgres://%s@%s/weir?sslmode=prefer", user, server)
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("bad server address: %v", err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, connectError(net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))), err)
	}
	return conn, nil
}

// connectError rewords pgx's connection error, which lists every attempt
// on lines of its own (with sslmode=prefer a refused TLS attempt, then the
// plain one; one per address of the host), as "cannot connect to ADDR:
// CAUSE": the server's error with its SQLSTATE when it answered
// ("password authentication failed for user "analyst" (28P01)"), else the
// distinct causes of the failed attempts ("connection refused"), leaving
// out a refused TLS upgrade when a plain attempt followed.
func connectError(addr string, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return fmt.Errorf("cannot connect to %s: %s (%s)", addr, pe.Message, pe.Code)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("cannot connect to %s: no answer within %s", addr, connectTimeout)
	}
	var causes, tlsRefused []string
	seen := map[string]bool{}
	for _, leaf := range leafErrors(err) {
		msg := leaf.Error()
		if seen[msg] {
			continue
		}
		seen[msg] = true
		if strings.Contains(msg, "refused TLS") {
			tlsRefused = append(tlsRefused, msg)
			continue
		}
		causes = append(causes, msg)
	}
	if len(causes) == 0 {
		causes = tlsRefused
	}
	if len(causes) == 0 {
		causes = []string{err.Error()}
	}
	return fmt.Errorf("cannot connect to %s: %s", addr, strings.Join(causes, "; "))
}

// leafErrors returns the innermost errors of err's tree: the errors that
// wrap none, through fmt.Errorf's %w and errors.Join. A net.OpError's leaf
// is its system call error's errno ("connection refused").
func leafErrors(err error) []error {
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		var out []error
		for _, e := range u.Unwrap() {
			out = append(out, leafErrors(e)...)
		}
		return out
	case interface{ Unwrap() error }:
		if inner := u.Unwrap(); inner != nil {
			return leafErrors(inner)
		}
	}
	return []error{err}
}
