package pgwire

import (
	"os"

	"github.com/jackc/pgx/v5/pgproto3"
)

func init() {
	if os.Getenv("PGWIRE_TRACE") != "" {
		traceHook = func(be *pgproto3.Backend) { be.Trace(os.Stderr, pgproto3.TracerOptions{}) }
	}
}
