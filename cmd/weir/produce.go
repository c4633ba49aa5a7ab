package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	sinkkafka "github.com/weirdb/weir/operators/sink/kafka"
)

// runProduce is `weir produce`: it loads JSON-lines events from a file (or
// stdin, "-") into a topic, one message per line.
func runProduce(args []string) int {
	return produceMain(context.Background(), args, os.Stdin, os.Stderr)
}

func produceMain(ctx context.Context, args []string, stdin io.Reader, stderr io.Writer) int {
	fs := flag.NewFlagSet("produce", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: weir produce --topic T [--brokers B] [--key-field F] FILE.jsonl

Writes each line of FILE.jsonl (or stdin when FILE is "-") as one message to
topic T. With --key-field, lines are keyed by that JSON field, so that one
key stays in one partition (Java-compatible murmur2 partitioner).

`)
		fs.PrintDefaults()
	}
	topic := fs.String("topic", "", "topic to write to (required)")
	brokers := fs.String("brokers", "127.0.0.1:9092", "comma-separated bootstrap brokers")
	keyField := fs.String("key-field", "", "JSON field whose value keys each message")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	if *topic == "" || fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	var bs []string
	for _, b := range strings.Split(*brokers, ",") {
		if b = strings.TrimSpace(b); b != "" {
			bs = append(bs, b)
		}
	}
	if len(bs) == 0 {
		fmt.Fprintln(stderr, "weir produce: --brokers is empty")
		return exitUsage
	}
	in := stdin
	if path := fs.Arg(0); path != "-" {
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintf(stderr, "weir produce: %v\n", err)
			return exitFailed
		}
		defer f.Close()
		in = f
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	n, err := sinkkafka.ProduceLines(ctx, bs, *topic, *keyField, in)
	if err != nil {
		fmt.Fprintf(stderr, "weir produce: %v (%d messages written before the error)\n", err, n)
		return exitFailed
	}
	fmt.Fprintf(stderr, "weir produce: wrote %d messages to topic %s\n", n, *topic)
	return exitOK
}
