package kafka

import "github.com/weirdb/weir/coldata"

// chunk is what a partition fetcher hands to Read: up to
// coldata.DefaultBatchSize raw records of one partition, in offset order,
// possibly none (progress past skipped transaction markers only), or a
// control message (a fatal error). The chunk with a bounded partition's
// last records (or, if none are left, an empty one) is marked ended.
// Chunks are recycled through Source.free (each partition owns
// chunksPerPartition of them), so a steady stream allocates nothing.
type chunk struct {
	part    int     // index into Source.parts
	buf     []byte  // payloads, back to back
	ends    []int32 // ends[i] is the end of record i's payload in buf
	offsets []int64 // offsets[i] is record i's Kafka offset
	// next is the partition's next offset once this chunk is consumed: past
	// its records and any transaction marker or aborted record skipped.
	next int64
	// block is the offset block of the records (offset / chunkRecords) in a
	// bounded source, whose Read merges partitions by block (merge.go).
	block int64
	ended bool  // the partition reached its bounded end; no chunk follows
	err   error // a fatal error of the partition
	// oversize lists the records over maxRecordSize, in record order: their
	// payloads were not read (empty in buf) and Read dead-letters them.
	oversize []oversizeRecord
	// nulls lists the records with a null value (tombstones), ascending.
	nulls []int
}

// oversizeRecord is a record whose value was too large to read.
type oversizeRecord struct {
	idx  int // record index in the chunk
	size int // its value's size in bytes
}

const (
	chunkRecords  = coldata.DefaultBatchSize
	chunkBufStart = 512 << 10 // initial payload buffer of a chunk
)

// maxRecordSize is the largest record value read; a larger one is a dead
// letter (ReasonTooLarge) with an empty payload. A variable for tests.
var maxRecordSize = 64 << 20

func newChunk() *chunk {
	return &chunk{
		buf:     make([]byte, 0, chunkBufStart),
		ends:    make([]int32, 0, chunkRecords),
		offsets: make([]int64, 0, chunkRecords),
	}
}

func (c *chunk) reset(part int) {
	c.part = part
	c.buf = c.buf[:0]
	c.ends = c.ends[:0]
	c.offsets = c.offsets[:0]
	c.next = 0
	c.block = 0
	c.ended = false
	c.err = nil
	c.oversize = c.oversize[:0]
	c.nulls = c.nulls[:0]
}

func (c *chunk) full() bool { return len(c.ends) >= chunkRecords }

// payload returns record i's bytes.
func (c *chunk) payload(i int) []byte {
	start := int32(0)
	if i > 0 {
		start = c.ends[i-1]
	}
	return c.buf[start:c.ends[i]]
}

// grow makes sure at least n bytes are free after the payloads.
func (c *chunk) grow(n int) {
	if cap(c.buf)-len(c.buf) >= n {
		return
	}
	nb := make([]byte, len(c.buf), 2*cap(c.buf)+n)
	copy(nb, c.buf)
	c.buf = nb
}
