package pgwire

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// jdbcJar is where Debian's libpostgresql-jdbc-java installs pgjdbc.
const jdbcJar = "/usr/share/java/postgresql.jar"

// TestJDBCMetadata runs pgjdbc's DatabaseMetaData calls (what DBeaver and
// DataGrip list relations and columns with) against the fake engine's
// catalog through a real driver. It is skipped, saying why, when java or
// the driver's jar is not installed; testdata/protocol/jdbc checks the
// same queries without them.
func TestJDBCMetadata(t *testing.T) {
	java, err := exec.LookPath("java")
	if err != nil {
		t.Skip("SKIPPED: java is not installed (testdata/protocol/jdbc covers the queries)")
	}
	if _, err := os.Stat(jdbcJar); err != nil {
		t.Skipf("SKIPPED: pgjdbc is not installed at %s (apt-get install libpostgresql-jdbc-java)", jdbcJar)
	}
	ts := startServer(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// java runs a single source file without compiling it first.
	cmd := exec.CommandContext(ctx, java, "-cp", jdbcJar, "testdata/jdbc/Meta.java", "jdbc:postgresql://"+ts.addr+"/weir", "tester")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	want := `== getTables
TABLE_SCHEM=public TABLE_NAME=by_model TABLE_TYPE=MATERIALIZED VIEW
TABLE_SCHEM=public TABLE_NAME=metrics TABLE_TYPE=TABLE
TABLE_SCHEM=public TABLE_NAME=weir_dead_letters TABLE_TYPE=VIEW
== getTables types
TABLE_NAME=by_model TABLE_TYPE=MATERIALIZED VIEW
TABLE_NAME=metrics TABLE_TYPE=TABLE
TABLE_NAME=weir_dead_letters TABLE_TYPE=VIEW
== getColumns
TABLE_NAME=by_model COLUMN_NAME=model DATA_TYPE=12 TYPE_NAME=text ORDINAL_POSITION=1 IS_NULLABLE=YES
TABLE_NAME=by_model COLUMN_NAME=n DATA_TYPE=-5 TYPE_NAME=int8 ORDINAL_POSITION=2 IS_NULLABLE=YES
TABLE_NAME=by_model COLUMN_NAME=avg_latency DATA_TYPE=8 TYPE_NAME=float8 ORDINAL_POSITION=3 IS_NULLABLE=YES
TABLE_NAME=by_model COLUMN_NAME=window_end DATA_TYPE=93 TYPE_NAME=timestamptz ORDINAL_POSITION=4 IS_NULLABLE=YES
TABLE_NAME=by_model COLUMN_NAME=ok DATA_TYPE=-7 TYPE_NAME=bool ORDINAL_POSITION=5 IS_NULLABLE=YES
== getPrimaryKeys
== getIndexInfo
== getImportedKeys
== getFunctions
== getProcedures
== getTypeInfo
TYPE_NAME=bool DATA_TYPE=-7
TYPE_NAME=int8 DATA_TYPE=-5
TYPE_NAME=bigserial DATA_TYPE=-5
TYPE_NAME=float8 DATA_TYPE=8
TYPE_NAME=text DATA_TYPE=12
TYPE_NAME=timestamptz DATA_TYPE=93
`
	require.Equal(t, want, strings.ReplaceAll(string(out), "\r\n", "\n"))
}
