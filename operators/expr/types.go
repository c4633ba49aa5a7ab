package expr

import (
	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// phys is the physical representation of a SQL type in a coldata.Vec.
type phys uint8

const (
	physNone phys = iota
	physI64       // BIGINT, TIMESTAMP
	physF64       // DOUBLE
	physStr       // VARCHAR
	physBool      // BOOLEAN
)

func physOf(t catalog.Type) phys {
	switch t {
	case catalog.Bigint, catalog.Timestamp:
		return physI64
	case catalog.Double:
		return physF64
	case catalog.Varchar:
		return physStr
	case catalog.Boolean:
		return physBool
	}
	return physNone
}

// newScratch returns a scratch vector for a child of type t. An UNKNOWN
// (untyped NULL) child gets a BOOLEAN vector: only its null bitmap is read.
func newScratch(t catalog.Type) *coldata.Vec {
	if t == catalog.Unknown {
		t = catalog.Boolean
	}
	return coldata.NewVec(t, 0)
}

// reset prepares out to hold n rows of t.
func reset(out *coldata.Vec, t catalog.Type, n int) {
	if t == catalog.Unknown {
		t = catalog.Boolean
	}
	if out.Type != t {
		*out = coldata.Vec{Type: t}
	}
	out.Reset(n, n)
}
