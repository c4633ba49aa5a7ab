// Package jsondec decodes JSON-lines payloads straight into the column
// vectors of a coldata.Batch. It is shared by the file and Kafka sources.
//
// The decoder reuses one fastjson parser, interns short repeated string
// values per column and copies new short values into shared 2 KiB blocks,
// so that decoding well-formed events of a steady shape does not allocate
// per event, whatever the cardinality of its VARCHAR columns. A VARCHAR
// value may therefore share its block with others: whoever keeps a value
// beyond the batch should clone it (strings.Clone), not pin the block.
//
// A Decoder is not safe for concurrent use: give each source partition
// reader its own.
package jsondec
