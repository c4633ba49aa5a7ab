package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

// devTopic is one --topics entry: a topic and its partition count.
type devTopic struct {
	name       string
	partitions int32
}

// parseDevTopics reads "name:partitions,name,...", a partition count of
// defaultParts where it is omitted.
func parseDevTopics(s string, defaultParts int32) ([]devTopic, error) {
	var out []devTopic
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, num, hasNum := strings.Cut(item, ":")
		name = strings.TrimSpace(name)
		if name == "" {
			return nil, fmt.Errorf("dev-broker: --topics: empty topic name in %q", item)
		}
		parts := defaultParts
		if hasNum {
			n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 32)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("dev-broker: --topics: %q: partitions must be a positive integer", item)
			}
			parts = int32(n)
		}
		out = append(out, devTopic{name, parts})
	}
	return out, nil
}

// startDevBroker starts an in-memory Kafka-protocol broker (kfake) listening
// on addr with the given topics; topics a client asks for that do not exist
// are created with defaultParts partitions.
func startDevBroker(addr string, topics []devTopic, defaultParts int32) (*kfake.Cluster, error) {
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.ClusterID("weir-dev"),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(int(defaultParts)),
		kfake.ListenFn(func(network, _ string) (net.Listener, error) { return net.Listen(network, addr) }),
	}
	for _, t := range topics {
		opts = append(opts, kfake.SeedTopics(t.partitions, t.name))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("dev-broker: %w", err)
	}
	return c, nil
}

// runDevBroker is `weir dev-broker`: an in-process, in-memory broker that
// speaks the Kafka protocol, for trying weir locally. It is for
// development only: nothing is persisted, there is no replication, and it
// runs until SIGINT or SIGTERM.
func runDevBroker(args []string) int {
	return devBrokerMain(context.Background(), args, os.Stderr, nil)
}

// devBrokerMain runs the dev broker until ctx is done or a signal arrives;
// ready, when set, receives the listening address.
func devBrokerMain(ctx context.Context, args []string, stderr io.Writer, ready chan<- string) int {
	fs := flag.NewFlagSet("dev-broker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: weir dev-broker [--addr HOST:PORT] [--topics NAME:PARTITIONS,...]

Starts an in-memory Kafka-protocol broker (franz-go's kfake) for local
experiments. DEVELOPMENT ONLY: nothing is written to disk, there is no
replication or security, and all data is lost when it stops (Ctrl-C).

Flags:
`)
		fs.PrintDefaults()
	}
	addr := fs.String("addr", "127.0.0.1:9092", "listen on `HOST:PORT`")
	topicsFlag := fs.String("topics", "", "`NAME:PARTITIONS,...`: the topics to create at start, e.g. llm-metrics:3,llm-metrics-dlq:1")
	defParts := fs.Int("default-partitions", 3, "a topic created on first use gets `N` partitions")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "weir dev-broker: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if *defParts < 1 {
		fmt.Fprintln(stderr, "weir dev-broker: --default-partitions must be at least 1")
		return exitUsage
	}
	topics, err := parseDevTopics(*topicsFlag, int32(*defParts))
	if err != nil {
		fmt.Fprintf(stderr, "weir %v\n", err)
		return exitUsage
	}
	c, err := startDevBroker(*addr, topics, int32(*defParts))
	if err != nil {
		fmt.Fprintf(stderr, "weir %v\n", err)
		return exitFailed
	}
	defer c.Close()
	listen := c.ListenAddrs()[0]
	fmt.Fprintf(stderr, "weir dev-broker: DEVELOPMENT ONLY — in-memory Kafka-protocol broker, data is lost on exit\n")
	fmt.Fprintf(stderr, "weir dev-broker: listening on %s", listen)
	for i, t := range topics {
		sep := ", topics "
		if i > 0 {
			sep = ", "
		}
		fmt.Fprintf(stderr, "%s%s (%d partitions)", sep, t.name, t.partitions)
	}
	fmt.Fprintf(stderr, "; press Ctrl-C to stop\n")
	if ready != nil {
		ready <- listen
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	fmt.Fprintln(stderr, "weir dev-broker: stopped")
	return exitOK
}
