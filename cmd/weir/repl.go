package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chzyer/readline"

	"github.com/weirdb/weir/operators/sink/stdout"
	"github.com/weirdb/weir/runtime"
	"github.com/weirdb/weir/sql"
)

const replHelp = `Statements end with ';' and may span lines. Continuous queries (a SELECT
over sources, SUBSCRIBE TO view) print rows as windows close; Ctrl-C
cancels the running query, not the shell.

  \d           list sources, views and sinks
  \d NAME      describe a source or view
  \timing      toggle printing each statement's duration
  \help        this help
  \q           quit
`

// replBackend runs statements for the REPL: an in-process engine or a
// server over the Postgres wire.
type replBackend interface {
	// exec runs one statement and prints its result on w; a streaming
	// result prints rows as they arrive until it ends or ctx is done.
	exec(ctx context.Context, stmt string, w io.Writer) error
	// names lists catalog names for tab completion.
	names(ctx context.Context) []string
	close()
}

// runRepl implements `weir repl [--server ADDR]`.
func runRepl(args []string, in io.Reader, out, errw io.Writer) int {
	fs := flag.NewFlagSet("weir repl", flag.ContinueOnError)
	fs.SetOutput(errw)
	server := fs.String("server", "", "talk to the weir serve at `HOST:PORT` (or a postgres:// URL) instead of an in-process engine")
	user := fs.String("user", "weir", "connect to --server HOST:PORT as user `NAME` (the password comes from PGPASSWORD; not used with a postgres:// URL, whose user counts)")
	configPath := fs.String("config", "", "YAML configuration `FILE` (in-process engine)")
	history := fs.String("history", defaultHistoryFile(), "keep the line history in `FILE` (\"\" for none)")
	fs.Usage = func() {
		fmt.Fprintf(errw, "Usage: weir repl [flags]\n\n%s\nFlags:\n", replHelp)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(errw, "weir repl: unexpected argument %q (the REPL reads statements from standard input: weir repl < FILE, or weir run FILE)\n", fs.Arg(0))
		return exitUsage
	}
	var be replBackend
	if *server != "" {
		ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
		conn, err := connectServer(ctx, *server, *user)
		cancel()
		if err != nil {
			fmt.Fprintf(errw, "weir repl: %v\n", err)
			return exitFailed
		}
		be = &remoteBackend{conn: conn}
	} else {
		cfg, code := loadConfig("weir repl", *configPath, errw)
		if code != exitOK {
			return code
		}
		be = &localBackend{e: runtime.New(runtime.Options{Config: cfg, Stderr: errw})}
	}
	defer be.close()
	r := &repl{be: be, out: out, errw: errw}
	if f, ok := in.(*os.File); ok && isTerminal(f) {
		return r.interactive(*history)
	}
	return r.piped(in)
}

func defaultHistoryFile() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".weir_history")
}

// repl is the shell's state.
type repl struct {
	be     replBackend
	out    io.Writer
	errw   io.Writer
	timing bool
	buf    strings.Builder
	failed bool
	// lineNo is the number of the last line read: from the start of the
	// input when piped, from the prompt where the statement began when
	// interactive. bufLine is the number of buf's first line. Errors are
	// positioned in these lines.
	lineNo, bufLine int
	// saveHistory, when set (interactive), records an entry: the lines
	// of a statement (histLines) once it is complete, or a command line.
	saveHistory func(entry string)
	histLines   []string
}

// piped reads statements from a non-terminal input without prompts.
func (r *repl) piped(in io.Reader) int {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		if quit := r.line(sc.Text()); quit {
			return r.exitCode()
		}
	}
	if rest := strings.TrimSpace(r.buf.String()); rest != "" {
		r.run(rest)
	}
	return r.exitCode()
}

func (r *repl) exitCode() int {
	if r.failed {
		return exitSQLError
	}
	return exitOK
}

// interactive runs the readline loop.
func (r *repl) interactive(history string) int {
	var hf *historyFile
	var entries []string
	if history != "" {
		var err error
		if hf, entries, err = openHistory(history); err != nil {
			fmt.Fprintf(r.errw, "weir repl: history file: %v (going on without history)\n", err)
		}
		defer hf.close()
	}
	comp := &completer{names: func() []string { return r.be.names(context.Background()) }}
	rl, err := readline.NewEx(&readline.Config{
		Prompt: "weir> ",
		// The REPL keeps the history file itself (historyFile): readline
		// would create it 0644 and store a statement's lines separately.
		DisableAutoSaveHistory: true,
		HistoryLimit:           historyLimit,
		AutoComplete:           comp,
		Listener:               readline.FuncListener(comp.onChange),
		InterruptPrompt:        "^C",
		EOFPrompt:              "\\q",
		HistorySearchFold:      true,
	})
	if err != nil {
		fmt.Fprintf(r.errw, "weir repl: %v\n", err)
		return exitFailed
	}
	defer rl.Close()
	for _, e := range entries {
		_ = rl.SaveHistory(e)
	}
	r.saveHistory = func(entry string) {
		_ = rl.SaveHistory(entry)
		hf.add(entry)
	}
	r.out, r.errw = rl.Stdout(), rl.Stderr()
	fmt.Fprintln(r.out, "weir — type \\help for help, \\q to quit")
	for {
		if r.buf.Len() == 0 {
			r.lineNo = 0 // an error's line counts from this prompt
			rl.SetPrompt("weir> ")
		} else {
			rl.SetPrompt("   -> ")
		}
		line, err := rl.Readline()
		switch {
		case errors.Is(err, readline.ErrInterrupt):
			r.buf.Reset() // Ctrl-C at the prompt drops the statement being typed
			r.histLines = r.histLines[:0]
			continue
		case err != nil: // io.EOF (Ctrl-D)
			return exitOK
		}
		if quit := r.line(line); quit {
			return exitOK
		}
	}
}

// line handles one input line; it reports whether to quit. A backslash
// outside literals and comments starts a command, even after SQL on the
// same line: that SQL is handled first (run if it completes a statement,
// kept in the buffer if not), as psql does.
func (r *repl) line(line string) bool {
	r.lineNo++
	if r.saveHistory != nil && (r.buf.Len() > 0 || strings.TrimSpace(line) != "") {
		r.histLines = append(r.histLines, line)
	}
	sqlPart, cmd := splitCommand(r.buf.String(), line)
	r.sqlLine(sqlPart)
	if r.saveHistory != nil && r.buf.Len() == 0 && len(r.histLines) > 0 {
		r.saveHistory(historyEntry(r.histLines))
		r.histLines = r.histLines[:0]
	}
	if cmd != "" {
		return r.command(strings.TrimSpace(cmd))
	}
	return false
}

// sqlLine adds a line of SQL to the buffer and runs the statements it
// completes.
func (r *repl) sqlLine(line string) {
	if r.buf.Len() == 0 && strings.TrimSpace(line) == "" {
		return
	}
	if r.buf.Len() == 0 {
		r.bufLine = r.lineNo
	}
	r.buf.WriteString(line)
	r.buf.WriteByte('\n')
	if !sql.Complete(r.buf.String()) {
		return
	}
	text := r.buf.String()
	r.buf.Reset()
	r.run(text)
}

// run executes the statements of text, buf's lines, one at a time.
func (r *repl) run(text string) {
	for _, st := range statementsAt(text) {
		st.line += r.bufLine - 1
		r.runOne(st.text, &st)
	}
}

// stmtAt is a statement of the user's input and where it starts there.
type stmtAt struct {
	text      string
	line, col int // 1-based; columns count characters
}

// statementsAt splits text into statements as sql.SplitStatements does and
// finds where each starts in text: after the previous one, past blanks,
// comments and ';'.
func statementsAt(text string) []stmtAt {
	var out []stmtAt
	from, line, col := 0, 1, 1 // from: the end of the previous statement, at line, col
	advance := func(to int) {
		for i, c := range text[from:to] {
			if from+i == 0 && c == '\ufeff' {
				continue // a leading byte order mark is skipped, as sql.Parse skips it
			}
			if c == '\n' {
				line, col = line+1, 1
			} else {
				col++
			}
		}
		from = to
	}
	for _, s := range sql.SplitStatements(text) {
		off := skipToStatement(text, from)
		if !strings.HasPrefix(text[off:], s) {
			// Not expected: SplitStatements returns the text from a
			// statement's first token to its last.
			if i := strings.Index(text[from:], s); i >= 0 {
				off = from + i
			}
		}
		advance(off)
		out = append(out, stmtAt{text: s, line: line, col: col})
		advance(min(off+len(s), len(text)))
	}
	return out
}

// skipToStatement returns the offset of the first byte at or after i that
// is not a blank, part of a comment (-- or /* */) or ';'. An unterminated
// /* is not skipped: SplitStatements makes it a statement of its own.
func skipToStatement(text string, i int) int { return skipIgnored(text, i, " \t\n\r\f\v;") }

// skipIgnored returns the offset of the first byte at or after i that is
// not one of the ASCII bytes of skip nor part of a comment (-- to the end
// of the line, /* */; an unterminated /* is not skipped).
func skipIgnored(text string, i int, skip string) int {
	for i < len(text) {
		switch {
		case strings.IndexByte(skip, text[i]) >= 0:
			i++
		case strings.HasPrefix(text[i:], "--"):
			if n := strings.IndexByte(text[i:], '\n'); n >= 0 {
				i += n
			} else {
				i = len(text)
			}
		case strings.HasPrefix(text[i:], "/*"):
			n := strings.Index(text[i+2:], "*/")
			if n < 0 {
				return i
			}
			i += 2 + n + 2
		default:
			return i
		}
	}
	return i
}

// runOne executes one statement; Ctrl-C (SIGINT) cancels it. at is where
// the statement is in the user's input, nil for one a backslash command
// made up (its errors print without a position).
func (r *repl) runOne(stmt string, at *stmtAt) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	go func() {
		select {
		case <-sig:
			cancel()
		case <-ctx.Done():
		}
	}()
	start := time.Now()
	err := r.be.exec(ctx, stmt, r.out)
	switch {
	case ctx.Err() != nil:
		// Ctrl-C: the stream may have ended cleanly (the query saw its
		// cancellation as end of input) or with an error; either way say so.
		fmt.Fprintln(r.errw, "cancelled")
	case err != nil:
		r.failed = true
		printError(r.errw, err, at)
	}
	if r.timing {
		fmt.Fprintf(r.out, "Time: %.3f ms\n", float64(time.Since(start).Microseconds())/1000)
	}
}

// command runs a backslash command; it reports whether to quit.
func (r *repl) command(line string) bool {
	f := strings.Fields(line)
	switch f[0] {
	case `\q`, `\quit`:
		return true
	case `\help`, `\h`, `\?`:
		io.WriteString(r.out, replHelp)
	case `\timing`:
		r.timing = !r.timing
		state := "off"
		if r.timing {
			state = "on"
		}
		fmt.Fprintf(r.out, "Timing is %s.\n", state)
	case `\d`:
		if len(f) > 1 {
			r.runOne("DESCRIBE "+strings.TrimSuffix(f[1], ";"), nil)
			break
		}
		for _, s := range []string{"SHOW SOURCES", "SHOW VIEWS", "SHOW SINKS"} {
			r.runOne(s, nil)
		}
	default:
		fmt.Fprintf(r.errw, "unknown command %s; try \\help\n", f[0])
	}
	return false
}

// rowPrinter prints a stream's rows as they arrive: a header, one line
// per row (values separated by " | ", NULL shown as an empty value) and a
// count. Finite results are printed aligned by printTable instead.
type rowPrinter struct {
	w      io.Writer
	header bool
	n      int
	line   []byte
}

func (p *rowPrinter) columns(names []string) {
	if p.header {
		return
	}
	p.header = true
	h := strings.Join(names, " | ")
	fmt.Fprintf(p.w, "%s\n%s\n", h, strings.Repeat("-", len(h)))
}

func (p *rowPrinter) row(vals []string) {
	p.line = p.line[:0]
	for i, v := range vals {
		if i > 0 {
			p.line = append(p.line, " | "...)
		}
		p.line = append(p.line, stdout.CellText(v)...)
	}
	p.line = append(p.line, '\n')
	p.w.Write(p.line)
	p.n++
}

func (p *rowPrinter) end() {
	if !p.header {
		return
	}
	printRowCount(p.w, p.n)
}

func printRowCount(w io.Writer, n int) {
	if n == 1 {
		fmt.Fprintln(w, "(1 row)")
	} else {
		fmt.Fprintf(w, "(%d rows)\n", n)
	}
}

// printTable prints a finite result aligned as psql does: centred column
// names, a line of dashes joined by '+', cells padded to their column's
// width (numeric columns, numeric[i], right-aligned, others left-aligned;
// NULL as an empty cell) and the row count. Widths count runes; trailing
// blanks are trimmed from every line.
func printTable(w io.Writer, names []string, numeric []bool, rows [][]string) {
	// One value, one line: escape newlines and other controls as weir
	// run's table format does (psql would wrap the cell with '+').
	esc := make([][]string, len(rows))
	for r, row := range rows {
		esc[r] = make([]string, len(row))
		for i, v := range row {
			esc[r][i] = stdout.CellText(v)
		}
	}
	rows = esc
	widths := make([]int, len(names))
	for i, n := range names {
		widths[i] = utf8.RuneCountInString(n)
	}
	for _, row := range rows {
		for i, v := range row {
			if i < len(widths) {
				widths[i] = max(widths[i], utf8.RuneCountInString(v))
			}
		}
	}
	var line []byte
	flush := func() {
		line = bytes.TrimRight(line, " ")
		line = append(line, '\n')
		w.Write(line)
		line = line[:0]
	}
	pad := func(n int) {
		for range n {
			line = append(line, ' ')
		}
	}
	for i, n := range names {
		if i > 0 {
			line = append(line, '|')
		}
		gap := widths[i] - utf8.RuneCountInString(n)
		line = append(line, ' ')
		pad(gap / 2)
		line = append(line, n...)
		pad((gap + 1) / 2)
		line = append(line, ' ')
	}
	flush()
	for i, wd := range widths {
		if i > 0 {
			line = append(line, '+')
		}
		line = append(line, strings.Repeat("-", wd+2)...)
	}
	flush()
	for _, row := range rows {
		for i := range names {
			var v string
			if i < len(row) {
				v = row[i]
			}
			if i > 0 {
				line = append(line, '|')
			}
			line = append(line, ' ')
			gap := widths[i] - utf8.RuneCountInString(v)
			if i < len(numeric) && numeric[i] {
				pad(gap)
				line = append(line, v...)
			} else {
				line = append(line, v...)
				pad(gap)
			}
			line = append(line, ' ')
		}
		flush()
	}
	printRowCount(w, len(rows))
}
