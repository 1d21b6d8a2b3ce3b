import Fluent
import SQLKit
import ThiDuaCore

/// The two databases ThiĐua runs on, for the few statements that differ between them.
enum SQLDialect: Sendable {
    case sqlite
    case postgres

    init(_ database: any Database) {
        self = (database as? any SQLDatabase)?.dialect.name == "postgresql" ? .postgres : .sqlite
    }

    init(_ sql: any SQLDatabase) {
        self = sql.dialect.name == "postgresql" ? .postgres : .sqlite
    }

    /// A pattern match that ignores case: PostgreSQL's `LIKE` heeds it; SQLite's ignores it for ASCII letters.
    var likeIgnoringCase: String { self == .postgres ? "ILIKE" : "LIKE" }
}

/// Today's shape of the record tables as queries read them. The migrations state theirs literally, as history;
/// tests hold the two in step.
enum RecordSQL {
    /// The columns that identify a record total, as in `records`; a tip's `status` is not kept.
    static let totalsKeyColumns = ["commune_id", "kind", "category", "origin", "subkind", "flag", "flag_on"]

    /// Whether the totals can answer a filter: when every column it reads is kept (not `status`).
    static func totalsKeep(_ filter: [RecordFilter]) -> Bool {
        filter.allSatisfy { totalsKeyColumns.contains(ResultsService.column(of: $0.field)) }
    }

    private static let totalsColumns = (["month"] + totalsKeyColumns).joined(separator: ", ")
    private static func totalsValues(_ row: String) -> String {
        (["substr(\(row).occurred_on, 1, 7)"] + totalsKeyColumns.map { "\(row).\($0)" }).joined(separator: ", ")
    }

    /// Counts every stored record into the (empty) totals.
    static var fillTotals: String {
        "INSERT INTO record_totals (\(totalsColumns), n) SELECT \(totalsValues("r")), COUNT(*) FROM records r GROUP BY \(totalsValues("r"))"
    }

    /// The condition of the `records_in_force` index, word for word, so that both planners use it.
    static let inForceCondition = "kind IN ('model', 'reform_case')"
    static var inForceKinds: SQLQueryString { SQLQueryString(inForceCondition) }
}
