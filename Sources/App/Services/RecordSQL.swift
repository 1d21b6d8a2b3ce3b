import Fluent
import FluentSQLiteDriver
import Foundation
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

extension SQLRow {
    /// A UUID column. SQLite keeps UUIDs as text, which Foundation parses with `sscanf`: a tenth of the time of a
    /// nation's unit graph went there. This reads the 36 characters itself; anything else goes to the driver.
    func id(_ column: String) throws -> UUID {
        if self is SQLiteRow, let text = try? decode(column: column, as: String.self), let id = UUIDText.parse(text) { return id }
        return try decode(column: column, as: UUID.self)
    }
}

enum UUIDText {
    /// `8-4-4-4-12` hexadecimal digits, either case; nil for anything else.
    static func parse(_ text: String) -> UUID? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        var high: UInt8?
        var index = 0
        for c in text.utf8 {
            defer { index += 1 }
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard c == UInt8(ascii: "-") else { return nil }
                continue
            }
            let v: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): v = c - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let h = high { bytes.append(h << 4 | v); high = nil } else { high = v }
        }
        guard index == 36, bytes.count == 16 else { return nil }
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
