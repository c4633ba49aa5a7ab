package pgwire

import (
	"context"
	"errors"

	"github.com/weirdb/weir/catalog"
)

// constSelect answers a SELECT without FROM (or anything after its list)
// whose items pgwire evaluates exactly as PostgreSQL would: literals,
// casts, arithmetic, || and the session functions drivers and psql send
// (version(), current_setting(...), current_database(), current_user,
// pg_backend_pid(), now(), pg_get_viewdef(...), ...). ok is false for any
// other statement, which then goes to the engine.
func (c *conn) constSelect(ctx context.Context, stmt string) (res *staticResult, ok bool, err error) {
	s, parsed := parseSelect(stmt)
	if !parsed || len(s.from) > 0 || s.where != nil || len(s.groupBy) > 0 || s.having != nil ||
		len(s.orderBy) > 0 || s.limit != nil || s.offset != nil {
		return nil, false, nil
	}
	env := &evalEnv{c: c, ctx: ctx}
	cols := make([]Column, len(s.items))
	row := make(Row, len(s.items))
	for i, it := range s.items {
		if it.isStar {
			return nil, false, nil
		}
		v, err := env.eval(it.x)
		if errors.Is(err, errCannot) {
			return nil, false, nil
		}
		if err != nil {
			return nil, true, err
		}
		t, out, ok := wireValue(v)
		if !ok {
			return nil, false, nil
		}
		name := columnName(it.x)
		if it.aliased {
			name = it.alias
		}
		cols[i] = Column{Name: name, Type: t}
		row[i] = out
	}
	return &staticResult{cols: cols, rows: []Row{row}, tag: "SELECT"}, true, nil
}

// wireValue maps an evaluated value to a wire column type and Value; ok is
// false when its text would differ from PostgreSQL's (a numeric whose text
// is not a double's shortest form, arrays, ...).
func wireValue(v value) (catalog.Type, Value, bool) {
	switch v.t {
	case tInt2, tInt4, tInt8, tOID:
		return catalog.Bigint, Value{Null: v.null, I: v.i}, true
	case tFloat8:
		return catalog.Double, Value{Null: v.null, F: v.f}, true
	case tNumeric:
		if v.null {
			return catalog.Double, Value{Null: true}, true
		}
		f, ok := castTo(v, typeOf[tFloat8], -1)
		if ok != nil || string(appendFloatText(nil, f.f)) != v.s {
			return 0, Value{}, false
		}
		return catalog.Double, Value{F: f.f}, true
	case tText, tUnknown, tRegclass:
		return catalog.Varchar, Value{Null: v.null, S: v.s}, true
	case tBool:
		return catalog.Boolean, Value{Null: v.null, B: v.b}, true
	case tTimestamptz:
		return catalog.Timestamp, Value{Null: v.null, I: v.i}, true
	}
	return 0, Value{}, false
}
