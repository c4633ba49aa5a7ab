package kafka

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	kafkago "github.com/segmentio/kafka-go"
)

// snapshotMagic starts every snapshot; its last byte is the format version.
var snapshotMagic = [4]byte{'W', 'K', 'O', 1}

// Snapshot writes, for every partition, the offset of the next record not
// yet returned by Read. A restart from it re-reads nothing that was
// returned before the snapshot and skips nothing after it.
//
// Format (version 1): magic "WKO\x01", uvarint len(topic), topic, uvarint
// count, then count pairs of (varint partition, varint next offset).
func (s *Source) Snapshot(w io.Writer) error {
	s.mu.Lock()
	offs := map[int32]int64{}
	if s.next != nil {
		for i, p := range s.parts {
			offs[p] = s.next[i]
		}
	} else {
		for p, o := range s.restored {
			offs[p] = o
		}
	}
	s.snapshot = offs
	s.mu.Unlock()

	buf := append([]byte(nil), snapshotMagic[:]...)
	buf = binary.AppendUvarint(buf, uint64(len(s.opts.Topic)))
	buf = append(buf, s.opts.Topic...)
	buf = binary.AppendUvarint(buf, uint64(len(offs)))
	for _, p := range sortedKeys(offs) {
		buf = binary.AppendVarint(buf, int64(p))
		buf = binary.AppendVarint(buf, offs[p])
	}
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("source %s: writing the offsets of topic %q: %w", s.name, s.opts.Topic, err)
	}
	return nil
}

// Restore reads a Snapshot back. It must come before the first Read; it may
// come before or after Open. Partitions missing from the snapshot (added to
// the topic since) start at their earliest offset, so that none of their
// records is skipped.
func (s *Source) Restore(r io.Reader) error {
	br := bufio.NewReader(r)
	var magic [4]byte
	if _, err := io.ReadFull(br, magic[:]); err != nil {
		return fmt.Errorf("source %s: reading the checkpointed offsets of topic %q: %w", s.name, s.opts.Topic, err)
	}
	if magic != snapshotMagic {
		return fmt.Errorf("source %s: the checkpointed offsets of topic %q have an unknown format %q", s.name, s.opts.Topic, magic[:])
	}
	tl, err := binary.ReadUvarint(br)
	if err != nil || tl > 1<<16 {
		return s.corrupt("topic length", nil)
	}
	topic := make([]byte, tl)
	if _, err := io.ReadFull(br, topic); err != nil {
		return s.corrupt("topic", nil)
	}
	if string(topic) != s.opts.Topic {
		return fmt.Errorf("source %s: the checkpoint holds offsets of topic %q, but the source reads topic %q", s.name, topic, s.opts.Topic)
	}
	n, err := binary.ReadUvarint(br)
	if err != nil || n > 1<<20 {
		return s.corrupt("count", nil)
	}
	offs := make(map[int32]int64, n)
	for range n {
		p, err1 := binary.ReadVarint(br)
		o, err2 := binary.ReadVarint(br)
		if err := errors.Join(err1, err2); err != nil {
			return s.corrupt("offsets", err)
		}
		offs[int32(p)] = o
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return fmt.Errorf("source %s: restoring offsets after the source started reading", s.name)
	}
	s.restored = offs
	s.applyRestoredLocked()
	return nil
}

// corrupt is the error of a snapshot whose part what cannot be read.
func (s *Source) corrupt(what string, err error) error {
	if err != nil {
		return fmt.Errorf("source %s: the checkpointed offsets of topic %q are corrupt (%s): %w", s.name, s.opts.Topic, what, err)
	}
	return fmt.Errorf("source %s: the checkpointed offsets of topic %q are corrupt (%s)", s.name, s.opts.Topic, what)
}

// applyRestoredLocked seeds s.next from the restored offsets once the
// partitions are known. A partition absent from the snapshot starts at its
// earliest offset.
func (s *Source) applyRestoredLocked() {
	if s.restored == nil || s.next == nil {
		return
	}
	for i, p := range s.parts {
		if o, ok := s.restored[p]; ok {
			s.next[i] = o
		} else if s.opts.StartOffset == StartLatest {
			// The start offset resolved at Open is the latest one; a new
			// partition must not lose its records.
			s.next[i] = s.firsts[i]
		}
	}
}

// CommitSnapshot has the offsets of the last Snapshot committed to the
// consumer group named by group_id, for monitoring tools (lag dashboards).
// The runtime calls it once the checkpoint that holds that snapshot is
// durable: group commits follow checkpoints, never lead. It does not wait
// for the broker: a committer goroutine of the source sends the commit
// (snapshotCommitter; offsets of a later call replace those not yet sent),
// so a slow or unreachable broker never holds up the query; Close sends the
// last offsets handed over. ctx is not used for the commit, which has its
// own timeout. A failed commit is reported through PositionCommits.OnError,
// or, without one, returned by the next CommitSnapshot; reports are
// rate-limited (commitErrorEvery). Without group_id it does nothing.
func (s *Source) CommitSnapshot(ctx context.Context) error {
	s.mu.Lock()
	offs := s.snapshot
	s.mu.Unlock()
	if s.opts.GroupID != "" && len(offs) > 0 {
		s.committer.submit(offs)
	}
	return s.takeCommitError()
}

// commit commits offs (partition → next offset) to the group_id group,
// through transport (nil: a transport of its own, closed before it
// returns).
func (s *Source) commit(ctx context.Context, offs map[int32]int64, transport *kafkago.Transport) error {
	if s.opts.GroupID == "" || len(offs) == 0 {
		return nil
	}
	commits := make([]kafkago.OffsetCommit, 0, len(offs))
	for _, p := range sortedKeys(offs) {
		commits = append(commits, kafkago.OffsetCommit{Partition: int(p), Offset: offs[p]})
	}
	if transport == nil {
		transport = &kafkago.Transport{ClientID: "weir", DialTimeout: dialTimeout}
		defer transport.CloseIdleConnections()
	}
	client := &kafkago.Client{Addr: kafkago.TCP(s.opts.Brokers...), Timeout: ioTimeout, Transport: transport}
	resp, err := client.OffsetCommit(ctx, &kafkago.OffsetCommitRequest{
		GroupID:      s.opts.GroupID,
		GenerationID: -1,
		Topics:       map[string][]kafkago.OffsetCommit{s.opts.Topic: commits},
	})
	if err != nil {
		return fmt.Errorf("committing the offsets of topic %q to group %q: %w", s.opts.Topic, s.opts.GroupID, unwrapClientErr(err))
	}
	for _, ps := range resp.Topics {
		for _, p := range ps {
			if p.Error != nil {
				return fmt.Errorf("committing the offsets of topic %q to group %q, partition %d: %w", s.opts.Topic, s.opts.GroupID, p.Partition, p.Error)
			}
		}
	}
	return nil
}

func sortedKeys(m map[int32]int64) []int32 {
	out := make([]int32, 0, len(m))
	for p := range m {
		out = append(out, p)
	}
	sortInt32(out)
	return out
}
