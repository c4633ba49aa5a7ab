package pgwire

import "strings"

// viewDefinition is a view's definition as the catalogs show it
// (pg_get_viewdef, pg_views.definition, pg_matviews.definition,
// information_schema.views.view_definition): the view's query as the user
// wrote it, line ends as PostgreSQL's (\n: a script sent with CRLF line ends
// does not show a \r on every line in psql's \d+), ending in ';' as
// PostgreSQL's does; NULL for a relation without one.
func viewDefinition(r Relation) value {
	if r.Definition == "" || r.Kind == RelSource {
		return nullText()
	}
	def := strings.ReplaceAll(r.Definition, "\r\n", "\n")
	def = strings.TrimSpace(strings.ReplaceAll(def, "\r", "\n"))
	if !strings.HasSuffix(def, ";") {
		def += ";"
	}
	return txt(def)
}
