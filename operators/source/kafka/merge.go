package kafka

// A bounded source delivers its partitions' records in an order that
// depends only on the topic's contents, never on which fetch answered
// first, so that a bounded query's results (which events are too late,
// which windows a watermark closes) are the same on every run:
//
//   - a partition's records are cut into blocks of offsets
//     [k·chunkRecords, (k+1)·chunkRecords), one chunk per block (a block
//     holds at most chunkRecords records, one batch);
//   - Read delivers the chunks of all partitions in (block, partition)
//     order: it waits until every partition that has not ended has a chunk
//     ready, then hands over the one with the lowest block, the lowest
//     partition first among equal blocks;
//   - the chunk with a partition's last records also ends it (Ended reports
//     it right after), and a partition with nothing to read at start is
//     ended before the first batch.
//
// Blocks follow offsets, not the records read since start, so a query that
// resumes from a checkpoint (taken between two chunks) delivers the rest of
// the same sequence. An unbounded source delivers chunks as they arrive:
// its partitions' interleaving follows the brokers' timing.

// mergeNext returns the next chunk in merge order, or nil when some
// partition that has not ended has no chunk ready yet.
func (s *Source) mergeNext() *chunk {
	best := -1
	for i, q := range s.pending {
		if s.isEnded[i] {
			continue
		}
		if len(q) == 0 {
			return nil
		}
		if best < 0 || q[0].block < s.pending[best][0].block {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	q := s.pending[best]
	c := q[0]
	copy(q, q[1:])
	s.pending[best] = q[:len(q)-1]
	return c
}
