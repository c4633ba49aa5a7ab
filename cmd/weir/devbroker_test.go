package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestParseDevTopics(t *testing.T) {
	got, err := parseDevTopics(" llm-metrics:3, dlq ,x:1,", 2)
	require.NoError(t, err)
	require.Equal(t, []devTopic{{"llm-metrics", 3}, {"dlq", 2}, {"x", 1}}, got)
	for _, bad := range []string{"a:0", "a:-1", "a:x", ":3"} {
		_, err := parseDevTopics(bad, 1)
		require.Error(t, err, bad)
	}
}

func TestDevBrokerServesTopicsUntilStopped(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		done <- devBrokerMain(ctx, []string{"--addr", "127.0.0.1:0", "--topics", "events:3"}, &stderr, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("dev broker did not start")
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	require.NoError(t, err)
	req := kmsg.NewPtrMetadataRequest()
	topic := "events"
	req.Topics = []kmsg.MetadataRequestTopic{{Topic: &topic}}
	resp, err := req.RequestWith(context.Background(), cl)
	require.NoError(t, err)
	require.Len(t, resp.Topics, 1)
	require.Len(t, resp.Topics[0].Partitions, 3)
	cl.Close()
	cancel()
	select {
	case code := <-done:
		require.Equal(t, exitOK, code)
	case <-time.After(10 * time.Second):
		t.Fatal("dev broker did not stop")
	}
	require.Contains(t, stderr.String(), "DEVELOPMENT ONLY")
	require.Contains(t, stderr.String(), "events (3 partitions)")
}

func TestDevBrokerBadFlags(t *testing.T) {
	var stderr bytes.Buffer
	require.Equal(t, exitUsage, devBrokerMain(context.Background(), []string{"--topics", "a:0"}, &stderr, nil))
	require.Equal(t, exitUsage, devBrokerMain(context.Background(), []string{"extra"}, &stderr, nil))
	require.Equal(t, exitUsage, devBrokerMain(context.Background(), []string{"--nope"}, &stderr, nil))
}
