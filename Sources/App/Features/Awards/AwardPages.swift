import Foundation
import ThiDuaCore

/// A label and its value, as the award pages list them.
struct LabelledValue: Encodable, Sendable {
    var label: String
    var value: String
}

/// A nomination's measured record as rows to show: counts by kind, the exemplars, the commune's standing per phase.
struct EvidenceView: Encodable, Sendable {
    var intro: String
    var counts: [LabelledValue]
    var exemplars: [String]
    var standings: [[String]]
    var standingColumns: [String]

    static func build(_ e: NominationEvidence, text t: Translator) -> EvidenceView {
        EvidenceView(
            intro: t("award.evidenceIntro", ["area": e.area, "from": e.from.display, "to": e.to.display]),
            counts: e.counts.map { c in
                let parts = c.key.split(separator: ".").map(String.init)
                let label = parts.count == 2 ? t("award.count.origin", ["kind": t("recordKind.\(parts[0])"), "origin": t("value.origin.\(parts[1])")])
                                             : t("recordKind.\(c.key)")
                return LabelledValue(label: label, value: t.count(c.n))
            },
            exemplars: e.exemplars,
            standings: e.standings.map { s in
                [s.phase + (s.closed ? " (" + t("award.closed") + ")" : ""), s.unit, s.total.map { t.number($0, decimals: 2) } ?? "—",
                 s.band ?? "—", s.rank.map { t("commune.rankOf", ["rank": String($0), "count": t.count(s.of)]) } ?? "—"]
            },
            standingColumns: [t("report.col.phase"), t("dashboard.unit"), t("dashboard.total"), t("dashboard.band"), t("dashboard.rank")])
    }
}

/// A movement's nominations, with their state, and the ways in.
struct NominationsPage: Encodable {
    struct Row: Encodable, Sendable {
        var nominee: String
        var href: String
        var kind: String
        var commune: String
        var form: String
        var status: String
        var statusKey: String
    }
    var page: PageChrome
    var heading: String
    var statuses: [PageLink]
    var rows: [Row]
    var newHref: String?
    var decisionsHref: String
    var formsHref: String?

    static func build(plan: Plan, nominations: [Nomination], forms: [UUID: AwardForm], graph: UnitGraph, status: String?,
                      newHref: String?, isAdmin: Bool, page: PageChrome, text t: Translator) -> NominationsPage {
        NominationsPage(
            page: page, heading: t("award.listHeading", ["theme": plan.theme]),
            statuses: [PageLink(label: t("award.status.all"), href: SiteURL.nominations(plan.id, status: nil).path, current: status == nil)]
                + NominationStatus.allCases.map {
                    PageLink(label: t("award.status.\($0.rawValue)"), href: SiteURL.nominations(plan.id, status: $0.rawValue).path, current: status == $0.rawValue)
                },
            rows: nominations.map { n in
                Row(nominee: n.nomineeName, href: SiteURL.nomination(n.id?.uuidString ?? "").path, kind: t("award.nominee.\(n.kind.rawValue)"),
                    commune: graph.units[n.communeID]?.fullName ?? "", form: forms[n.awardFormID]?.name ?? "",
                    status: t("award.status.\(n.state.rawValue)"), statusKey: n.state.rawValue)
            },
            newHref: newHref, decisionsHref: SiteURL.decisions(plan.id, format: nil).path,
            formsHref: isAdmin ? SiteURL.awardForms.path : nil)
    }
}

/// A new nomination: first the form of award and the nominee; then, with the nominee's measured record shown, the
/// achievement summary and the documents.
struct NominationNewPage: Encodable {
    var page: PageChrome
    var heading: String
    var chooseAction: String
    var unitKey: String
    var chooseFields: [FormField]
    var evidence: EvidenceView?
    var form: FormState
    var fields: [FormField]
    var action: String?
    var backHref: String

    static func build(plan: Plan, commune: UnitInfo, forms: [AwardForm], nominees: [AwardService.Nominee], chosenForm: String?,
                      chosenNominee: String?, evidence: NominationEvidence?, form sent: FormState?, page: PageChrome,
                      text t: Translator) -> NominationNewPage {
        let unitKey = commune.code ?? commune.id.uuidString
        let choice = FormState(values: ["form": chosenForm ?? "", "nominee": chosenNominee ?? ""])
        let formOptions = [FormField.Option(value: "", label: t("award.choose"), selected: false)]
            + forms.map { FormField.Option(value: $0.id?.uuidString ?? "", label: "\($0.name) — \(t("award.for.\($0.nominee)"))", selected: false) }
        let nomineeOptions = [FormField.Option(value: "", label: t("award.choose"), selected: false)]
            + nominees.map { FormField.Option(value: "\($0.kind.rawValue):\($0.id.uuidString)",
                                              label: t("award.nominee.\($0.kind.rawValue)") + ": " + $0.name, selected: false) }
        var form = sent ?? FormState()
        form.values["form"] = chosenForm ?? ""
        form.values["nominee"] = chosenNominee ?? ""
        var files = FormField.make("files", t("award.documents"), .file, form: form, hint: t("award.hint.documents"))
        files.multiple = true
        files.accept = AttachmentKind.allCases.map(\.mediaType).joined(separator: ",")
        return NominationNewPage(
            page: page, heading: t("award.newHeading", ["unit": commune.fullName]),
            chooseAction: SiteURL.newNomination(plan.id, unit: nil, form: nil, nominee: nil).path, unitKey: unitKey,
            chooseFields: [
                .make("form", t("award.form"), .select, form: choice, required: true, options: formOptions),
                .make("nominee", t("award.nomineeLabel"), .select, form: choice, required: true, options: nomineeOptions),
            ],
            evidence: evidence.map { EvidenceView.build($0, text: t) },
            form: form,
            fields: [
                FormField.make("form", "", .fixed, form: form, hint: forms.first { $0.id?.uuidString == chosenForm }?.name),
                FormField.make("nominee", "", .fixed, form: form,
                               hint: nominees.first { "\($0.kind.rawValue):\($0.id.uuidString)" == chosenNominee }?.name),
                .make("achievement", t("award.achievement"), .textarea, form: form, required: true, hint: t("award.hint.achievement")),
                files,
            ],
            action: evidence == nil ? nil : SiteURL.newNomination(plan.id, unit: unitKey, form: nil, nominee: nil).path,
            backHref: SiteURL.nominations(plan.id, status: nil).path)
    }
}

/// One nomination: what was proposed and measured, its documents, the council, the decision, the history, and the
/// steps the account may take now.
struct NominationPage: Encodable {
    struct FileLink: Encodable, Sendable {
        var label: String
        var href: String
    }
    var page: PageChrome
    var heading: String
    var status: String
    var facts: [LabelledValue]
    var evidence: EvidenceView?
    var achievement: [String]
    var documents: [FileLink]
    var minutes: [FileLink]
    var council: [LabelledValue]
    var decision: [LabelledValue]
    var history: [String]
    var forms: [ActionForm]
    var certificateHref: String?
    var backHref: String

    struct Input {
        var plan: Plan
        var nomination: Nomination
        var form: AwardForm?
        var commune: String
        var files: [NominationFile]
        var history: [AuditEntry]
        /// The steps the account may take (by name), and the form sent back with mistakes.
        var steps: Set<String>
        var sent: (action: String, form: FormState)?
    }

    static func build(_ i: Input, page: PageChrome, text t: Translator) -> NominationPage {
        let n = i.nomination
        let id = n.id?.uuidString ?? ""
        func form(_ step: String, _ fields: [FormField], submit: String, multipart: Bool = false, danger: Bool = false) -> ActionForm {
            let action = SiteURL.nominationStep(id, step).path
            let sent = i.sent?.action == action ? i.sent?.form : nil
            let made = fields.map { f -> FormField in
                var field = FormField.make(f.name, f.label, f.kind, form: sent ?? FormState(values: [f.name: f.value]), required: f.required,
                                           options: f.options, hint: f.hint, min: f.min, max: f.max)
                field.multiple = f.multiple
                field.accept = f.accept
                return field.scoped(step)
            }
            return ActionForm(action: action, fields: made, submit: submit, multipart: multipart, danger: danger, message: sent?.message)
        }
        func files(_ purpose: AttachmentPurpose) -> FormField {
            var f = FormField.make("files", t(purpose == .minutes ? "award.minutes" : "award.documents"), .file, form: FormState(),
                                   hint: t("award.hint.documents"))
            f.multiple = true
            f.accept = AttachmentKind.allCases.map(\.mediaType).joined(separator: ",")
            return f
        }
        var forms: [ActionForm] = []
        let steps = i.steps
        if steps.contains("edit") {
            var achievement = FormField.make("achievement", t("award.achievement"), .textarea, form: FormState(values: ["achievement": n.achievement]),
                                             required: true)
            achievement.value = n.achievement
            forms.append(form("edit", [achievement, files(.document)], submit: t("award.step.edit"), multipart: true))
        }
        if steps.contains("resubmit") { forms.append(form("resubmit", [], submit: t("award.step.resubmit"))) }
        if steps.contains("council") { forms.append(form("council", [], submit: t("award.step.council"))) }
        if steps.contains("vote") {
            forms.append(form("vote", [
                .make("votesFor", t("award.votesFor"), .number, form: FormState(), required: true, min: "0"),
                .make("votesAgainst", t("award.votesAgainst"), .number, form: FormState(), required: true, min: "0"),
                .make("votesAbstain", t("award.votesAbstain"), .number, form: FormState(), required: true, min: "0"),
                .make("note", t("award.councilNote"), .textarea, form: FormState()),
                files(.minutes),
            ], submit: t("award.step.vote"), multipart: true))
        }
        if steps.contains("decide") {
            forms.append(form("decide", [
                .make("number", t("award.decisionNumber"), .text, form: FormState(), required: true, hint: t("award.hint.decisionNumber")),
                .make("date", t("award.decisionDate"), .date, form: FormState(), required: true),
                .make("authority", t("award.decisionAuthority"), .text, form: FormState(), required: true, hint: t("award.hint.authority")),
                .make("signerTitle", t("award.decisionSignerTitle"), .textarea, form: FormState(), required: true, hint: t("award.hint.signerTitle")),
                .make("signer", t("award.decisionSigner"), .text, form: FormState(), required: true, hint: t("award.hint.signer")),
            ], submit: t("award.step.decide")))
        }
        if steps.contains("return") {
            forms.append(form("return", [.make("reason", t("award.returnReason"), .textarea, form: FormState(), required: true)],
                              submit: t("award.step.return")))
        }
        if steps.contains("reject") {
            forms.append(form("reject", [.make("reason", t("award.rejectReason"), .textarea, form: FormState(), required: true)],
                              submit: t("award.step.reject"), danger: true))
        }
        let links = i.files.enumerated().map { k, f in
            (f.purpose, FileLink(label: t.file(k + 1, kind: f.kind, size: f.size),
                                 href: SiteURL.nominationFile(id, file: f.id?.uuidString ?? "").path))
        }
        var council: [LabelledValue] = []
        if let (yes, no, abstain) = n.votes {
            council.append(LabelledValue(label: t("award.vote"), value: t("award.voteLine", ["for": String(yes), "against": String(no), "abstain": String(abstain)])))
        }
        if let note = n.councilNote { council.append(LabelledValue(label: t("award.councilNote"), value: note)) }
        var decision: [LabelledValue] = []
        if let number = n.decisionNumber {
            decision = [LabelledValue(label: t("award.decisionNumber"), value: number),
                        LabelledValue(label: t("award.decisionDate"), value: n.decisionDate.flatMap(LocalDate.init(iso:))?.display ?? ""),
                        LabelledValue(label: t("award.decisionSigner"), value: n.decisionSigner ?? "")]
        }
        var facts = [
            LabelledValue(label: t("award.form"), value: i.form?.name ?? ""),
            LabelledValue(label: t("award.authority"), value: i.form?.authority ?? ""),
            LabelledValue(label: t("award.nomineeLabel"), value: t("award.nominee.\(n.kind.rawValue)") + ": " + n.nomineeName),
            LabelledValue(label: t("dashboard.unit"), value: i.commune),
            LabelledValue(label: t("award.proposedBy"), value: n.proposedBy + (n.createdAt.map { ", " + VietnamTime.display($0) } ?? "")),
        ]
        if n.state == .returned, let r = n.returnReason { facts.append(LabelledValue(label: t("award.returnReason"), value: r)) }
        if n.state == .rejected, let r = n.rejectionReason { facts.append(LabelledValue(label: t("award.rejectReason"), value: r)) }
        return NominationPage(
            page: page, heading: t("award.heading", ["nominee": n.nomineeName, "form": i.form?.name ?? ""]), status: t("award.status.\(n.state.rawValue)"),
            facts: facts, evidence: n.measured.map { EvidenceView.build($0, text: t) },
            achievement: ReportDocument.paragraphs(n.achievement),
            documents: links.filter { $0.0 == "document" }.map(\.1), minutes: links.filter { $0.0 == "minutes" }.map(\.1),
            council: council, decision: decision,
            history: i.history.map { entry in
                let step = t("award.step." + entry.action.replacingOccurrences(of: "nomination.", with: ""))
                return VietnamTime.display(entry.at) + " · " + entry.actor + " · " + step
            },
            forms: forms, certificateHref: n.state == .decided ? SiteURL.certificate(id, format: nil).path : nil,
            backHref: SiteURL.nominations(i.plan.id, status: nil).path)
    }
}

enum AttachmentPurpose: String { case document, minutes }

/// The awards decided in a movement, grouped by form, to print or download as a PDF.
struct DecisionsPage: Encodable {
    struct Group: Encodable, Sendable {
        var form: String
        var authority: String
        var rows: [[String]]
    }
    var page: PageChrome
    var heading: String
    var columns: [String]
    var groups: [Group]
    var pdfHref: String
    var empty: Bool

    static func groups(_ nominations: [Nomination], forms: [AwardForm], graph: UnitGraph, text t: Translator) -> [Group] {
        forms.compactMap { form in
            let rows = nominations.filter { $0.awardFormID == form.id && $0.state == .decided }
                .sorted { ($0.decisionDate ?? "", $0.nomineeName) < ($1.decisionDate ?? "", $1.nomineeName) }
                .enumerated().map { k, n in
                    [String(k + 1), n.nomineeName, t("award.nominee.\(n.kind.rawValue)"), graph.units[n.communeID]?.fullName ?? "",
                     n.decisionNumber ?? "", n.decisionDate.flatMap(LocalDate.init(iso:))?.display ?? "", n.decisionSigner ?? ""]
                }
            return rows.isEmpty ? nil : Group(form: form.name, authority: form.authority, rows: rows)
        }
    }

    static func columns(_ t: Translator) -> [String] {
        [t("award.col.no"), t("award.nomineeLabel"), t("award.col.kind"), t("dashboard.unit"), t("award.decisionNumber"),
         t("award.decisionDate"), t("award.decisionSigner")]
    }

    static func build(plan: Plan, groups: [Group], page: PageChrome, text t: Translator) -> DecisionsPage {
        DecisionsPage(page: page, heading: t("award.decisionsHeading", ["theme": plan.theme]), columns: columns(t), groups: groups,
                      pdfHref: SiteURL.decisions(plan.id, format: "pdf").path, empty: groups.isEmpty)
    }
}

/// A certificate of an award decided: the awarding authority, the form, the awardee and unit, the achievement, the
/// decision; on A4 landscape.
struct CertificatePage: Encodable {
    var page: PageChrome
    var nation: String
    var motto: String
    var authority: String
    var form: String
    var awardee: String
    var unit: String
    var achievement: String
    var decision: String
    var placeAndDate: String
    /// The signer's title, a line a line, and name.
    var signerTitle: [String]
    var signer: String
    var pdfHref: String

    /// `place`: the place named before the date (the movement's area, "Uông Bí").
    static func build(plan: Plan, nomination n: Nomination, form: AwardForm?, commune: String, place: String, page: PageChrome,
                      text t: Translator) -> CertificatePage {
        let date = n.decisionDate.flatMap(LocalDate.init(iso:))
        var prose = ReportProse()
        prose.issuedOn = date
        prose.place = place
        // An award decided before the authority's own title was asked shows the form's.
        let authority = n.decisionAuthority ?? form?.authority ?? ""
        return CertificatePage(
            page: page, nation: t("report.nation"), motto: t("report.motto"), authority: authority.uppercased(),
            form: (form?.name ?? "").uppercased(), awardee: n.nomineeName,
            unit: n.kind == .commune ? "" : commune,
            achievement: t("award.certificateFor", ["theme": plan.theme]),
            decision: t("award.certificateDecision", ["number": n.decisionNumber ?? "", "date": date?.display ?? ""]),
            placeAndDate: prose.placeAndDate,
            signerTitle: ReportDocument.paragraphs(n.decisionSignerTitle ?? "").map { $0.uppercased() },
            signer: n.decisionSigner ?? "", pdfHref: SiteURL.certificate(n.id?.uuidString ?? "", format: "pdf").path)
    }

    /// The certificate as a PDF, A4 landscape: the national name and the motto with its rule centred under it, the
    /// authority's own title, the form, the awardee, the decision; the place and date in italic, then the signer's
    /// title and name on lines of their own.
    func pdf(fonts: [TrueTypeFont]) throws -> Data {
        typealias Run = PDFDocument.Run
        let doc = PDFDocument(fonts: fonts, size: .a4Landscape, margin: (50, 70, 50, 70))
        doc.title = form.prefix(1) + form.dropFirst().lowercased() + ": " + awardee
        let mottoRun = Run(text: motto, style: .bold, size: 14, align: .center)
        let head = doc.stack([Run(text: nation, style: .bold, size: 13, align: .center), mottoRun], x: doc.margin.left, width: doc.width, top: doc.y)
        doc.rule(center: doc.margin.left + doc.width / 2, length: doc.textWidth(mottoRun, width: doc.width), at: head.lastBaseline - 5)
        doc.y -= head.height + 16
        doc.paragraph(.init(text: authority, style: .bold, size: 14, align: .center), after: 8)
        doc.paragraph(.init(text: form, style: .bold, size: 34, align: .center), after: 10)
        doc.paragraph(.init(text: "Tặng", size: 14, align: .center), after: 4)
        doc.paragraph(.init(text: awardee, style: .bold, size: 24, align: .center), after: 4)
        if !unit.isEmpty { doc.paragraph(.init(text: unit, size: 15, align: .center), after: 8) }
        doc.paragraph(.init(text: achievement, size: 14, align: .center), after: 8)
        doc.paragraph(.init(text: decision, size: 12, align: .center), after: 14)
        doc.columns([[], [Run(text: placeAndDate, style: .italic, size: 13, align: .center)]
                            + signerTitle.map { Run(text: $0, style: .bold, size: 13, align: .center) }
                            + [Run(text: "\n\n\n", size: 13), doc.oneLine(Run(text: signer, style: .bold, size: 14, align: .center), width: 0.55 * doc.width)]],
                    widths: [0.45, 0.55])
        return try doc.data()
    }
}

/// The admin's list of award forms: each editable, and a new one.
struct AwardFormsPage: Encodable {
    var page: PageChrome
    var heading: String
    var intro: String
    var forms: [ActionForm]

    static func build(forms: [AwardForm], sent: (action: String, form: FormState)?, page: PageChrome, text t: Translator) -> AwardFormsPage {
        let nominees = AwardNominee.allCases.map { FormField.Option(value: $0.rawValue, label: t("award.for.\($0.rawValue)"), selected: false) }
        func form(_ action: String, _ values: [String: String], submit: String, prefix: String) -> ActionForm {
            let state = i(action, values)
            let fields: [FormField] = [
                .make("name", t("award.formName"), .text, form: state, required: true),
                .make("nominee", t("award.formNominee"), .select, form: state, required: true, options: nominees),
                .make("authority", t("award.authority"), .text, form: state, required: true),
                .make("position", t("award.formPosition"), .number, form: state, required: true, min: "1"),
                .make("active", t("award.formActive"), .checkbox, form: state),
            ]
            return ActionForm(action: action, fields: fields.map { $0.scoped(prefix) }, submit: submit,
                              message: sent?.action == action ? sent?.form.message : nil)
        }
        func i(_ action: String, _ values: [String: String]) -> FormState { sent?.action == action ? (sent?.form ?? FormState()) : FormState(values: values) }
        var out = forms.map { f in
            form(SiteURL.awardForm(f.id?.uuidString ?? "").path,
                 ["name": f.name, "nominee": f.nominee.rawValue, "authority": f.authority, "position": String(f.position), "active": f.active ? "true" : ""],
                 submit: t("award.saveForm", ["name": f.name]), prefix: f.code)
        }
        out.append(form(SiteURL.awardForms.path, ["nominee": "both", "position": String(forms.count + 1), "active": "true"],
                        submit: t("award.addForm"), prefix: "new"))
        return AwardFormsPage(page: page, heading: t("award.formsHeading"), intro: t("award.formsIntro"), forms: out)
    }
}
