// Command weir is the streaming SQL engine's single binary: run, repl,
// serve, submit, and the development helpers dev-broker and produce.
package main

import (
	"fmt"
	"os"
)

const usage = `weir — streaming SQL over Kafka topics, files and generators

Usage:
  weir run [flags] FILE.sql...          run the statements of the files in-process
  weir serve [flags]                    run the server (Postgres wire, /metrics, persisted catalog)
  weir repl [--server HOST:PORT]        interactive shell, in-process or against a server
  weir submit [flags] FILE.sql...       send statements to a server (--server HOST:PORT)
  weir dev-broker [flags]               start an in-process Kafka-protocol broker (development only)
  weir produce [flags] FILE.jsonl       load JSON-lines events into a topic
  weir help                             show this help

Run 'weir <command> -h' for the flags of a command.
`

// Exit codes.
const (
	exitOK       = 0
	exitFailed   = 1 // a query failed while running, or a file could not be read
	exitUsage    = 2 // bad flags or arguments
	exitSQLError = 3 // a statement was rejected (syntax, planning, catalog)
)

func main() {
	startPprof()
	os.Exit(dispatch(os.Args[1:]))
}

func dispatch(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "run":
		return runMain(args[1:], os.Stdout, os.Stderr)
	case "serve":
		return runServe(args[1:])
	case "repl":
		return runRepl(args[1:], os.Stdin, os.Stdout, os.Stderr)
	case "submit":
		return runSubmit(args[1:], os.Stdout, os.Stderr)
	case "dev-broker":
		return runDevBroker(args[1:])
	case "produce":
		return runProduce(args[1:])
	case "help", "-h", "--help":
		fmt.Fprint(os.Stdout, usage)
		return exitOK
	}
	fmt.Fprintf(os.Stderr, "weir: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}
