package kafka

import (
	"context"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/weirdb/weir/coldata"
	"github.com/weirdb/weir/internal/kafkatest"
)

// BenchmarkTopicToBatches reads a 3-partition topic of JSON llm-metrics
// events (bounded) from an in-process kfake broker into decoded batches.
// It reports events/s of wall time and events per CPU-second of this
// process (broker included, since kfake runs in-process).
func BenchmarkTopicToBatches(b *testing.B) {
	const n = 300_000
	_, addr := kafkatest.NewCluster(b, map[string]int32{"bench": 3})
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.DefaultProduceTopic("bench"), kgo.ProducerBatchMaxBytes(1<<20))
	require.NoError(b, err)
	rs := make([]*kgo.Record, n)
	for i := range n {
		rs[i] = &kgo.Record{Partition: int32(i % 3), Value: []byte(event(baseTs+int64(i), models[i%3], int64(i%997)))}
	}
	require.NoError(b, cl.ProduceSync(context.Background(), rs...).FirstErr())
	cl.Close()

	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	start := time.Now()
	total := 0
	for range b.N {
		s := openSource(b, sourceDef(addr, "bench", "bounded", "latest"), nil, nil)
		batch := coldata.NewBatch(s.Schema(), coldata.DefaultBatchSize)
		got := 0
		for {
			err := s.Read(context.Background(), batch)
			if err == io.EOF {
				break
			}
			require.NoError(b, err)
			got += batch.Len
		}
		require.Equal(b, n, got)
		total += got
		require.NoError(b, s.Close())
	}
	wall := time.Since(start).Seconds()
	cpu := (cpuTime() - cpu0).Seconds()
	b.ReportMetric(float64(total)/wall, "events/s")
	b.ReportMetric(float64(total)/cpu, "events/cpu-s")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
