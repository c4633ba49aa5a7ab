import java.sql.*;

// Meta prints what pgjdbc's DatabaseMetaData answers over weir's wire
// endpoint (TestJDBCMetadata runs it when java and the driver's jar are
// installed): one "== call" line, then its rows as label=value pairs.
public class Meta {
    interface Q { ResultSet run(DatabaseMetaData m) throws SQLException; }

    static void dump(DatabaseMetaData m, String label, String[] cols, Q q) throws SQLException {
        System.out.println("== " + label);
        try (ResultSet rs = q.run(m)) {
            while (rs.next()) {
                StringBuilder b = new StringBuilder();
                for (String c : cols) b.append(b.length() > 0 ? " " : "").append(c).append('=').append(rs.getString(c));
                System.out.println(b);
            }
        }
    }

    public static void main(String[] a) throws Exception {
        try (Connection c = DriverManager.getConnection(a[0], a[1], "")) {
            DatabaseMetaData m = c.getMetaData();
            dump(m, "getTables", new String[]{"TABLE_SCHEM", "TABLE_NAME", "TABLE_TYPE"}, x -> x.getTables(null, null, "%", null));
            dump(m, "getTables types", new String[]{"TABLE_NAME", "TABLE_TYPE"}, x -> x.getTables(null, "public", "%", new String[]{"TABLE", "VIEW", "MATERIALIZED VIEW"}));
            dump(m, "getColumns", new String[]{"TABLE_NAME", "COLUMN_NAME", "DATA_TYPE", "TYPE_NAME", "ORDINAL_POSITION", "IS_NULLABLE"}, x -> x.getColumns(null, "public", "by_model", "%"));
            dump(m, "getPrimaryKeys", new String[]{"COLUMN_NAME"}, x -> x.getPrimaryKeys(null, "public", "by_model"));
            dump(m, "getIndexInfo", new String[]{"INDEX_NAME"}, x -> x.getIndexInfo(null, "public", "by_model", false, true));
            dump(m, "getImportedKeys", new String[]{"FK_NAME"}, x -> x.getImportedKeys(null, "public", "by_model"));
            dump(m, "getFunctions", new String[]{"FUNCTION_NAME"}, x -> x.getFunctions(null, "public", "%"));
            dump(m, "getProcedures", new String[]{"PROCEDURE_NAME"}, x -> x.getProcedures(null, "public", "%"));
            dump(m, "getTypeInfo", new String[]{"TYPE_NAME", "DATA_TYPE"}, x -> x.getTypeInfo());
        }
    }
}
