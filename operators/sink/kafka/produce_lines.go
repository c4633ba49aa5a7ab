package kafka

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/valyala/fastjson"

	"github.com/weirdb/weir/operators/kafka/retry"
)

// ProduceConfig says where and how Produce writes.
type ProduceConfig struct {
	Brokers []string
	Topic   string
	// KeyField, when set, keys each JSON-object line by that field's value
	// (a string as is, anything else as its JSON text).
	KeyField string
	// Retry is how long a write failing on the topic's metadata (a topic
	// being created, an unreachable broker) is retried; zero means
	// retry.Default.
	Retry retry.Policy
	// OnRetry, if set, is called before each retry of a write with the
	// error and the attempts made so far.
	OnRetry func(err error, attempts int)
}

// ProduceLines writes each non-blank line of r as one message to topic, as
// `weir produce` does to load sample events (Produce with the default
// retry policy).
func ProduceLines(ctx context.Context, brokers []string, topic, keyField string, r io.Reader) (int, error) {
	return Produce(ctx, ProduceConfig{Brokers: brokers, Topic: topic, KeyField: keyField}, r)
}

// Produce writes each non-blank line of r as one message to cfg.Topic.
// When cfg.KeyField is set, a line that is a JSON object with that field is
// keyed by the field's value, so the Java-compatible murmur2 partitioner
// keeps each key in one partition; other lines (even malformed ones, useful
// to try dead letters), and every line without KeyField, are sent without
// a key and spread round robin over the partitions (javaBalancer). A write
// that fails on the topic's metadata is retried per cfg.Retry. It returns
// the number of messages acknowledged by the broker.
func Produce(ctx context.Context, cfg ProduceConfig, r io.Reader) (int, error) {
	brokers, topic, keyField := cfg.Brokers, cfg.Topic, cfg.KeyField
	policy := cfg.Retry
	if policy.For == 0 {
		policy = retry.Default
	}
	transport := &kafkago.Transport{ClientID: "weir-produce"}
	defer transport.CloseIdleConnections()
	w := &kafkago.Writer{
		Addr:                   kafkago.TCP(brokers...),
		Topic:                  topic,
		Transport:              transport,
		RequiredAcks:           kafkago.RequireAll,
		Balancer:               newJavaBalancer(),
		MaxAttempts:            10,
		WriteBackoffMin:        50 * time.Millisecond,
		WriteBackoffMax:        2 * time.Second,
		BatchSize:              1000,
		BatchBytes:             16 << 20,
		BatchTimeout:           5 * time.Millisecond,
		AllowAutoTopicCreation: true,
	}
	defer w.Close()

	const chunk = 5000
	br := bufio.NewReaderSize(r, 1<<20)
	var p fastjson.Parser
	msgs := make([]kafkago.Message, 0, chunk)
	sent, line := 0, 0
	flush := func() error {
		if len(msgs) == 0 {
			return nil
		}
		if err := retry.Write(ctx, w, policy, cfg.OnRetry, msgs...); err != nil {
			return fmt.Errorf("producing to topic %q: %w", topic, retry.Clean(err))
		}
		sent += len(msgs)
		msgs = msgs[:0]
		return nil
	}
	for {
		b, err := br.ReadBytes('\n')
		if len(b) > 0 {
			line++
			b = bytes.TrimSpace(b)
			if len(b) > 0 {
				msgs = append(msgs, kafkago.Message{Key: lineKey(&p, b, keyField), Value: b})
				if len(msgs) == chunk {
					if ferr := flush(); ferr != nil {
						return sent, ferr
					}
				}
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return sent, fmt.Errorf("reading line %d: %w", line+1, err)
		}
	}
	if err := flush(); err != nil {
		return sent, err
	}
	if err := w.Close(); err != nil {
		return sent, fmt.Errorf("producing to topic %q: %w", topic, retry.Clean(err))
	}
	return sent, nil
}

// lineKey returns the message key of a JSON line, or nil.
func lineKey(p *fastjson.Parser, line []byte, field string) []byte {
	if field == "" {
		return nil
	}
	v, err := p.ParseBytes(line)
	if err != nil {
		return nil
	}
	f := v.Get(field)
	if f == nil || f.Type() == fastjson.TypeNull {
		return nil
	}
	if f.Type() == fastjson.TypeString {
		s, _ := f.StringBytes()
		return append([]byte{}, s...) // "" is a key (murmur2 of no bytes), as in Java, not a nil one
	}
	if f.Type() == fastjson.TypeNumber {
		if i, err := f.Int64(); err == nil {
			return strconv.AppendInt(nil, i, 10)
		}
	}
	return f.MarshalTo(nil)
}
