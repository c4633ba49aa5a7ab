package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"
)

// TestKafkaExampleWalkthrough follows examples/kafka/README.md in process:
// dev-broker, produce (with one malformed line added, as the README
// suggests), then `weir run` of the example SQL with its brokers pointed at
// the dev broker. Every event is either in a window (counted in the sink
// topic, whose rows match the SELECT's on stdout) or a dead letter in the
// dead-letter topic.
func TestKafkaExampleWalkthrough(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan int, 1)
	var brokerLog bytes.Buffer
	go func() {
		done <- devBrokerMain(ctx, []string{"--addr", "127.0.0.1:0",
			"--topics", "llm-metrics:3,llm-metrics-dlq:1,llm-metrics-5m:3"}, &brokerLog, ready)
	}()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("dev broker did not stop")
		}
	}()
	var addr string
	select {
	case addr = <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("dev broker did not start")
	}

	dir := t.TempDir()
	events, err := os.ReadFile(filepath.Join("..", "..", "examples", "data", "llm-metrics.jsonl"))
	require.NoError(t, err)
	nEvents := 0 // non-blank lines
	for _, l := range bytes.Split(events, []byte("\n")) {
		if len(bytes.TrimSpace(l)) > 0 {
			nEvents++
		}
	}
	const malformed = `{"ts":"yesterday"}`
	events = append(events, malformed+"\n"...)
	eventsPath := filepath.Join(dir, "events.jsonl")
	require.NoError(t, os.WriteFile(eventsPath, events, 0o644))
	var stderr bytes.Buffer
	require.Equal(t, exitOK, produceMain(ctx, []string{"--topic", "llm-metrics", "--brokers", addr,
		"--key-field", "model", eventsPath}, nil, &stderr), stderr.String())

	script, err := os.ReadFile(filepath.Join("..", "..", "examples", "kafka", "llm-metrics-kafka.sql"))
	require.NoError(t, err)
	require.Contains(t, string(script), "127.0.0.1:9092")
	scriptPath := filepath.Join(dir, "q.sql")
	require.NoError(t, os.WriteFile(scriptPath, []byte(strings.ReplaceAll(string(script), "127.0.0.1:9092", addr)), 0o644))
	var stdout bytes.Buffer
	stderr.Reset()
	require.Equal(t, exitOK, runMain([]string{scriptPath, "--format", "jsonl"}, &stdout, &stderr), stderr.String())

	// The SELECT's windows on stdout.
	type window struct {
		Start    string `json:"window_start"`
		End      string `json:"window_end"`
		Model    string `json:"model"`
		Requests int    `json:"requests"`
		Emit     string `json:"_emit"`
	}
	var printed []string
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		var w window
		require.NoError(t, json.Unmarshal(sc.Bytes(), &w), sc.Text())
		require.Equal(t, "final", w.Emit)
		printed = append(printed, w.Start+" "+w.End+" "+w.Model)
	}
	sort.Strings(printed)
	require.NotEmpty(t, printed)

	// The sink's windows: one message per window and model, keyed by them.
	var written []string
	inWindows := 0
	for p := range 3 {
		for _, m := range readPartition(t, addr, "llm-metrics-5m", p) {
			var w window
			require.NoError(t, json.Unmarshal(m.Value, &w))
			key, err := json.Marshal(map[string]string{"window_start": w.Start, "window_end": w.End, "model": w.Model})
			require.NoError(t, err)
			// json.Marshal sorts keys; the sink writes them in key order.
			require.JSONEq(t, string(key), string(m.Key))
			require.True(t, strings.HasPrefix(string(m.Key), `{"window_start":`), string(m.Key))
			written = append(written, w.Start+" "+w.End+" "+w.Model)
			inWindows += w.Requests
		}
	}
	// The two queries see the same windows unless an event is too late in
	// one and not the other (possible: each reads the partitions with its own
	// interleaving, and the source watermark is the minimum over them).
	sort.Strings(written)
	for i := 1; i < len(written); i++ {
		require.NotEqual(t, written[i-1], written[i], "window written twice")
	}
	require.InDelta(t, len(printed), len(written), 2)

	// Dead letters: the malformed lines (the sample file has some; one was
	// added) and any event too late. The example runs two queries over the
	// source (the sink's and the SELECT's); each reads the topic on its own,
	// so each dead letter is written once per query. Every line is a window
	// event or a dead letter.
	perEvent := map[string]int{}
	sawOurs := false
	for _, m := range readPartition(t, addr, "llm-metrics-dlq", 0) {
		h := map[string]string{}
		for _, kv := range m.Headers {
			h[kv.Key] = string(kv.Value)
		}
		require.Equal(t, "llm-metrics", h["source_topic"])
		require.Contains(t, []string{"malformed", "too_late"}, h["reason"], "%v %s", h, m.Value)
		sawOurs = sawOurs || (h["reason"] == "malformed" && string(m.Value) == malformed)
		perEvent[h["partition"]+"@"+h["offset"]+" "+h["reason"]]++
	}
	require.True(t, sawOurs, "the added malformed line is a dead letter")
	malformedLines, tooLateBoth, tooLateAny := 0, 0, 0
	for ev, n := range perEvent {
		if strings.HasSuffix(ev, " malformed") {
			require.Equal(t, 2, n, "dead letter %s", ev)
			malformedLines++
			continue
		}
		tooLateAny++
		if n == 2 {
			tooLateBoth++
		}
	}
	// The sink's query: its windows, plus its too-late events (between
	// those too late for both queries and those too late for either), plus
	// the malformed lines, are every line.
	rest := nEvents + 1 - malformedLines - inWindows
	require.GreaterOrEqual(t, rest, tooLateBoth)
	require.LessOrEqual(t, rest, tooLateAny)
}

// readPartition reads every message of one partition with a plain kafka-go
// connection.
func readPartition(t *testing.T, addr, topic string, partition int) []kafkago.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := kafkago.DialLeader(ctx, "tcp", addr, topic, partition)
	require.NoError(t, err)
	defer conn.Close()
	end, err := conn.ReadLastOffset()
	require.NoError(t, err)
	_, err = conn.Seek(0, kafkago.SeekAbsolute)
	require.NoError(t, err)
	var out []kafkago.Message
	for int64(len(out)) < end {
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
		batch := conn.ReadBatch(1, 1<<20)
		for {
			m, err := batch.ReadMessage()
			if err != nil {
				break
			}
			out = append(out, m)
		}
		_ = batch.Close()
	}
	return out
}
