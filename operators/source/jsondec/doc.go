// Package jsondec decodes JSON-lines payloads straight into the column
// vectors of a coldata.Batch. It is shared by the file and Kafka sources.
//
// The decoder reuses one fastjson parser and interns short repeated string
// values per column, so that decoding well-formed events of a steady shape
// does not allocate per event. It is not safe for concurrent use: give each
// source partition reader its own Decoder.
package jsondec
