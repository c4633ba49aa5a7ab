package storage

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/cockroachdb/pebble/v2"
)

// NamedStatement is one persisted catalog statement (CREATE SOURCE, VIEW,
// SINK ...) of `weir serve`, replayed in Seq order at startup.
type NamedStatement struct {
	Name string
	SQL  string
	Seq  uint64 // order of first creation
}

// PutStatement stores the statement text under name, durably. A new name
// is ordered after every existing statement; replacing an existing name
// keeps its place.
func (s *Store) PutStatement(name, sql string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	key := statementKey(name)
	old, err := s.get(key)
	if err != nil {
		return err
	}
	b := s.db.NewBatch()
	defer b.Close()
	var seq uint64
	if old != nil {
		x, n := binary.Uvarint(old)
		if n <= 0 {
			return fmt.Errorf("corrupt statement %q", name)
		}
		seq = x
	} else {
		cur, err := s.get([]byte{tagSeq})
		if err != nil {
			return err
		}
		if len(cur) == 8 {
			seq = binary.BigEndian.Uint64(cur) + 1
		}
		if err := b.Set([]byte{tagSeq}, binary.BigEndian.AppendUint64(nil, seq), nil); err != nil {
			return fmt.Errorf("put statement: %w", err)
		}
	}
	v := binary.AppendUvarint(nil, seq)
	v = append(v, sql...)
	if err := b.Set(key, v, nil); err != nil {
		return fmt.Errorf("put statement: %w", err)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("put statement: %w", err)
	}
	return nil
}

// DeleteStatement removes the statement stored under name, durably; a
// missing name is not an error.
func (s *Store) DeleteStatement(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if err := s.db.Delete(statementKey(name), pebble.Sync); err != nil {
		return fmt.Errorf("delete statement: %w", err)
	}
	return nil
}

// Statements returns every stored statement in creation order.
func (s *Store) Statements() ([]NamedStatement, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	p := []byte{tagStatement}
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: p, UpperBound: prefixEnd(p)})
	if err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	var out []NamedStatement
	for ok := it.First(); ok; ok = it.Next() {
		v := it.Value()
		seq, n := binary.Uvarint(v)
		if n <= 0 {
			it.Close()
			return nil, fmt.Errorf("corrupt statement %q", it.Key()[1:])
		}
		out = append(out, NamedStatement{Name: string(it.Key()[1:]), SQL: string(v[n:]), Seq: seq})
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	slices.SortFunc(out, func(a, b NamedStatement) int {
		switch {
		case a.Seq < b.Seq:
			return -1
		case a.Seq > b.Seq:
			return 1
		}
		return 0
	})
	return out, nil
}
