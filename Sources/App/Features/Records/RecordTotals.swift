import Fluent
import Foundation
import SQLKit

/// Checks the totals the triggers keep against a fresh count of the records, and rebuilds them. For operators:
/// after a restore or a bulk load made with triggers disabled, say.
enum RecordTotals {
    /// One total's key as text, the same for a row of totals and for a group of records.
    private static func key(month: String) -> String {
        (["CAST(commune_id AS TEXT)", month, "kind"] + RecordSQL.totalsKeyColumns.filter { $0 != "commune_id" && $0 != "kind" }
            .map { "COALESCE(CAST(\($0) AS TEXT), '-')" }).joined(separator: " || '|' || ")
    }

    /// Every non-zero total by key, and the same counted afresh from the records.
    static func compare(on db: any Database) async throws -> (totals: [String: Int], fresh: [String: Int]) {
        guard let sql = db as? any SQLDatabase else { return ([:], [:]) }
        struct Row: Decodable { var k: String; var n: Int }
        func read(_ query: String) async throws -> [String: Int] {
            var result: [String: Int] = [:]
            for row in try await sql.raw(SQLQueryString(query)).all(decoding: Row.self) { result[row.k] = row.n }
            return result
        }
        let totalsKey = key(month: "month"), recordsKey = key(month: "substr(occurred_on, 1, 7)")
        return (try await read("SELECT \(totalsKey) AS k, CAST(SUM(n) AS BIGINT) AS n FROM record_totals GROUP BY \(totalsKey) HAVING SUM(n) <> 0"),
                try await read("SELECT \(recordsKey) AS k, COUNT(*) AS n FROM records GROUP BY \(recordsKey)"))
    }

    /// How many keys differ between the totals and a fresh count.
    static func differences(on db: any Database) async throws -> (differing: Int, records: Int) {
        let (totals, fresh) = try await compare(on: db)
        let differing = Set(totals.keys).union(fresh.keys).filter { totals[$0] != fresh[$0] }.count
        return (differing, fresh.values.reduce(0, +))
    }

    /// Empties the totals and counts every record again, in one transaction.
    static func rebuild(on db: any Database) async throws {
        try await db.audited { tx in
            try await DerivedSQL.run(["DELETE FROM record_totals", RecordSQL.fillTotals], on: tx)
        }
    }
}
