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

	"github.com/weirdb/weir/operators/kafka/retry"
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
		fmt.Fprint(stderr, `Usage: weir produce --topic TOPIC [--brokers HOST:PORT,...] [--key-field FIELD] FILE.jsonl

Writes each line of FILE.jsonl (or stdin when FILE is "-") as one message to
TOPIC. With --key-field, lines are keyed by that JSON field, so that one
key stays in one partition (Java-compatible murmur2 partitioner); lines
without a key go round robin over the partitions. Flags may also follow
FILE. A write that fails on the topic's metadata (a topic being created,
a broker not reachable yet) is retried for up to 30s.

Flags:
`)
		fs.PrintDefaults()
	}
	topic := fs.String("topic", "", "write to `TOPIC` (required)")
	brokers := fs.String("brokers", "127.0.0.1:9092", "`HOST:PORT,...`: the bootstrap brokers")
	keyField := fs.String("key-field", "", "key each message by the value of the JSON `FIELD`")
	files, err := parseInterspersed(fs, args) // flags may follow FILE, as in weir run
	if err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	switch {
	case *topic == "":
		fmt.Fprintln(stderr, "weir produce: --topic is required")
		fs.Usage()
		return exitUsage
	case len(files) == 0:
		fmt.Fprintln(stderr, "weir produce: no FILE given (- reads stdin)")
		fs.Usage()
		return exitUsage
	case len(files) > 1:
		fmt.Fprintf(stderr, "weir produce: one FILE at a time, got %d: %s\n", len(files), strings.Join(files, " "))
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
	if path := files[0]; path != "-" {
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
	n, err := sinkkafka.Produce(ctx, sinkkafka.ProduceConfig{Brokers: bs, Topic: *topic, KeyField: *keyField,
		OnRetry: func(err error, attempts int) {
			if attempts == 1 {
				fmt.Fprintf(stderr, "weir produce: writing to topic %s failed: %v; retrying for up to %s\n", *topic, err, retry.Default.For)
			}
		}}, in)
	if err != nil {
		fmt.Fprintf(stderr, "weir produce: %v (%d messages written before the error)\n", err, n)
		return exitFailed
	}
	fmt.Fprintf(stderr, "weir produce: wrote %d messages to topic %s\n", n, *topic)
	return exitOK
}
