import Fluent
import SQLKit
import ThiDuaCore

/// Tables the database keeps in step with others by triggers, so that no writer — the API, the demo, the
/// benchmark generator, a test fixture or an operator's SQL — can leave them stale.
enum DerivedSQL {
    static func run(_ statements: [String], on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        for statement in statements { try await sql.raw(SQLQueryString(statement)).run() }
    }

    static func isPostgres(_ database: any Database) -> Bool {
        (database as? any SQLDatabase)?.dialect.name == "postgresql"
    }
}

/// A counter that every change to units, parent links or successions bumps in the same transaction. The unit
/// graph is cached per process under it: a request reads one integer instead of the whole structure.
struct CreateStructureVersion: AsyncMigration {
    static let tables = ["units", "unit_parent_links", "unit_successions"]

    func prepare(on database: any Database) async throws {
        var statements = [
            "CREATE TABLE structure_version (id INTEGER PRIMARY KEY, version BIGINT NOT NULL)",
            "INSERT INTO structure_version (id, version) VALUES (1, 0)",
        ]
        if DerivedSQL.isPostgres(database) {
            statements.append("""
                CREATE FUNCTION structure_version_bump() RETURNS trigger AS $$
                BEGIN UPDATE structure_version SET version = version + 1 WHERE id = 1; RETURN NULL; END
                $$ LANGUAGE plpgsql
                """)
            for table in Self.tables {
                statements.append("""
                    CREATE TRIGGER \(table)_structure_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON \(table)
                    FOR EACH STATEMENT EXECUTE FUNCTION structure_version_bump()
                    """)
            }
        } else {
            for table in Self.tables {
                for event in ["INSERT", "UPDATE", "DELETE"] {
                    statements.append("""
                        CREATE TRIGGER \(table)_structure_version_\(event.lowercased()) AFTER \(event) ON \(table)
                        BEGIN UPDATE structure_version SET version = version + 1 WHERE id = 1; END
                        """)
                }
            }
        }
        try await DerivedSQL.run(statements, on: database)
    }

    func revert(on database: any Database) async throws {
        var statements: [String] = []
        if DerivedSQL.isPostgres(database) {
            statements += Self.tables.map { "DROP TRIGGER IF EXISTS \($0)_structure_version ON \($0)" }
            statements.append("DROP FUNCTION IF EXISTS structure_version_bump()")
        } else {
            for table in Self.tables {
                statements += ["insert", "update", "delete"].map { "DROP TRIGGER IF EXISTS \(table)_structure_version_\($0)" }
            }
        }
        statements.append("DROP TABLE structure_version")
        try await DerivedSQL.run(statements, on: database)
    }
}

/// Counts of records per commune, month and every attribute a plan may filter by, kept by triggers on `records`
/// (+1 on insert, −1 on delete, both on an update). The indicators read whole months from here, so their cost
/// follows the number of communes and months rather than of records; the columns and their types are those of
/// `records`, so one SQL condition serves both tables.
struct CreateRecordTotals: AsyncMigration {
    // Literal, as this migration first ran: a later change to the totals is a new migration. A tip's `status` is
    // left out: it is a workflow state, not what plans measure.
    private static let keyColumns = ["commune_id", "kind", "category", "origin", "subkind", "flag", "flag_on"]
    private static let columns = "month, commune_id, kind, category, origin, subkind, flag, flag_on"
    private static func values(_ row: String) -> String {
        "substr(\(row).occurred_on, 1, 7), \(row).commune_id, \(row).kind, \(row).category, \(row).origin, \(row).subkind, \(row).flag, \(row).flag_on"
    }

    func prepare(on database: any Database) async throws {
        let postgres = DerivedSQL.isPostgres(database)
        var statements = [
            """
            CREATE TABLE record_totals (
                commune_id UUID NOT NULL, month TEXT NOT NULL, kind TEXT NOT NULL,
                category TEXT, origin TEXT, subkind TEXT, flag BOOLEAN,
                flag_on TEXT, n INTEGER NOT NULL)
            """,
            // One index finds the row a record changes and serves the reads from itself: a phase's months for
            // every commune, in the order of the grouping by commune.
            "CREATE INDEX record_totals_key ON record_totals (commune_id, month, kind, category, origin, subkind, flag, flag_on, n)",
        ]
        // A total row's key equals a record's: the same values, NULL matching NULL.
        func match(_ row: String, same: String) -> String {
            (["month"] + Self.keyColumns).map { column in
                let value = column == "month" ? "substr(\(row).occurred_on, 1, 7)" : "\(row).\(column)"
                return column == "month" || column == "commune_id" || column == "kind"
                    ? "\(column) = \(value)" : "\(column) \(same) \(value)"
            }.joined(separator: " AND ")
        }
        let columns = Self.columns
        let values = Self.values
        if postgres {
            statements.append("""
                CREATE FUNCTION record_totals_apply() RETURNS trigger AS $$
                BEGIN
                  IF TG_OP IN ('UPDATE', 'DELETE') THEN
                    UPDATE record_totals SET n = n - 1 WHERE \(match("OLD", same: "IS NOT DISTINCT FROM"));
                    DELETE FROM record_totals WHERE n <= 0 AND \(match("OLD", same: "IS NOT DISTINCT FROM"));
                  END IF;
                  IF TG_OP IN ('INSERT', 'UPDATE') THEN
                    UPDATE record_totals SET n = n + 1 WHERE \(match("NEW", same: "IS NOT DISTINCT FROM"));
                    IF NOT FOUND THEN
                      INSERT INTO record_totals (\(columns), n) VALUES (\(values("NEW")), 1);
                    END IF;
                  END IF;
                  RETURN NULL;
                END
                $$ LANGUAGE plpgsql
                """)
            statements.append("""
                CREATE TRIGGER records_totals AFTER INSERT OR DELETE OR UPDATE OF \(Self.keyColumns.joined(separator: ", ")), occurred_on
                ON records FOR EACH ROW EXECUTE FUNCTION record_totals_apply()
                """)
            // TRUNCATE fires no row trigger: it empties the totals with the records.
            statements.append("""
                CREATE FUNCTION record_totals_clear() RETURNS trigger AS $$
                BEGIN DELETE FROM record_totals; RETURN NULL; END
                $$ LANGUAGE plpgsql
                """)
            statements.append("""
                CREATE TRIGGER records_totals_truncate AFTER TRUNCATE ON records
                FOR EACH STATEMENT EXECUTE FUNCTION record_totals_clear()
                """)
        } else {
            let add = """
                UPDATE record_totals SET n = n + 1 WHERE \(match("NEW", same: "IS"));
                INSERT INTO record_totals (\(columns), n) SELECT \(values("NEW")), 1
                  WHERE NOT EXISTS (SELECT 1 FROM record_totals WHERE \(match("NEW", same: "IS")));
                """
            let remove = """
                UPDATE record_totals SET n = n - 1 WHERE \(match("OLD", same: "IS"));
                DELETE FROM record_totals WHERE n <= 0 AND \(match("OLD", same: "IS"));
                """
            statements += [
                "CREATE TRIGGER records_totals_insert AFTER INSERT ON records BEGIN \(add) END",
                "CREATE TRIGGER records_totals_delete AFTER DELETE ON records BEGIN \(remove) END",
                """
                CREATE TRIGGER records_totals_update AFTER UPDATE OF \(Self.keyColumns.joined(separator: ", ")), occurred_on
                ON records BEGIN \(remove) \(add) END
                """,
            ]
        }
        // Records already stored are counted once.
        statements.append("INSERT INTO record_totals (\(columns), n) SELECT \(values("r")), COUNT(*) FROM records r GROUP BY \(values("r"))")
        try await DerivedSQL.run(statements, on: database)
    }

    func revert(on database: any Database) async throws {
        var statements: [String]
        if DerivedSQL.isPostgres(database) {
            statements = ["DROP TRIGGER IF EXISTS records_totals ON records", "DROP FUNCTION IF EXISTS record_totals_apply()",
                          "DROP TRIGGER IF EXISTS records_totals_truncate ON records", "DROP FUNCTION IF EXISTS record_totals_clear()"]
        } else {
            statements = ["insert", "delete", "update"].map { "DROP TRIGGER IF EXISTS records_totals_\($0)" }
        }
        statements.append("DROP TABLE record_totals")
        try await DerivedSQL.run(statements, on: database)
    }
}

/// Records in force on a day (models, reform cases) are read from an index of their own that holds every column
/// the indicators filter and group by; it covers only the kinds that last over time, a few in a hundred records.
struct CreateRecordsInForceIndex: AsyncMigration {
    // Literal: the kinds that lasted over time when this index was made. `RecordSQL.inForceKinds` repeats the
    // condition word for word so that both databases' planners use the index; a test holds the two equal.
    static let condition = "kind IN ('model', 'reform_case')"

    func prepare(on database: any Database) async throws {
        try await DerivedSQL.run(["""
            CREATE INDEX records_in_force ON records (kind, occurred_on, ended_on, commune_id, village_id, category,
              origin, status, subkind, flag, flag_on) WHERE \(Self.condition)
            """], on: database)
    }

    func revert(on database: any Database) async throws {
        try await DerivedSQL.run(["DROP INDEX records_in_force"], on: database)
    }
}

/// The totals' key made unique and every trigger an atomic upsert. Before, two concurrent first writes to one
/// commune, month and attributes on PostgreSQL each found no row and inserted one; every later write then counted
/// into both. The totals are counted afresh (which removes any duplicate) before the unique index is made.
struct MakeRecordTotalsUnique: AsyncMigration {
    private static let columns = "month, commune_id, kind, category, origin, subkind, flag, flag_on"
    private static func values(_ row: String) -> String {
        "substr(\(row).occurred_on, 1, 7), \(row).commune_id, \(row).kind, \(row).category, \(row).origin, \(row).subkind, \(row).flag, \(row).flag_on"
    }
    private static let refill = [
        "DELETE FROM record_totals",
        "INSERT INTO record_totals (\(columns), n) SELECT \(values("r")), COUNT(*) FROM records r GROUP BY \(values("r"))",
    ]
    /// A total's row for a record row: the same values, NULL matching NULL.
    private static func match(_ row: String, same: String) -> String {
        "commune_id = \(row).commune_id AND month = substr(\(row).occurred_on, 1, 7) AND kind = \(row).kind"
            + " AND category \(same) \(row).category AND origin \(same) \(row).origin AND subkind \(same) \(row).subkind"
            + " AND flag \(same) \(row).flag AND flag_on \(same) \(row).flag_on"
    }
    /// SQLite's unique indexes hold NULLs distinct, so its key folds NULL into a value no record has.
    private static let sqliteKey = "commune_id, month, kind, IFNULL(category, ''), IFNULL(origin, ''), IFNULL(subkind, ''), IFNULL(flag, -1), IFNULL(flag_on, '')"
    private static let postgresKey = "commune_id, month, kind, category, origin, subkind, flag, flag_on"

    /// The trigger function (PostgreSQL) or triggers (SQLite) with a given statement that counts a new record in.
    private static func postgresFunction(add: String) -> String {
        """
        CREATE OR REPLACE FUNCTION record_totals_apply() RETURNS trigger AS $$
        BEGIN
          IF TG_OP IN ('UPDATE', 'DELETE') THEN
            UPDATE record_totals SET n = n - 1 WHERE \(match("OLD", same: "IS NOT DISTINCT FROM"));
            DELETE FROM record_totals WHERE n <= 0 AND \(match("OLD", same: "IS NOT DISTINCT FROM"));
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') THEN
            \(add)
          END IF;
          RETURN NULL;
        END
        $$ LANGUAGE plpgsql
        """
    }

    private static func sqliteTriggers(add: String) -> [String] {
        let remove = """
            UPDATE record_totals SET n = n - 1 WHERE \(match("OLD", same: "IS"));
            DELETE FROM record_totals WHERE n <= 0 AND \(match("OLD", same: "IS"));
            """
        return [
            "DROP TRIGGER records_totals_insert",
            "DROP TRIGGER records_totals_update",
            "CREATE TRIGGER records_totals_insert AFTER INSERT ON records BEGIN \(add) END",
            """
            CREATE TRIGGER records_totals_update AFTER UPDATE OF commune_id, kind, category, origin, subkind, flag,
            flag_on, occurred_on ON records BEGIN \(remove) \(add) END
            """,
        ]
    }

    func prepare(on database: any Database) async throws {
        if DerivedSQL.isPostgres(database) {
            // One transaction, records locked against writers, so that no write falls between the count and the
            // new trigger.
            let upsert = """
                INSERT INTO record_totals (\(Self.columns), n) VALUES (\(Self.values("NEW")), 1)
                    ON CONFLICT (\(Self.postgresKey)) DO UPDATE SET n = record_totals.n + 1;
                """
            try await database.transaction { tx in
                try await DerivedSQL.run(["LOCK TABLE records IN SHARE MODE"] + Self.refill + [
                    "CREATE UNIQUE INDEX record_totals_unique ON record_totals (\(Self.postgresKey)) NULLS NOT DISTINCT",
                    Self.postgresFunction(add: upsert),
                ], on: tx)
            }
        } else {
            let upsert = """
                INSERT INTO record_totals (\(Self.columns), n) VALUES (\(Self.values("NEW")), 1)
                  ON CONFLICT (\(Self.sqliteKey)) DO UPDATE SET n = n + 1;
                """
            try await database.transaction { tx in
                try await DerivedSQL.run(Self.refill + ["CREATE UNIQUE INDEX record_totals_unique ON record_totals (\(Self.sqliteKey))"]
                    + Self.sqliteTriggers(add: upsert), on: tx)
            }
        }
    }

    /// Back to the update-then-insert triggers, which need no unique index.
    func revert(on database: any Database) async throws {
        if DerivedSQL.isPostgres(database) {
            let add = """
                UPDATE record_totals SET n = n + 1 WHERE \(Self.match("NEW", same: "IS NOT DISTINCT FROM"));
                IF NOT FOUND THEN
                  INSERT INTO record_totals (\(Self.columns), n) VALUES (\(Self.values("NEW")), 1);
                END IF;
                """
            try await DerivedSQL.run([Self.postgresFunction(add: add), "DROP INDEX record_totals_unique"], on: database)
        } else {
            let add = """
                UPDATE record_totals SET n = n + 1 WHERE \(Self.match("NEW", same: "IS"));
                INSERT INTO record_totals (\(Self.columns), n) SELECT \(Self.values("NEW")), 1
                  WHERE NOT EXISTS (SELECT 1 FROM record_totals WHERE \(Self.match("NEW", same: "IS")));
                """
            try await DerivedSQL.run(Self.sqliteTriggers(add: add) + ["DROP INDEX record_totals_unique"], on: database)
        }
    }
}
