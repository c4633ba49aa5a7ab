package storage

import (
	"encoding/binary"
)

// Key tags; see the package comment.
const (
	tagCheckpoint = 'c'
	tagLatest     = 'l'
	tagStatement  = 's'
	tagSeq        = 'q'
	tagWarm       = 'w'
	tagSpool      = 'x'
)

// appendQuery appends tag, the length-prefixed query id.
func appendQuery(buf []byte, tag byte, query string) []byte {
	buf = append(buf, tag)
	buf = binary.AppendUvarint(buf, uint64(len(query)))
	return append(buf, query...)
}

// checkpointPrefix is the prefix of every key of checkpoint id of query.
func checkpointPrefix(query string, id uint64) []byte {
	k := appendQuery(nil, tagCheckpoint, query)
	return binary.BigEndian.AppendUint64(k, id)
}

func headerKey(query string, id uint64) []byte {
	return append(checkpointPrefix(query, id), 'h')
}

func blobKey(query string, id uint64, name string) []byte {
	return append(append(checkpointPrefix(query, id), 'b'), name...)
}

func latestKey(query string) []byte { return appendQuery(nil, tagLatest, query) }

func statementKey(name string) []byte { return append([]byte{tagStatement}, name...) }

// prefixEnd returns the smallest key greater than every key with prefix p
// (nil when there is none).
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		end[i]++
		if end[i] != 0 {
			return end[:i+1]
		}
	}
	return nil
}
