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

// ParseType maps a SQL type name (any case, words separated by any
// spaces) to a Type. Besides the canonical names it accepts their
// synonyms (typeSynonyms): Flink's and MySQL's, and PostgreSQL's as
// drivers and Grafana send them (int4, float8, bpchar, timestamptz).
func ParseType(name string) (Type, bool) {
	name = strings.ToUpper(strings.Join(strings.Fields(name), " "))
	t, ok := typeSynonyms[name]
	return t, ok
}

// typeSynonyms maps every accepted type name, upper case, to its Type.
// Every integer width is BIGINT and every floating-point or exact numeric
// one DOUBLE: INT2 does not check the range of a SMALLINT. A parser reading
// a two-word name (DOUBLE PRECISION, CHARACTER VARYING) may look up its
// first word and accept the second itself.
var typeSynonyms = map[string]Type{
	"BIGINT": Bigint, "INT": Bigint, "INTEGER": Bigint, "SMALLINT": Bigint,
	"INT2": Bigint, "INT4": Bigint, "INT8": Bigint,

	"DOUBLE": Double, "DOUBLE PRECISION": Double, "FLOAT": Double, "REAL": Double,
	"FLOAT4": Double, "FLOAT8": Double, "DECIMAL": Double, "NUMERIC": Double,

	"VARCHAR": Varchar, "TEXT": Varchar, "STRING": Varchar, "CHAR": Varchar,
	"CHARACTER": Varchar, "CHARACTER VARYING": Varchar, "BPCHAR": Varchar,

	"BOOLEAN": Boolean, "BOOL": Boolean,

	"TIMESTAMP": Timestamp, "TIMESTAMPTZ": Timestamp,
	"TIMESTAMP WITH TIME ZONE": Timestamp, "TIMESTAMP WITHOUT TIME ZONE": Timestamp,
}
