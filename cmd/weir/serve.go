package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/weirdb/weir/runtime"
	"github.com/weirdb/weir/sql/pgwire"
	"github.com/weirdb/weir/storage"
)

// serveAddrs are the addresses a started server listens on (the real
// ports when the flags asked for port 0).
type serveAddrs struct {
	PG, HTTP string
	Engine   *runtime.Engine
}

// finalCheckpointTimeout bounds the checkpoints taken at shutdown.
const finalCheckpointTimeout = 30 * time.Second

// runServe implements `weir serve`: it runs until SIGINT or SIGTERM.
func runServe(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serveMain(ctx, args, os.Stderr, nil)
}

// serveMain runs the server until ctx is done, then takes a final
// checkpoint of every running query and exits. ready, if not nil, receives
// the listening addresses once clients can connect.
func serveMain(ctx context.Context, args []string, errw io.Writer, ready chan<- serveAddrs) int {
	fs := flag.NewFlagSet("weir serve", flag.ContinueOnError)
	fs.SetOutput(errw)
	configPath := fs.String("config", "", "YAML configuration `FILE`")
	stateDir := fs.String("state-dir", "", "state directory `DIR`: catalog, checkpoints, warm state (overrides state.dir; default ./weir-data)")
	pgAddr := fs.String("pg-addr", "", "Postgres wire address `HOST:PORT` (overrides server.pg_addr; default 127.0.0.1:6566)")
	httpAddr := fs.String("http-addr", "", "HTTP address `HOST:PORT` of /metrics and /healthz (overrides server.http_addr; default 127.0.0.1:8566)")
	ckptInterval := durationVar(fs, "checkpoint-interval", 0, "checkpoint every `DURATION`, such as 30s (overrides checkpointing.interval; default 60s)")
	reset := fs.Bool("reset", false, "discard the state directory's catalog (sources, views, sinks), checkpoints and view state, and start empty")
	fs.Usage = func() {
		fmt.Fprintf(errw, "Usage: weir serve [flags]\n\nRuns the long-lived server: persisted catalog, continuous queries that\nresume from checkpoints after a restart, the Postgres wire endpoint and\nHTTP /metrics and /healthz. SIGTERM takes a final checkpoint and exits.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(errw, "weir serve: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	cfg, cfgCode := loadConfig("weir serve", *configPath, errw)
	if cfgCode != exitOK {
		return cfgCode
	}
	if *stateDir != "" {
		cfg.State.Dir = *stateDir
	}
	if *pgAddr != "" {
		cfg.Server.PGAddr = *pgAddr
	}
	if *httpAddr != "" {
		cfg.Server.HTTPAddr = *httpAddr
	}
	if flagSet(fs, "checkpoint-interval") {
		if err := runtime.CheckCheckpointInterval("--checkpoint-interval", *ckptInterval); err != nil {
			fmt.Fprintf(errw, "weir serve: %v\n", err)
			return exitUsage
		}
		cfg.Checkpointing.Interval = *ckptInterval
	}

	// Startup checks: a configuration the wire server would refuse fails
	// here, before the state directory is opened and before anything says
	// the server is up.
	if cfg.Server.Auth == pgwire.AuthSCRAM && len(cfg.Server.Users) == 0 {
		fmt.Fprintf(errw, "weir serve: server.auth is scram but server.users is empty: no client could log in (add users, or use auth: trust for loopback clients)\n")
		return exitUsage
	}
	// Auth, users, TLS, max_message_size, idle_timeout, max_connections.
	pgcfg := cfg.WireConfig()
	if err := pgcfg.Validate(); err != nil {
		fmt.Fprintf(errw, "weir serve: server: %v\n", err)
		return exitUsage
	}

	store, err := storage.Open(cfg.State.Dir, cfg.StorageOptions())
	if err != nil {
		fmt.Fprintf(errw, "weir serve: %v\n", err)
		return exitFailed
	}
	defer store.Close()
	if *reset {
		n, err := resetState(store)
		if err != nil {
			fmt.Fprintf(errw, "weir serve: --reset: state directory %s: %v\n", cfg.State.Dir, err)
			return exitFailed
		}
		fmt.Fprintf(errw, "weir serve: --reset: discarded %d catalog statements and every checkpoint in %s\n", n, cfg.State.Dir)
	}
	eng := runtime.New(runtime.Options{Config: cfg, Stderr: errw, Storage: store, Catalog: store})
	n, err := eng.Restore(ctx)
	if n > 0 || err != nil {
		fmt.Fprintf(errw, "weir serve: restored %d catalog statements from %s\n", n, cfg.State.Dir)
	}

	pgln, err := net.Listen("tcp", cfg.Server.PGAddr)
	if err != nil {
		eng.Close()
		fmt.Fprintf(errw, "weir serve: %v\n", err)
		return exitFailed
	}
	httpln, err := net.Listen("tcp", cfg.Server.HTTPAddr)
	if err != nil {
		pgln.Close()
		eng.Close()
		fmt.Fprintf(errw, "weir serve: %v\n", err)
		return exitFailed
	}
	pg := pgwire.NewServer(pgcfg, runtime.NewWireEngine(eng))
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(eng.Registry(), promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 2)
	go func() { errc <- pg.Serve(pgln) }()
	go func() { errc <- hs.Serve(httpln) }()
	fmt.Fprintf(errw, "weir serve: postgres wire on %s, metrics on http://%s/metrics, state in %s\n", pgln.Addr(), httpln.Addr(), cfg.State.Dir)
	if ready != nil {
		ready <- serveAddrs{PG: pgln.Addr().String(), HTTP: httpln.Addr().String(), Engine: eng}
	}

	code := exitOK
	select {
	case <-ctx.Done():
	case err := <-errc:
		fmt.Fprintf(errw, "weir serve: %v\n", err)
		code = exitFailed
	}
	// Shutdown: no new clients, every running view and sink stopped at a
	// final checkpoint (its sources read nothing after their barrier, so
	// nothing is written after it and a restart repeats nothing), then the
	// rest cancelled and the state directory closed.
	pg.Close()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), finalCheckpointTimeout)
	defer cancel()
	hs.Shutdown(shutdownCtx)
	stopAtCheckpoints(shutdownCtx, eng, errw)
	if err := eng.Close(); err != nil {
		fmt.Fprintf(errw, "weir serve: %v\n", err)
		code = exitFailed
	}
	if err := store.Close(); err != nil && !errors.Is(err, storage.ErrClosed) {
		fmt.Fprintf(errw, "weir serve: %v\n", err)
		code = exitFailed
	}
	fmt.Fprintln(errw, "weir serve: stopped")
	return code
}

// stopAtCheckpoints stops every running query that takes checkpoints at a
// final checkpoint, all at once, and waits until each has stopped (or ctx
// is done: Engine.Close then cancels what is left).
func stopAtCheckpoints(ctx context.Context, eng *runtime.Engine, errw io.Writer) {
	var wg sync.WaitGroup
	for _, q := range eng.Queries() {
		if q.State() != "running" {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := q.StopAtCheckpoint(ctx); err != nil {
				fmt.Fprintf(errw, "weir serve: final checkpoint of %s: %v\n", q.ID, err)
			}
		}()
	}
	wg.Wait()
}

// resetState empties a state directory for `weir serve --reset`: every
// persisted catalog statement (so no source, view or sink is restored) and
// every checkpoint and spilled window (of views, sinks, and of `weir run`
// queries that shared the directory). It returns the number of statements
// discarded. A --reset interrupted halfway is finished by the next one.
func resetState(store *storage.Store) (int, error) {
	stmts, err := store.Statements()
	if err != nil {
		return 0, err
	}
	for _, st := range stmts {
		if err := store.DeleteStatement(st.Name); err != nil {
			return 0, err
		}
	}
	if err := store.DeleteAllQueries(); err != nil {
		return 0, err
	}
	return len(stmts), nil
}
