// Package pgwire is weir's Postgres wire endpoint: it speaks protocol 3.0
// through github.com/jackc/pgx/v5/pgproto3 (startup, TLS, SCRAM-SHA-256,
// cancel requests, the simple and extended query protocols) so that psql,
// pgx, lib/pq, JDBC and Grafana can talk to weir. It knows no operators: every
// statement it does not answer itself goes to an Engine.
//
// pgwire answers these itself, because drivers and psql send them and they
// mean nothing to the engine: BEGIN/START TRANSACTION, COMMIT/END,
// ROLLBACK/ABORT (no-ops that keep the transaction status drivers expect),
// SET/RESET/DISCARD/DEALLOCATE, SHOW of session settings, constant SELECTs
// (`SELECT 1`, `SELECT $1::int`, `version()`, `current_setting(...)`, ...),
// evaluated as PostgreSQL would by a small SQL evaluator (expr_parse.go,
// expr_eval.go; what it cannot evaluate exactly goes to the engine), and the
// pg_catalog / information_schema queries of psql's `\d` family, `\l`,
// `\dn` and Grafana's table and column lists, answered from the Engine's
// optional Cataloger ability (catalog_tables.go, catalog_emulation.go).
// PostgreSQL statements weir has no use for (LISTEN, VACUUM, ...) get 0A000.
//
// As PostgreSQL, the extended protocol's Parse plans its statement (the
// Engine's Describe), so a bad statement fails at Parse; the columns are
// kept for Describe. statement_timeout cancels a statement that runs too
// long (57014), and Server.Close ends each session with FATAL 57P01. It also runs two PostgreSQL ways of streaming a result
// that psql can show, over any statement the Engine runs: COPY (query) TO
// STDOUT (copy_out.go) and forward-only SQL cursors, DECLARE / FETCH / MOVE
// / CLOSE (cursors.go).
//
// With a Cataloger, pgwire also reads views the way PostgreSQL clients
// write the query (view_read.go): a SELECT over one materialized view or
// system view goes to the engine as written (the engine reads public.v,
// SELECT DISTINCT, LIMIT ALL, OFFSET, FETCH FIRST, now() and bare column
// names such as partition itself); pgwire refuses aggregates over its rows
// and DISTINCT ON, rewrites pg_catalog.now() for the engine (mapping error
// positions back), reports a negative count as PostgreSQL does (2201W /
// 2201X), and renders EXPLAIN of such a read. Describe reports the parameter types the statement implies,
// as PostgreSQL does (param_types.go).
package pgwire
