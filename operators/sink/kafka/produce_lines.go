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
)

// ProduceLines writes each non-blank line of r as one message to topic, as
// `weir produce` does to load sample events. When keyField is set, a line
// that is a JSON object with that field is keyed by the field's value (a
// string as is, anything else as its JSON text), so the Java-compatible
// murmur2 partitioner keeps each key in one partition; other lines (even
// malformed ones, useful to try dead letters) are sent without a key. It
// returns the number of messages acknowledged by the broker.
func ProduceLines(ctx context.Context, brokers []string, topic, keyField string, r io.Reader) (int, error) {
	transport := &kafkago.Transport{ClientID: "weir-produce"}
	defer transport.CloseIdleConnections()
	w := &kafkago.Writer{
		Addr:                   kafkago.TCP(brokers...),
		Topic:                  topic,
		Transport:              transport,
		RequiredAcks:           kafkago.RequireAll,
		Balancer:               &kafkago.Murmur2Balancer{Consistent: true},
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
		if err := w.WriteMessages(ctx, msgs...); err != nil {
			return fmt.Errorf("kafka: producing to topic %q: %w", topic, err)
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
			return sent, fmt.Errorf("kafka: reading line %d: %w", line+1, err)
		}
	}
	if err := flush(); err != nil {
		return sent, err
	}
	if err := w.Close(); err != nil {
		return sent, fmt.Errorf("kafka: producing to topic %q: %w", topic, err)
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
		return append([]byte(nil), s...)
	}
	if f.Type() == fastjson.TypeNumber {
		if i, err := f.Int64(); err == nil {
			return strconv.AppendInt(nil, i, 10)
		}
	}
	return f.MarshalTo(nil)
}
