import Foundation
import ThiDuaCore

/// The review report as a page: the document to read and print on A4, its downloads, and for the committee the
/// form of its prose.
struct ReportPage: Encodable {
    var page: PageChrome
    var doc: ReportDocument
    var scopes: [PageLink]
    var downloads: [PageLink]
    var form: FormState
    var fields: [FormField]
    var action: String?

    static func build(_ data: ReportData, movementKey: String, form sent: FormState?, canEdit: Bool, page: PageChrome,
                      document t: Translator, text ui: Translator) -> ReportPage {
        let scope: String? = data.scope == ReportService.wholeMovement ? nil : data.scope
        let p = data.prose
        let form = sent ?? FormState(values: [
            "number": p.number, "issuedOn": p.issuedOn?.iso ?? "", "place": p.place, "situation": p.situation,
            "exemplary": p.exemplary, "shortcomings": p.shortcomings, "proposals": p.proposals, "recipients": p.recipients,
            "signerTitle": p.signerTitle, "signerName": p.signerName])
        let fields: [FormField] = [
            .make("number", ui("report.f.number"), .text, form: form, hint: ui("report.hint.number")),
            .make("issuedOn", ui("report.f.issuedOn"), .date, form: form),
            .make("place", ui("report.f.place"), .text, form: form),
            .make("situation", ui("report.f.situation"), .textarea, form: form, hint: ui("report.hint.paragraphs")),
            .make("exemplary", ui("report.f.exemplary"), .textarea, form: form, hint: ui("report.hint.exemplary")),
            .make("shortcomings", ui("report.f.shortcomings"), .textarea, form: form),
            .make("proposals", ui("report.f.proposals"), .textarea, form: form),
            .make("recipients", ui("report.f.recipients"), .textarea, form: form, hint: ui("report.hint.recipients")),
            .make("signerTitle", ui("report.f.signerTitle"), .textarea, form: form, hint: ui("report.hint.signerTitle")),
            .make("signerName", ui("report.f.signerName"), .text, form: form),
        ]
        return ReportPage(
            page: page, doc: ReportDocument.build(data, text: t),
            scopes: data.plan.phases.map { PageLink(label: $0.name, href: SiteURL.report(movementKey, phase: $0.id, format: nil).path, current: $0.id == data.scope) }
                + [PageLink(label: ui("report.whole"), href: SiteURL.report(movementKey, phase: nil, format: nil).path, current: scope == nil)],
            downloads: [PageLink(label: "PDF", href: SiteURL.report(movementKey, phase: scope, format: "pdf").path, current: false),
                        PageLink(label: "XLSX", href: SiteURL.report(movementKey, phase: scope, format: "xlsx").path, current: false),
                        PageLink(label: "JSON", href: SiteURL.report(movementKey, phase: scope, format: "json").path, current: false)]
                + ReportTable.keys.map { PageLink(label: "CSV: " + ui("report.table.\($0)"),
                                                  href: SiteURL.report(movementKey, phase: scope, format: "csv", table: $0).path, current: false) },
            form: form, fields: fields, action: canEdit ? SiteURL.report(movementKey, phase: scope, format: nil).path : nil)
    }
}
