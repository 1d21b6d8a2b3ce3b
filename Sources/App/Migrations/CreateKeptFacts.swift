import Fluent
import SQLKit

/// What the results rest on, kept so that a change recomputes only what it moves. Triggers on the tables whose rows
/// make a commune's facts (records, figures, self and reviewed scores, bonus and penalty points) bump one counter and
/// note each commune a statement touched at the counter's new value, in the writer's transaction: whatever writes
/// (the API, an import, an operator's SQL), a reader that has results as of counter N asks which communes changed
/// after N and recomputes those alone. `kept_facts` stores every unit's facts of a phase with the versions they were
/// computed at, so that a server starting cold does not recount the nation; `structure_snapshots` the unit graph of
/// the structure's version as one value, so that it does not read the nation's units row by row.
struct CreateKeptFacts: AsyncMigration {
    // Literal, as this migration first ran: the tables and the column naming the commune in each.
    static let watched = [("records", "commune_id"), ("figures", "commune_id"),
                          ("criterion_scores", "unit_id"), ("adjustment_entries", "unit_id")]

    func prepare(on database: any Database) async throws {
        var statements = [
            "CREATE TABLE change_version (id INTEGER PRIMARY KEY, version BIGINT NOT NULL)",
            "INSERT INTO change_version (id, version) VALUES (1, 0)",
            "CREATE TABLE commune_changes (commune_id UUID PRIMARY KEY, version BIGINT NOT NULL)",
            "CREATE INDEX commune_changes_version ON commune_changes (version)",
            """
            CREATE TABLE kept_facts (
                movement_id UUID NOT NULL, phase_id TEXT NOT NULL, as_of TEXT NOT NULL, structure_date TEXT NOT NULL,
                plan_hash TEXT NOT NULL, structure_version BIGINT NOT NULL, change_version BIGINT NOT NULL,
                facts TEXT NOT NULL, stored_at TEXT NOT NULL,
                PRIMARY KEY (movement_id, phase_id, as_of, structure_date))
            """,
        ]
        // The unit graph of a structure version, as one value (`UnitGraph.snapshot`).
        statements.append("CREATE TABLE structure_snapshots (version BIGINT PRIMARY KEY, data \(DerivedSQL.isPostgres(database) ? "BYTEA" : "BLOB") NOT NULL)")
        let upsert = "ON CONFLICT (commune_id) DO UPDATE SET version = excluded.version"
        if DerivedSQL.isPostgres(database) {
            // Statement triggers with transition tables: a bulk insert bumps the counter once and notes each of its
            // communes once.
            for (table, column) in Self.watched {
                statements.append("""
                    CREATE FUNCTION kept_changes_\(table)() RETURNS trigger AS $$
                    DECLARE v BIGINT;
                    BEGIN
                      UPDATE change_version SET version = version + 1 WHERE id = 1 RETURNING version INTO v;
                      IF TG_OP = 'TRUNCATE' THEN
                        INSERT INTO commune_changes (commune_id, version) SELECT id, v FROM units WHERE level = 'commune' \(upsert);
                        RETURN NULL;
                      END IF;
                      IF TG_OP IN ('INSERT', 'UPDATE') THEN
                        INSERT INTO commune_changes (commune_id, version) SELECT DISTINCT \(column), v FROM new_rows \(upsert);
                      END IF;
                      IF TG_OP IN ('DELETE', 'UPDATE') THEN
                        INSERT INTO commune_changes (commune_id, version) SELECT DISTINCT \(column), v FROM old_rows \(upsert);
                      END IF;
                      RETURN NULL;
                    END
                    $$ LANGUAGE plpgsql
                    """)
                statements += [
                    "CREATE TRIGGER \(table)_kept_insert AFTER INSERT ON \(table) REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION kept_changes_\(table)()",
                    "CREATE TRIGGER \(table)_kept_update AFTER UPDATE ON \(table) REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION kept_changes_\(table)()",
                    "CREATE TRIGGER \(table)_kept_delete AFTER DELETE ON \(table) REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION kept_changes_\(table)()",
                    "CREATE TRIGGER \(table)_kept_truncate AFTER TRUNCATE ON \(table) FOR EACH STATEMENT EXECUTE FUNCTION kept_changes_\(table)()",
                ]
            }
        } else {
            func note(_ row: String, _ column: String) -> String {
                """
                UPDATE change_version SET version = version + 1 WHERE id = 1;
                INSERT INTO commune_changes (commune_id, version) SELECT \(row).\(column), version FROM change_version WHERE id = 1 \(upsert);
                """
            }
            for (table, column) in Self.watched {
                statements += [
                    "CREATE TRIGGER \(table)_kept_insert AFTER INSERT ON \(table) BEGIN \(note("NEW", column)) END",
                    "CREATE TRIGGER \(table)_kept_update AFTER UPDATE ON \(table) BEGIN \(note("OLD", column)) \(note("NEW", column)) END",
                    "CREATE TRIGGER \(table)_kept_delete AFTER DELETE ON \(table) BEGIN \(note("OLD", column)) END",
                ]
            }
        }
        try await DerivedSQL.run(statements, on: database)
    }

    func revert(on database: any Database) async throws {
        var statements: [String] = []
        for (table, _) in Self.watched {
            if DerivedSQL.isPostgres(database) {
                statements += ["insert", "update", "delete", "truncate"].map { "DROP TRIGGER IF EXISTS \(table)_kept_\($0) ON \(table)" }
                statements.append("DROP FUNCTION IF EXISTS kept_changes_\(table)()")
            } else {
                statements += ["insert", "update", "delete"].map { "DROP TRIGGER IF EXISTS \(table)_kept_\($0)" }
            }
        }
        statements += ["DROP TABLE structure_snapshots", "DROP TABLE kept_facts", "DROP TABLE commune_changes", "DROP TABLE change_version"]
        try await DerivedSQL.run(statements, on: database)
    }
}
