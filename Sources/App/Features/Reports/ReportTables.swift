import Foundation
import ThiDuaCore

/// A report's tables, made once and written every way: sheets of a workbook, CSV, JSON, the page and the PDF.
struct ReportTable: Sendable {
    struct Column: Sendable {
        var title: String
        /// In characters, for the workbook; as a share of the line, for the page and the PDF.
        var width: Double
        var numeric = false
    }
    /// The table's name in files and on the command line (`ranking`, `targets`, `units`, `exemplars`).
    var key: String
    var title: String
    var columns: [Column]
    var rows: [[XLSX.Cell]]

    var sheet: XLSX.Sheet {
        XLSX.Sheet(name: title, widths: columns.map(\.width), rows: [columns.map { .text($0.title) }] + rows)
    }

    /// The rows as text, as the page and the PDF show them.
    func text(_ t: Translator) -> [[String]] {
        rows.map { $0.map { cell in
            switch cell {
            case .text(let s): s
            case .number(let n): t.number(n, decimals: 2)
            case .date(let d): d.display
            case .empty: ""
            }
        } }
    }

    /// CSV in UTF-8: numbers with a point, days as yyyy-mm-dd, so that any program reads them back as they were.
    var csv: String {
        TableFile.csvLines([columns.map(\.title)] + rows.map { $0.map { cell in
            switch cell {
            case .text(let s): FormulaText.guarded(s)
            case .number(let n): n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
            case .date(let d): d.iso
            case .empty: ""
            }
        } })
    }

    /// As JSON: each row an object keyed by the columns' titles, numbers as numbers, days as yyyy-mm-dd.
    var json: [String: AnyJSON] {
        ["table": .string(key), "title": .string(title), "columns": .array(columns.map { .string($0.title) }),
         "rows": .array(rows.map { .array($0.map { cell in
             switch cell {
             case .text(let s): .string(s)
             case .number(let n): .number(n)
             case .date(let d): .string(d.iso)
             case .empty: .null
             }
         }) })]
    }

    static let keys = ["ranking", "targets", "units", "exemplars"]

    /// The report's tables, headed in the report's language (Vietnamese: it is an administrative document).
    static func tables(_ data: ReportData, text t: Translator) -> [ReportTable] {
        func round(_ x: Double?) -> XLSX.Cell { x.map { .number(Evaluator.rounded($0)) } ?? .empty }
        var ranking = ReportTable(key: "ranking", title: t("report.table.ranking"), columns: [
            Column(title: t("report.col.phase"), width: 10), Column(title: t("dashboard.rank"), width: 7, numeric: true),
            Column(title: t("report.col.code"), width: 9), Column(title: t("dashboard.unit"), width: 28),
            Column(title: t("dashboard.total"), width: 11, numeric: true), Column(title: t("dashboard.targetPoints"), width: 12, numeric: true),
            Column(title: t("report.col.criteria"), width: 12, numeric: true), Column(title: t("report.col.adjustments"), width: 12, numeric: true),
            Column(title: t("dashboard.band"), width: 22), Column(title: t("commune.met"), width: 10, numeric: true),
        ], rows: [])
        var byTarget = ReportTable(key: "targets", title: t("report.table.targets"), columns: [
            Column(title: t("report.col.phase"), width: 10), Column(title: t("report.col.content"), width: 30),
            Column(title: t("report.col.target"), width: 40), Column(title: t("report.col.goal"), width: 16),
            Column(title: t("report.col.counted"), width: 12, numeric: true), Column(title: t("report.col.met"), width: 12, numeric: true),
            Column(title: t("report.col.numerator"), width: 11, numeric: true), Column(title: t("report.col.denominator"), width: 11, numeric: true),
            Column(title: t("report.col.value"), width: 11, numeric: true),
        ], rows: [])
        var units = ReportTable(key: "units", title: t("report.table.units"), columns: [
            Column(title: t("report.col.phase"), width: 10), Column(title: t("report.col.code"), width: 9),
            Column(title: t("dashboard.unit"), width: 26), Column(title: t("report.col.target"), width: 40),
            Column(title: t("report.col.value"), width: 11, numeric: true), Column(title: t("report.col.points"), width: 9, numeric: true),
            Column(title: t("report.col.maxPoints"), width: 9, numeric: true), Column(title: t("report.col.isMet"), width: 8),
        ], rows: [])
        for section in data.phases {
            let phase = section.phase.name
            let targets = section.plan.contents.flatMap { c in c.targets.map { (c, $0) } }
            for r in section.units {
                ranking.rows.append([.text(phase), r.rank.map { .number(Double($0)) } ?? .empty, r.unit.code.map { .text($0) } ?? .empty,
                                     .text(r.unit.fullName), .number(r.total), .number(r.targetPoints), .number(r.criteriaPoints),
                                     .number(r.adjustmentPoints), r.classification.map { .text($0.name) } ?? .empty, .number(Double(r.targetsMet))])
                for (target, result) in zip(targets, r.targets) {
                    units.rows.append([.text(phase), r.unit.code.map { .text($0) } ?? .empty, .text(r.unit.fullName), .text(target.1.name),
                                       round(result.value), .number(result.points), .number(result.maxPoints),
                                       .text(result.noData ? t("report.noData") : t(result.met ? "report.yes" : "report.no"))])
                }
            }
            for ((content, target), result) in zip(targets, section.rollup.targets) {
                byTarget.rows.append([.text(phase), .text("\(content.number). \(content.name)"), .text(target.name),
                                      .text(t.goal(target.goal, for: target.indicator)),
                                      result.communes.map { .number(Double($0.counted)) } ?? .empty,
                                      result.communes.map { .number(Double($0.met)) } ?? .empty,
                                      round(result.numerator), round(result.denominator), round(result.value)])
            }
        }
        let exemplars = ReportTable(key: "exemplars", title: t("report.table.exemplars"), columns: [
            Column(title: t("report.col.day"), width: 12), Column(title: t("dashboard.unit"), width: 26),
            Column(title: t("report.col.exemplarKind"), width: 12), Column(title: t("report.col.name"), width: 36),
            Column(title: t("report.col.recognisedBy"), width: 30),
        ], rows: data.exemplars.map {
            [.date($0.day), .text($0.commune), .text(t($0.collective ? "report.collective" : "report.individual")), .text($0.name), .text($0.recognisedBy)]
        })
        return [ranking, byTarget, units, exemplars]
    }
}

/// A JSON value, for answers whose shape is data (a report's tables).
enum AnyJSON: Encodable, Sendable, Equatable {
    case string(String), number(Double), bool(Bool), array([AnyJSON]), object([String: AnyJSON]), null

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .number(let n): try c.encode(n)
        case .bool(let b): try c.encode(b)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        case .null: try c.encodeNil()
        }
    }
}
