import Foundation
import ThiDuaCore

/// A review report laid out as a Vietnamese administrative report (Decree 30/2020): the organisation and the
/// national motto, number and date, the title, the numbered sections, where it goes and the signature block. Built
/// once from the data; the page and the PDF draw the same thing.
struct ReportDocument: Encodable, Sendable {
    struct Table: Encodable, Sendable {
        var caption: String
        var columns: [String]
        var widths: [Double]
        var numeric: [Bool]
        var rows: [[String]]
    }
    struct Section: Encodable, Sendable {
        var heading: String
        /// Paragraphs before the tables; `empty` when the secretariat has not written the section yet.
        var paragraphs: [String]
        var empty: Bool
        var tables: [Table]
    }

    var organisation: String
    var motto: String
    var mottoLine: String
    var number: String
    var placeAndDate: String
    var kind: String
    var title: String
    var basis: String?
    var sections: [Section]
    var recipientsLabel: String
    var recipients: [String]
    var signerTitle: [String]
    var signerName: String

    static func paragraphs(_ text: String) -> [String] {
        text.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// `t`: the report's language (Vietnamese).
    static func build(_ data: ReportData, text t: Translator) -> ReportDocument {
        let plan = data.plan
        let whole = data.scope == ReportService.wholeMovement
        let phaseName = data.phases.first?.phase.name ?? ""
        var sections: [Section] = []
        func prose(_ heading: String, _ text: String, tables: [Table] = [], before: [String] = []) -> Section {
            let written = paragraphs(text)
            return Section(heading: heading, paragraphs: before + written, empty: written.isEmpty && before.isEmpty && tables.isEmpty, tables: tables)
        }
        sections.append(prose(t("report.s.situation"), data.prose.situation))
        // II. Results by content, phase by phase, with their figures.
        var results: [String] = []
        var resultTables: [Table] = []
        var rankingTables: [Table] = []
        for section in data.phases {
            let units = section.units
            let average = units.isEmpty ? 0 : units.reduce(0) { $0 + $1.total } / Double(units.count)
            let bands = section.plan.classification.map { band in (band.name, units.filter { $0.classification?.id == band.id }.count) }
                .filter { $0.1 > 0 }.map { "\($0.1) \($0.0.lowercased())" }.joined(separator: ", ")
            let when = section.closed.map { t("report.closedAt", ["date": VietnamTime.display($0.at)]) }
                ?? t("report.asOf", ["date": section.asOf.display])
            results.append(t("report.phaseSummary", [
                "phase": section.phase.name, "start": section.phase.start.display, "end": section.phase.end.display, "when": when,
                "units": String(units.count), "average": t.number(Evaluator.rounded(average), decimals: 2),
                "bands": bands.isEmpty ? t("report.noBands") : bands]))
            for content in section.plan.contents {
                let rows = zip(section.plan.targets, section.rollup.targets).filter { target, _ in content.targets.contains { $0.id == target.id } }
                    .map { target, r -> [String] in
                        [target.name, t.goal(target.goal, for: target.indicator),
                         r.communes.map { "\($0.met)/\($0.counted)" } ?? "—",
                         r.value.map { t.value($0, for: target.indicator) } ?? t("report.noData")]
                    }
                resultTables.append(Table(caption: "\(section.phase.name) · \(content.number). \(content.name)",
                                          columns: [t("report.col.target"), t("report.col.goal"), t("report.col.metOfCounted"), t("report.col.overall")],
                                          widths: [0.46, 0.18, 0.14, 0.22], numeric: [false, false, true, true], rows: rows))
            }
            rankingTables.append(Table(caption: t("report.rankingOf", ["phase": section.phase.name]),
                                       columns: [t("dashboard.rank"), t("dashboard.unit"), t("dashboard.total"), t("dashboard.band")],
                                       widths: [0.1, 0.46, 0.16, 0.28], numeric: [true, false, true, false],
                                       rows: units.map { [$0.rank.map(String.init) ?? "—", $0.unit.fullName, t.number($0.total, decimals: 2),
                                                          $0.classification?.name ?? "—"] }))
        }
        sections.append(Section(heading: t("report.s.results"), paragraphs: results, empty: false, tables: resultTables))
        sections.append(Section(heading: t("report.s.ranking"), paragraphs: [], empty: false, tables: rankingTables))
        // IV. The collectives in the top band of the last phase, the exemplars recorded, and what the secretariat adds.
        var exemplary: [String] = []
        if let last = data.phases.last, let top = plan.classification.max(by: { $0.minPoints < $1.minPoints }) {
            let best = last.units.filter { $0.classification?.id == top.id }.map(\.unit.fullName)
            exemplary.append(best.isEmpty ? t("report.noTopBand", ["band": top.name, "phase": last.phase.name])
                                          : t("report.topBand", ["band": top.name, "phase": last.phase.name, "units": best.joined(separator: ", ")]))
        }
        let exemplarTable = Table(caption: t("report.table.exemplars"),
                                  columns: [t("report.col.day"), t("dashboard.unit"), t("report.col.name"), t("report.col.recognisedBy")],
                                  widths: [0.14, 0.26, 0.32, 0.28], numeric: [false, false, false, false],
                                  rows: data.exemplars.map { [$0.day.display, $0.commune, $0.name, $0.recognisedBy] })
        sections.append(prose(t("report.s.exemplary"), data.prose.exemplary, tables: data.exemplars.isEmpty ? [] : [exemplarTable],
                              before: exemplary))
        sections.append(prose(t("report.s.shortcomings"), data.prose.shortcomings))
        sections.append(prose(t("report.s.proposals"), data.prose.proposals))
        for i in sections.indices { sections[i].heading = "\(Self.roman[min(i, Self.roman.count - 1)]). " + sections[i].heading }
        let recipients = paragraphs(data.prose.recipients)
        return ReportDocument(
            organisation: plan.organiser.name.uppercased(), motto: t("report.nation"), mottoLine: t("report.motto"),
            number: t("report.number", ["number": data.prose.number.isEmpty ? "……" : data.prose.number]),
            placeAndDate: data.prose.placeAndDate, kind: t("report.kind"),
            title: whole ? t("report.titleWhole", ["theme": plan.theme]) : t("report.titlePhase", ["phase": phaseName, "theme": plan.theme]),
            basis: plan.isIllustrative ? t("movement.illustrative") : nil,
            sections: sections, recipientsLabel: t("report.recipients"),
            recipients: recipients.isEmpty ? ["- " + t("report.archive")] : recipients,
            signerTitle: paragraphs(data.prose.signerTitle.isEmpty ? t("report.defaultSigner") : data.prose.signerTitle).map { $0.uppercased() },
            signerName: data.prose.signerName)
    }

    static let roman = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"]

    /// The document as a PDF on A4.
    func pdf(fonts: [TrueTypeFont]) throws -> Data {
        let doc = PDFDocument(fonts: fonts)
        // DejaVu Serif is wider than the Times of printed documents: the heading is a point smaller.
        doc.columns([[.init(text: organisation, style: .bold, size: 10.5, align: .center)],
                     [.init(text: motto, style: .bold, size: 10.5, align: .center), .init(text: mottoLine, style: .bold, size: 12, align: .center)]],
                    widths: [0.42, 0.58])
        doc.rule(from: 0.12, to: 0.30)
        doc.rule(from: 0.57, to: 0.85)
        doc.space(10)
        doc.columns([[.init(text: number, size: 13, align: .center)], [.init(text: placeAndDate, size: 13, align: .center)]], widths: [0.42, 0.58])
        doc.space(18)
        doc.paragraph(.init(text: kind, style: .bold, size: 14, align: .center), after: 0)
        doc.paragraph(.init(text: title, style: .bold, size: 14, align: .center), after: 14)
        if let basis { doc.paragraph(.init(text: basis, size: 11, align: .center), after: 10) }
        for section in sections {
            doc.paragraph(.init(text: section.heading, style: .bold, size: 13), after: 4)
            for p in section.paragraphs { doc.paragraph(.init(text: p, size: 13), indent: 0, after: 4) }
            for table in section.tables {
                doc.paragraph(.init(text: table.caption, style: .bold, size: 11), after: 2)
                doc.table(header: table.columns, rows: table.rows, widths: table.widths,
                          numeric: Set(table.numeric.enumerated().filter(\.element).map(\.offset)))
            }
            doc.space(6)
        }
        doc.space(10)
        doc.columns([[.init(text: recipientsLabel, style: .bold, size: 12)] + recipients.map { .init(text: $0, size: 11) },
                     signerTitle.map { .init(text: $0, style: .bold, size: 13, align: .center) }
                        + [.init(text: "\n\n\n\n", size: 13), .init(text: signerName, style: .bold, size: 13, align: .center)]],
                    widths: [0.45, 0.55])
        return try doc.data()
    }
}
