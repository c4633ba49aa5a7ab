// Package catalog holds weir's vocabulary of declared things: SQL types,
// schemas, sources, sinks and views. It imports nothing from weir.
package catalog

import (
	"fmt"
	"strings"
)

// Type is a SQL type of a column or expression.
type Type uint8

// The SQL types weir supports. TIMESTAMP values are int64 milliseconds since
// the Unix epoch, UTC.
const (
	// Unknown is the type of an untyped NULL literal before it is resolved.
	Unknown Type = iota
	Bigint
	Double
	Varchar
	Boolean
	Timestamp
)

var typeNames = [...]string{
	Unknown:   "UNKNOWN",
	Bigint:    "BIGINT",
	Double:    "DOUBLE",
	Varchar:   "VARCHAR",
	Boolean:   "BOOLEAN",
	Timestamp: "TIMESTAMP",
}

// String returns the canonical SQL name of the type.
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", t)
}

// Numeric reports whether t is BIGINT or DOUBLE.
func (t Type) Numeric() bool { return t == Bigint || t == Double }

// ParseType maps a SQL type name (any case, with its synonyms) to a Type.
// Synonyms: INT, INTEGER → BIGINT; FLOAT, REAL → DOUBLE; TEXT, STRING →
// VARCHAR; BOOL → BOOLEAN.
func ParseType(name string) (Type, bool) {
	switch strings.ToUpper(name) {
	case "BIGINT", "INT", "INTEGER", "INT8", "SMALLINT":
		return Bigint, true
	case "DOUBLE", "FLOAT", "REAL", "FLOAT8", "DECIMAL", "NUMERIC":
		return Double, true
	case "VARCHAR", "TEXT", "STRING", "CHAR":
		return Varchar, true
	case "BOOLEAN", "BOOL":
		return Boolean, true
	case "TIMESTAMP", "TIMESTAMPTZ":
		return Timestamp, true
	}
	return Unknown, false
}
