package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
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
	var stderr bytes.Buffer
	require.Equal(t, exitUsage, produceMain(context.Background(), []string{"file.jsonl"}, nil, &stderr))
	require.Equal(t, exitUsage, produceMain(context.Background(), []string{"--topic", "t"}, nil, &stderr))
	require.Equal(t, exitUsage, produceMain(context.Background(), []string{"--topic", "t", "--brokers", " ", "f"}, nil, &stderr))
	require.Equal(t, exitFailed, produceMain(context.Background(), []string{"--topic", "t", filepath.Join(t.TempDir(), "missing.jsonl")}, nil, &stderr))
}
