// Package storage is weir's durable state: checkpoint manifests, the
// persisted catalog of `weir serve`, and the warm tier that window state
// spills to under its memory budget. Pebble (github.com/cockroachdb/pebble/v2)
// is imported only here.
//
// One Store holds one Pebble database (a state directory). Its key space is
// split by a one-byte tag:
//
//	'c' len(query) query id(8, big endian) 'h'          checkpoint header
//	'c' len(query) query id(8, big endian) 'b' name      checkpoint blob
//	'l' len(query) query                                 latest checkpoint id
//	's' name                                             catalog statement
//	'q'                                                  statement sequence
//	'w' len(query) query op(4) partition(4) key          warm-tier entry
//	'x' len(query) query op(4) partition(4) key          spool entry (scratch of a tier)
//
// where len is a uvarint, so that every prefix is prefix-free.
//
// Durability: CommitCheckpoint and the catalog calls write one Pebble batch
// with Sync; the warm tier writes without Sync (its contents are rebuilt
// from the last checkpoint after a crash and cleared when a Tier is opened).
package storage
