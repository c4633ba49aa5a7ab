package planner

import (
	"slices"
	"strings"

	"github.com/weirdb/weir/sql"
)

// optionsByKey indexes a statement's WITH options by lower-cased key,
// refusing a key given twice.
func optionsByKey(opts []sql.Option) (map[string]sql.Option, error) {
	given := map[string]sql.Option{}
	for _, o := range opts {
		k := strings.ToLower(o.Key)
		if _, dup := given[k]; dup {
			return nil, errf(o.At, codeInvalidParameter, "option %q specified more than once", o.Key)
		}
		given[k] = o
	}
	return given, nil
}

// resolveOptions resolves the WITH options of a source or sink whose
// connector is connector (noun names it in errors: "connector", "sink
// connector"): each key must be one of names (known gives its spec) or an
// alias of one, its value must pass checkOption, one option may not be
// given under two names, and every required option must be there (an
// error at stmt when not). It returns the values by canonical name, an
// alias's value translated by its value table.
func resolveOptions(stmt sql.Pos, opts []sql.Option, noun, connector string, names []string,
	known func(string) (optSpec, bool), aliases map[string]optAlias) (map[string]string, error) {
	values := map[string]string{}
	byName := map[string]sql.Option{} // by canonical name
	for _, o := range opts {
		k := strings.ToLower(o.Key)
		v := o.Value
		sp, ok := known(k)
		if a, isAlias := aliases[k]; isAlias {
			k, sp, ok = a.canonical, a.spec, true
			if c, ok := a.values[strings.ToLower(strings.TrimSpace(v))]; ok {
				v = c
			}
		}
		if !ok {
			return nil, errf(o.At, codeInvalidParameter, "unknown option %q for %s %q%s; known options: %s", o.Key, noun, connector, didYouMean(o.Key, slices.Concat(names, aliasNames(aliases))), strings.Join(names, ", "))
		}
		if err := checkOption(o, sp); err != nil {
			return nil, err
		}
		if prev, dup := byName[k]; dup {
			return nil, errf(o.At, codeInvalidParameter, "options %q and %q are two names of option %q; give only one", prev.Key, o.Key, k)
		}
		byName[k] = o
		values[k] = v
	}
	for _, k := range names {
		if sp, _ := known(k); sp.required {
			if _, ok := byName[k]; !ok {
				return nil, errf(stmt, codeInvalidParameter, "%s %q needs option %q", noun, connector, k)
			}
		}
	}
	return values, nil
}
