package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestProduceFileIntoTopic(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "events"))
	require.NoError(t, err)
	defer c.Close()
	addr := c.ListenAddrs()[0]
	path := filepath.Join(t.TempDir(), "events.jsonl")
	lines := []string{`{"model":"a","n":1}`, `{"model":"b","n":2}`, `{"model":"a","n":3}`}
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644))

	var stderr bytes.Buffer
	code := produceMain(context.Background(), []string{"--topic", "events", "--brokers", addr, "--key-field", "model", path}, nil, &stderr)
	require.Equal(t, exitOK, code, stderr.String())
	require.Contains(t, stderr.String(), "wrote 3 messages to topic events")

	// Stdin works too.
	stderr.Reset()
	code = produceMain(context.Background(), []string{"--topic", "events", "--brokers", addr, "-"}, strings.NewReader(`{"model":"c","n":4}`), &stderr)
	require.Equal(t, exitOK, code, stderr.String())

	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics("events"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	require.NoError(t, err)
	defer cl.Close()
	got := map[string]string{}
	for len(got) < 4 {
		fs := cl.PollFetches(context.Background())
		require.NoError(t, fs.Err())
		fs.EachRecord(func(r *kgo.Record) { got[string(r.Value)] = string(r.Key) })
	}
	require.Equal(t, map[string]string{lines[0]: "a", lines[1]: "b", lines[2]: "a", `{"model":"c","n":4}`: ""}, got)
}

func TestProduceUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"file.jsonl"}, exitUsage, "weir produce: --topic is required\n"},
		{[]string{"--topic", "t"}, exitUsage, "weir produce: no FILE given (- reads stdin)\n"},
		{[]string{"--topic", "t", "a.jsonl", "b.jsonl"}, exitUsage, "weir produce: one FILE at a time, got 2: a.jsonl b.jsonl\n"},
		{[]string{"--topic", "t", "--brokers", " ", "f"}, exitUsage, "weir produce: --brokers is empty\n"},
		{[]string{"--topic", "t", "f", "--nope"}, exitUsage, "flag provided but not defined: -nope\n"},
	} {
		var stderr bytes.Buffer
		require.Equal(t, tc.code, produceMain(context.Background(), tc.args, nil, &stderr), "%v", tc.args)
		require.True(t, strings.HasPrefix(stderr.String(), tc.msg), "%v: %s", tc.args, stderr.String())
	}
	var stderr bytes.Buffer
	require.Equal(t, exitFailed, produceMain(context.Background(), []string{"--topic", "t", filepath.Join(t.TempDir(), "missing.jsonl")}, nil, &stderr))
}

// Flags may follow FILE, as with weir run; lines without --key-field go
// round robin over the partitions (30 lines: 10 per partition), not all
// into partition 0.
func TestProduceFlagsAfterFileAndUnkeyedSpread(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "nokey"))
	require.NoError(t, err)
	defer c.Close()
	addr := c.ListenAddrs()[0]
	path := filepath.Join(t.TempDir(), "nokey.jsonl")
	var lines []string
	for i := range 30 {
		lines = append(lines, fmt.Sprintf(`{"n":%d}`, i))
	}
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644))

	var stderr bytes.Buffer
	code := produceMain(context.Background(), []string{"--topic", "nokey", path, "--brokers", addr}, nil, &stderr)
	require.Equal(t, exitOK, code, stderr.String())
	require.Equal(t, "weir produce: wrote 30 messages to topic nokey\n", stderr.String())

	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics("nokey"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	require.NoError(t, err)
	defer cl.Close()
	perPartition := map[int32]int{}
	for n := 0; n < 30; {
		fs := cl.PollFetches(context.Background())
		require.NoError(t, fs.Err())
		fs.EachRecord(func(r *kgo.Record) { perPartition[r.Partition]++; n++ })
	}
	require.Equal(t, map[int32]int{0: 10, 1: 10, 2: 10}, perPartition)
}

// A write to a topic being created fails on its metadata first; weir
// produce says it retries, then writes every line.
func TestProduceRetriesTopicBeingCreated(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(1))
	require.NoError(t, err)
	defer c.Close()
	addr := c.ListenAddrs()[0]
	h := c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Metadata}, Topic: "fresh", Err: kerr.LeaderNotAvailable, Count: 2,
		When: func(r kmsg.Request) bool { return r.(*kmsg.MetadataRequest).Topics != nil }})
	var stderr bytes.Buffer
	code := produceMain(context.Background(), []string{"--topic", "fresh", "--brokers", addr, "-"}, strings.NewReader("{\"n\":1}\n{\"n\":2}\n"), &stderr)
	require.Equal(t, exitOK, code, stderr.String())
	require.Equal(t, 2, h.Hits())
	require.Equal(t, "weir produce: writing to topic fresh failed: [5] Leader Not Available: the cluster is in the middle of a leadership election and there is currently no leader for this partition and hence it is unavailable for writes; retrying for up to 30s\n"+
		"weir produce: wrote 2 messages to topic fresh\n", stderr.String())
}
