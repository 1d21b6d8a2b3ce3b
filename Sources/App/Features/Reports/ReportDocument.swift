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

    /// The body the organiser answers to, above it (upright); nil when the plan names none.
    var parentOrganisation: String?
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
            parentOrganisation: plan.organiser.parent?.uppercased(), organisation: plan.organiser.name.uppercased(), motto: t("report.nation"), mottoLine: t("report.motto"),
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

    /// The document as a PDF on A4, presented as Decree 30/2020 (Appendix I) asks: margins of 20, 30, 20 and 15 mm;
    /// the parent body upright and the issuing one bold, a rule of a third of its line under it; the national name
    /// and the motto bold, a rule as long as the motto under it; the number upright and the place and date in
    /// italic on one row; the kind and the title bold and centred, a short rule under them; the body justified with
    /// a first-line indent of 1.27 cm and 6 points between paragraphs; page numbers centred in the top margin from
    /// page 2; "Nơi nhận:" bold italic at 12 points and its list at 11.
    func pdf(fonts: [TrueTypeFont]) throws -> Data {
        typealias Run = PDFDocument.Run
        let doc = PDFDocument(fonts: fonts, margin: (56.7, 85.0, 56.7, 42.5))
        // "Báo cáo sơ kết …": the kind as a word of the sentence, the title after it.
        doc.title = kind.prefix(1) + kind.dropFirst().lowercased() + " " + title.prefix(1).lowercased() + title.dropFirst()
        doc.numberPages = true
        let left = 0.44 * doc.width, right = doc.width - left
        let top = doc.y
        let issuer = Run(text: organisation, style: .bold, size: 12.5, align: .center)
        let heading = doc.stack((parentOrganisation.map { [Run(text: $0, size: 12.5, align: .center)] } ?? []) + [issuer],
                                x: doc.margin.left, width: left, top: top)
        doc.rule(center: doc.margin.left + left / 2, length: max(36, doc.textWidth(issuer, width: left) / 3), at: heading.lastBaseline - 5)
        let mottoRun = Run(text: mottoLine, style: .bold, size: 13.5, align: .center)
        let nation = doc.stack([Run(text: motto, style: .bold, size: 12.5, align: .center), mottoRun], x: doc.margin.left + left, width: right, top: top)
        doc.rule(center: doc.margin.left + left + right / 2, length: doc.textWidth(mottoRun, width: right), at: nation.lastBaseline - 5)
        doc.y = top - max(heading.height, nation.height) - 14
        doc.columns([[Run(text: number, size: 13, align: .center)], [Run(text: placeAndDate, style: .italic, size: 13.5, align: .center)]],
                    widths: [left / doc.width, right / doc.width])
        doc.space(20)
        let titleRun = Run(text: title, style: .bold, size: 14, align: .center)
        let named = doc.stack([Run(text: kind, style: .bold, size: 14, align: .center), titleRun], x: doc.margin.left, width: doc.width, top: doc.y)
        doc.rule(center: doc.margin.left + doc.width / 2, length: doc.textWidth(titleRun, width: doc.width) / 3, at: named.lastBaseline - 6)
        doc.y -= named.height + 16
        if let basis { doc.paragraph(Run(text: basis, style: .italic, size: 12, align: .center), after: 10) }
        // 1.27 cm, the indent of a paragraph's first line.
        let indent = 36.0
        for section in sections {
            doc.need(13 * 1.2 * 3)
            doc.paragraph(Run(text: section.heading, style: .bold, size: 13), after: 6)
            for p in section.paragraphs { doc.paragraph(Run(text: p, size: 13, align: .justify), indent: indent, after: 6) }
            for table in section.tables {
                doc.table(caption: Run(text: table.caption, style: .bold, size: 11), header: table.columns, rows: table.rows, widths: table.widths,
                          numeric: Set(table.numeric.enumerated().filter(\.element).map(\.offset)))
            }
            doc.space(4)
        }
        doc.space(10)
        doc.columns([[Run(text: recipientsLabel, style: .boldItalic, size: 12)] + recipients.map { Run(text: $0, size: 11) },
                     signerTitle.map { Run(text: $0, style: .bold, size: 13, align: .center) }
                        + [Run(text: "\n\n\n\n", size: 13), doc.oneLine(Run(text: signerName, style: .bold, size: 13, align: .center), width: 0.55 * doc.width)]],
                    widths: [0.45, 0.55])
        return try doc.data()
    }
}
