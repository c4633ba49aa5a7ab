package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"os/signal"
	"syscall"

	"gopkg.in/yaml.v3"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/operators"
	"github.com/weirdb/weir/operators/sink/stdout"
	"github.com/weirdb/weir/runtime"
	"github.com/weirdb/weir/sql"
	"github.com/weirdb/weir/storage"
)

// runMain implements `weir run [flags] FILE.sql...`.
func runMain(args []string, out, errw io.Writer) int {
	fs := flag.NewFlagSet("weir run", flag.ContinueOnError)
	fs.SetOutput(errw)
	format := fs.String("format", "", "`table|jsonl|csv`: the format of result rows on stdout (default: table on a terminal, jsonl otherwise)")
	configPath := fs.String("config", "", "YAML configuration `FILE`")
	stateDir := fs.String("state-dir", "", "keep state and checkpoints in `DIR`; a later run of the same files resumes from them (overrides state.dir of --config; default: a fresh temporary directory, no checkpoints)")
	ckptInterval := durationVar(fs, "checkpoint-interval", 0, "checkpoint every `DURATION`, such as 30s (overrides checkpointing.interval; default 60s)")
	reset := fs.Bool("reset", false, "discard the state directory's checkpoints (of every query, sink and view) and start over")
	fs.Usage = func() {
		fmt.Fprintf(errw, "Usage: weir run [flags] FILE.sql...\n\nRuns the statements of the files in order. Each bare SELECT is a continuous\nquery whose rows go to stdout; the run ends when every query's sources are\nbounded and have been read to the end.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	files, code := parseFileArgs(fs, args, errw)
	if files == nil {
		return code
	}
	cfg, code := loadConfig("weir run", *configPath, errw)
	if code != exitOK {
		return code
	}
	// The state directory: --state-dir, else the config file's state.dir
	// when the file sets it (flags override the config file). The built-in
	// default state.dir (./weir-data, weir serve's) does not count: a run
	// given no directory keeps no state and can be run again from scratch.
	dir := *stateDir
	if dir == "" && *configPath != "" {
		var err error
		if dir, err = configStateDir(*configPath); err != nil {
			fmt.Fprintf(errw, "weir run: %v\n", err)
			return exitFailed
		}
	}
	if dir != "" {
		cfg.State.Dir = dir
	}
	if flagSet(fs, "checkpoint-interval") {
		if err := runtime.CheckCheckpointInterval("--checkpoint-interval", *ckptInterval); err != nil {
			fmt.Fprintf(errw, "weir run: %v\n", err)
			return exitUsage
		}
		cfg.Checkpointing.Interval = *ckptInterval
	}
	var err error
	if *format, err = runFormat(*format, out); err != nil {
		fmt.Fprintf(errw, "weir run: %v\n", err)
		return exitUsage
	}

	type file struct {
		name  string
		stmts []sql.Statement
	}
	var parsed []file
	selects := 0
	hash := sha256.New()
	for _, name := range files {
		text, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintf(errw, "weir run: %v\n", err)
			return exitFailed
		}
		hash.Write(text)
		hash.Write([]byte{0})
		stmts, err := sql.Parse(string(text))
		if err != nil {
			fmt.Fprintf(errw, "%s: %v\n", name, err)
			return exitSQLError
		}
		for _, s := range stmts {
			if _, ok := s.(*sql.SelectStmt); ok {
				selects++
			}
		}
		parsed = append(parsed, file{name, stmts})
	}
	fingerprint := hex.EncodeToString(hash.Sum(nil))
	// Check every statement of every file (parse, plan, options) before
	// running any: a rejected statement prints its error and nothing else,
	// rather than after queries started earlier have printed rows.
	// A bounded file source's data file must be readable by then too.
	chk := runtime.NewChecker()
	dataFiles := newDataFileCheck()
	for _, f := range parsed {
		for _, s := range f.stmts {
			err := chk.Check(s)
			if err == nil {
				err = dataFiles.check(s)
			}
			if err != nil {
				fmt.Fprintf(errw, "%s: %v\n", f.name, err)
				return execExit(err)
			}
		}
	}

	opts := runtime.Options{Config: cfg, Stderr: errw}
	var state *storage.Store // the state directory's store (nil: none)
	if dir == "" {
		// SPEC.md: without a state directory, a fresh temporary one. It holds
		// the warm tier that window state spills to beyond
		// state.hot.max_size_mb; with nothing to resume, no checkpoints.
		tmp, err := os.MkdirTemp("", "weir-state-")
		if err != nil {
			fmt.Fprintf(errw, "weir run: %v\n", err)
			return exitFailed
		}
		defer os.RemoveAll(tmp)
		st, err := storage.Open(tmp, cfg.StorageOptions())
		if err != nil {
			fmt.Fprintf(errw, "weir run: temporary state directory: %v\n", err)
			return exitFailed
		}
		defer st.Close()
		opts.Storage, opts.NoCheckpoints = st, true
	} else {
		// With a state directory, queries checkpoint and resume (SPEC.md); a
		// run without one has nothing to resume and takes no checkpoints.
		st, err := storage.Open(dir, cfg.StorageOptions())
		if err != nil {
			fmt.Fprintf(errw, "weir run: state directory %s: %v\n", dir, err)
			return exitFailed
		}
		defer st.Close()
		opts.Storage = st
		opts.Fingerprint = fingerprint
		state = st
		if *reset {
			// All of the run's state: its SELECTs' (run/qN), its sinks'
			// and its views' checkpoints, and their spilled windows.
			if err := st.DeleteAllQueries(); err != nil {
				fmt.Fprintf(errw, "weir run: --reset: %v\n", err)
				return exitFailed
			}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Rows and messages go through the console, which keeps the progress
	// line on a terminal apart from them.
	con := newConsole(out, errw, errw == io.Writer(os.Stderr) && isTerminal(os.Stderr),
		out == io.Writer(os.Stdout) && isTerminal(os.Stdout))
	errw = con.Err()
	opts.Stderr = errw
	eng := runtime.New(opts)
	rows := stdout.NewOutput(con.Out())
	queryIndex := 0
	var queries []*runtime.Query
	sinks := map[*runtime.Query]operators.Operator{}
	for _, f := range parsed {
		for _, s := range f.stmts {
			var output runtime.OutputFunc
			var sink operators.Operator
			if _, ok := s.(*sql.SelectStmt); ok {
				queryIndex++
				idx := 0
				if selects > 1 {
					idx = queryIndex
				}
				output = func(schema catalog.Schema) (operators.Operator, error) {
					var err error
					sink, err = rows.New(*format, schema, idx)
					return sink, err
				}
			}
			res, err := eng.Exec(ctx, s, output)
			if err != nil {
				eng.Close()
				fmt.Fprintf(errw, "%s: %v\n", f.name, err)
				return execExit(err)
			}
			if res.Query != nil {
				queries = append(queries, res.Query)
				if sink != nil {
					sinks[res.Query] = sink
				}
				if id := res.Query.Restored; id > 0 {
					fmt.Fprintf(errw, "weir run: query %s resumes from checkpoint %d in %s\n", res.Query.ID, id, dir)
				}
			}
			if len(res.Columns) > 0 && res.Query == nil {
				if err := printResult(rows, *format, res); err != nil {
					fmt.Fprintf(errw, "weir run: %v\n", err)
				}
			}
		}
	}

	stopProgress := func() {}
	if len(queries) > 0 {
		stopProgress = startProgress(con, queries)
	}
	code = exitOK
	for _, q := range queries {
		select {
		case <-q.Done():
		case <-ctx.Done():
			<-q.Done()
		}
		if err := q.Err(); err != nil {
			fmt.Fprintf(errw, "weir run: query %s failed: %v\n", q.ID, err)
			code = exitFailed
			continue
		}
		// A query cancelled by Ctrl-C was not closed by the runtime: its
		// header, if it printed no row, comes now (closing twice is a no-op).
		if sink := sinks[q]; sink != nil {
			if err := sink.Close(); err != nil {
				fmt.Fprintf(errw, "weir run: query %s: %v\n", q.ID, err)
				code = exitFailed
			}
		}
	}
	stopProgress()
	// Each query that finished kept its final checkpoint, so that a run
	// killed while other queries were still running does not start it over
	// (SEMANTICS.md §6). Once every query has finished, the run is done:
	// drop its state, and running the files again starts over.
	finished := code == exitOK && ctx.Err() == nil && allFinished(eng.Queries())
	if err := eng.Close(); err != nil {
		fmt.Fprintf(errw, "weir run: %v\n", err)
		code = exitFailed
	}
	if state != nil && finished && code == exitOK {
		if err := state.DeleteAllQueries(); err != nil {
			fmt.Fprintf(errw, "weir run: state directory %s: %v\n", dir, err)
			code = exitFailed
		}
	}
	return code
}

// allFinished reports whether every query read its input to the end (none
// was cancelled, failed or is still running).
func allFinished(qs []*runtime.Query) bool {
	for _, q := range qs {
		if q.State() != "finished" {
			return false
		}
	}
	return true
}

// execExit is the exit code of a statement that failed: a rejected
// statement (syntax, planning, catalog, options) is exit 3; anything else
// (a file that cannot be opened, a broker that cannot be reached, a state
// directory of other statements) is a failure to run: exit 1.
func execExit(err error) int {
	var serr *sql.Error
	if errors.As(err, &serr) {
		return exitSQLError
	}
	return exitFailed
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// loadConfig loads the --config file at path (the defaults when path is
// ""). A file that cannot be read is exit 1, like any file a command cannot
// read; one that is read but invalid (bad YAML, an unknown key, a bad value)
// is a bad argument: exit 2. cmd prefixes the message on errw.
func loadConfig(cmd, path string, errw io.Writer) (runtime.Config, int) {
	if path == "" {
		return runtime.Defaults(), exitOK
	}
	cfg, err := runtime.LoadConfig(path)
	if err == nil {
		return cfg, exitOK
	}
	fmt.Fprintf(errw, "%s: %v\n", cmd, err)
	var pe *iofs.PathError
	if errors.As(err, &pe) {
		return cfg, exitFailed
	}
	return cfg, exitUsage
}

// configStateDir is the state.dir that the config file at path sets, ""
// when it sets none (Defaults' ./weir-data is not taken for one). The file
// was read and checked by loadConfig already.
func configStateDir(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("config: %w", err)
	}
	var doc struct {
		State struct {
			Dir *string `yaml:"dir"`
		} `yaml:"state"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return "", fmt.Errorf("config %s: %w", path, err)
	}
	if doc.State.Dir == nil {
		return "", nil
	}
	return *doc.State.Dir, nil
}

// parseFileArgs parses a command's flags and .sql file arguments. It
// returns nil files and the exit code when the command should stop (help,
// bad flags, no file).
func parseFileArgs(fs *flag.FlagSet, args []string, errw io.Writer) ([]string, int) {
	files, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, exitOK
		}
		return nil, exitUsage
	}
	if len(files) == 0 {
		fmt.Fprintf(errw, "%s: no .sql file given\n", fs.Name())
		fs.Usage()
		return nil, exitUsage
	}
	return files, exitOK
}

// parseInterspersed parses flags that may come before, between or after the
// positional arguments (`weir run q.sql --format csv`), which the flag
// package alone stops at.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// flagSet reports whether flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
