import Foundation
import ThiDuaCore

/// A form among several on a page: where it goes, its fields, its button; files make it multipart.
struct ActionForm: Encodable, Sendable {
    var action: String
    var fields: [FormField]
    var submit: String
    var multipart = false
    var danger = false
    /// The form's own message above it ("2 fields need attention"), when it was the one sent.
    var message: String? = nil
}

/// A commune's committee criteria in a phase: its own scores with justification and evidence, the secretariat's
/// reviewed scores and comments, bonus and penalty points; forms for those who may write, while the phase is open.
struct AssessmentPage: Encodable {
    struct FileLink: Encodable, Sendable {
        var label: String
        var href: String
        var removeAction: String?
    }
    struct Block: Encodable, Sendable {
        var id: String
        var name: String
        /// How many points it carries ("up to 8 points").
        var limit: String
        var facts: [Fact]
        var files: [FileLink]
        var forms: [ActionForm]
    }
    struct Fact: Encodable, Sendable {
        var label: String
        var value: String
    }

    var page: PageChrome
    var heading: String
    var phaseName: String
    var closedNote: String?
    var backHref: String
    var criteria: [Block]
    var adjustments: [Block]
    var total: String

    struct Input {
        var plan: Plan
        var phase: Phase
        var unit: UnitInfo
        var sheet: ReviewService.Sheet
        var closed: PhaseClosing.Closed?
        var canWrite: Bool
        var canReview: Bool
        /// The form sent, when it comes back with mistakes: its action and what was typed.
        var sent: (action: String, form: FormState)?
    }

    static func build(_ i: Input, page: PageChrome, text t: Translator) -> AssessmentPage {
        let unitKey = i.unit.code ?? i.unit.id.uuidString
        func url(_ kind: SiteURL.AssessmentAction) -> String {
            SiteURL.assessmentAction(unit: unitKey, movement: i.plan.id, phase: i.phase.id, kind).path
        }
        // Several forms share field names: each field's id carries its form's (the last two parts of its path).
        func form(_ action: String, _ fields: (FormState) -> [FormField], submit: String, multipart: Bool = false) -> ActionForm {
            let sent = i.sent?.action == action ? i.sent?.form : nil
            let prefix = action.split(separator: "/").suffix(2).joined(separator: "-")
            return ActionForm(action: action, fields: fields(sent ?? FormState()).map { $0.scoped(prefix) }, submit: submit,
                              multipart: multipart, message: sent?.message)
        }
        let open = i.closed == nil
        var counted = 0.0
        let criteria = i.plan.criteria.map { c -> Block in
            let s = i.sheet.scores[c.id]
            var facts: [Fact] = [
                Fact(label: t("assessment.self"), value: s?.selfScore.map { t.number($0, decimals: 2) } ?? t("assessment.none")),
            ]
            if let note = s?.selfNote { facts.append(Fact(label: t("assessment.justification"), value: note)) }
            if let by = s?.selfBy { facts.append(Fact(label: t("assessment.by"), value: by)) }
            facts.append(Fact(label: t("assessment.reviewed"), value: s?.reviewedScore.map { t.number($0, decimals: 2) } ?? t("assessment.notReviewed")))
            if let note = s?.reviewNote { facts.append(Fact(label: t("assessment.comment"), value: note)) }
            if let by = s?.reviewedBy { facts.append(Fact(label: t("assessment.by"), value: by)) }
            let score = min(max(s?.reviewedScore ?? s?.selfScore ?? 0, 0), c.points)
            counted += score
            facts.append(Fact(label: t("assessment.counted"), value: t.number(score, decimals: 2)))
            let files = (i.sheet.files[c.id] ?? []).enumerated().map { n, f in
                FileLink(label: t.file(n + 1, kind: f.kind, size: f.size),
                         href: url(.evidence(f.id?.uuidString ?? "")),
                         removeAction: open && i.canWrite ? url(.removeEvidence(f.id?.uuidString ?? "")) : nil)
            }
            var forms: [ActionForm] = []
            if open && i.canWrite {
                let action = url(.selfScore(c.id))
                forms.append(form(action, { f in
                    var values = f
                    if i.sent?.action != action { values.values = ["score": s?.selfScore.map { t.number($0, decimals: 2) } ?? "", "note": s?.selfNote ?? ""] }
                    var file = FormField.make("files", t("assessment.evidence"), .file, form: values, hint: t("assessment.hint.evidence"))
                    file.multiple = true
                    file.accept = "image/jpeg,image/png,image/webp,video/mp4,application/pdf"
                    return [
                        .make("score", t("assessment.selfScore", ["max": t.number(c.points, decimals: 2)]), .decimal, form: values, required: true,
                              hint: t("assessment.hint.score")),
                        .make("note", t("assessment.justification"), .textarea, form: values, required: true),
                        file,
                    ]
                }, submit: t("assessment.saveSelf"), multipart: true))
            }
            if open && i.canReview {
                let action = url(.review(c.id))
                forms.append(form(action, { f in
                    var values = f
                    if i.sent?.action != action { values.values = ["score": s?.reviewedScore.map { t.number($0, decimals: 2) } ?? "", "note": s?.reviewNote ?? ""] }
                    return [
                        .make("score", t("assessment.reviewedScore", ["max": t.number(c.points, decimals: 2)]), .decimal, form: values, required: true),
                        .make("note", t("assessment.comment"), .textarea, form: values, hint: t("assessment.hint.comment")),
                    ]
                }, submit: t("assessment.saveReview")))
            }
            return Block(id: c.id, name: c.name, limit: t("assessment.max", ["points": t.number(c.points, decimals: 2)]), facts: facts, files: files, forms: forms)
        }
        var adjusted = 0.0
        let adjustments = i.plan.adjustments.map { a -> Block in
            let e = i.sheet.adjustments[a.id]
            var facts: [Fact] = [Fact(label: t("assessment.kind"), value: t("adjustment.\(a.kind.rawValue)"))]
            if let e {
                adjusted += (a.kind == .bonus ? 1 : -1) * min(max(e.points, 0), a.maxPoints)
                facts.append(Fact(label: t("assessment.points"), value: (a.kind == .bonus ? "+" : "−") + t.number(e.points, decimals: 2)))
                facts.append(Fact(label: t("assessment.reason"), value: e.reason))
                if let by = e.givenBy { facts.append(Fact(label: t("assessment.by"), value: by)) }
            } else {
                facts.append(Fact(label: t("assessment.points"), value: t("assessment.none")))
            }
            var forms: [ActionForm] = []
            if open && i.canReview {
                let action = url(.adjustment(a.id))
                forms.append(form(action, { f in
                    var values = f
                    if i.sent?.action != action { values.values = ["points": e.map { t.number($0.points, decimals: 2) } ?? "", "reason": e?.reason ?? ""] }
                    return [
                        .make("points", t("assessment.adjustPoints", ["max": t.number(a.maxPoints, decimals: 2)]), .decimal, form: values, required: true),
                        .make("reason", t("assessment.reason"), .textarea, form: values, required: true),
                    ]
                }, submit: t("assessment.saveAdjustment")))
            }
            return Block(id: a.id, name: a.name, limit: t("assessment.max", ["points": t.number(a.maxPoints, decimals: 2)]), facts: facts, files: [], forms: forms)
        }
        return AssessmentPage(
            page: page, heading: t("assessment.heading", ["unit": i.unit.fullName]), phaseName: i.phase.name,
            closedNote: i.closed.map { t("phase.closedNote", ["date": VietnamTime.display($0.at), "user": $0.by]) },
            backHref: SiteURL.communeResults(unitKey, movement: i.plan.id, phase: i.phase.id).path,
            criteria: criteria, adjustments: adjustments,
            total: t("assessment.total", ["criteria": t.number(Evaluator.rounded(counted), decimals: 2),
                                          "adjustments": t.number(Evaluator.rounded(adjusted), decimals: 2)]))
    }
}

/// A commune's pledge: the plan's targets to tick, its own targets, the officer signing.
struct PledgePage: Encodable {
    var page: PageChrome
    var heading: String
    var intro: String
    var signed: String?
    var form: FormState
    var fields: [FormField]
    var action: String?
    var backHref: String
    var ownTargets: [String]

    static func build(plan: Plan, unit: UnitInfo, pledge: Pledge?, form sent: FormState?, open: Bool, canWrite: Bool,
                      page: PageChrome, text t: Translator) -> PledgePage {
        let ticked = Set(pledge?.targetIDs ?? plan.targets.map(\.id))
        var form = sent ?? FormState(values: ["own": (pledge?.ownTargetList ?? []).joined(separator: "\n"), "signer": pledge?.signer ?? ""])
        if sent == nil { for target in plan.targets where ticked.contains(target.id) { form.values["target-" + target.id] = "true" } }
        var targets = FormField.make("targets", t("pledge.targets"), .checkboxes, form: form, required: true)
        targets.options = plan.contents.flatMap { content in
            content.targets.map { FormField.Option(value: "target-" + $0.id, label: $0.name, selected: form.value("target-" + $0.id) == "true") }
        }
        let unitKey = unit.code ?? unit.id.uuidString
        return PledgePage(
            page: page, heading: t("pledge.heading", ["unit": unit.fullName]), intro: t("pledge.intro", ["theme": plan.theme]),
            signed: pledge.map { t("pledge.signed", ["signer": $0.signer, "date": VietnamTime.display($0.signedAt), "user": $0.signedBy]) },
            form: form,
            fields: [targets,
                     .make("own", t("pledge.own"), .textarea, form: form, hint: t("pledge.hint.own")),
                     .make("signer", t("pledge.signer"), .text, form: form, required: true, hint: t("pledge.hint.signer"))],
            action: open && canWrite ? SiteURL.pledge(unit: unitKey, movement: plan.id).path : nil,
            backHref: SiteURL.communeResults(unitKey, movement: plan.id, phase: nil).path,
            ownTargets: pledge?.ownTargetList ?? [])
    }
}

/// Who has pledged in a movement, commune by commune.
struct PledgesPage: Encodable {
    struct Row: Encodable, Sendable {
        var unit: String
        var href: String
        var signed: String?
        var targets: String
    }
    var page: PageChrome
    var heading: String
    var summary: String
    var rows: [Row]

    static func build(plan: Plan, communes: [UnitInfo], pledges: [UUID: Pledge], page: PageChrome, text t: Translator) -> PledgesPage {
        let rows = communes.map { u in
            let p = pledges[u.id]
            return Row(unit: u.fullName, href: SiteURL.pledge(unit: u.code ?? u.id.uuidString, movement: plan.id).path,
                       signed: p.map { t("pledge.signedShort", ["signer": $0.signer, "date": VietnamTime.display($0.signedAt)]) },
                       targets: p.map { t("pledge.count", ["targets": String($0.targetIDs.count), "all": String(plan.targets.count),
                                                            "own": String($0.ownTargetList.count)]) } ?? "")
        }
        let pledged = rows.filter { $0.signed != nil }.count
        return PledgesPage(page: page, heading: t("pledges.heading", ["theme": plan.theme]),
                           summary: t("pledges.summary", ["pledged": String(pledged), "all": String(rows.count)]), rows: rows)
    }
}

/// What changed after a phase was closed: listed beside its frozen results, never counted in them.
struct LateChangesPage: Encodable {
    struct Row: Encodable, Sendable {
        var when: String
        var what: String
        var kind: String
        var unit: String
        var day: String
        var href: String?
    }
    var page: PageChrome
    var heading: String
    var closedNote: String
    var rows: [Row]
    var backHref: String
    var reopen: [ActionForm]

    static func build(plan: Plan, phase: Phase, closed: PhaseClosing.Closed, changes: [PhaseClosing.LateChange], graph: UnitGraph,
                      form: FormState, page: PageChrome, text t: Translator) -> LateChangesPage {
        let reopen = ActionForm(action: SiteURL.reopenPhase(plan.id, phase: phase.id).path,
                                fields: [.make("reason", t("phase.reopenReasonLabel"), .textarea, form: form, required: true,
                                               hint: t("phase.hint.reopen"))],
                                submit: t("phase.reopen"), danger: true, message: form.message)
        return LateChangesPage(
            page: page, heading: t("late.heading", ["phase": phase.name]),
            closedNote: t("phase.closedNote", ["date": VietnamTime.display(closed.at), "user": closed.by]),
            rows: changes.map { c in
                Row(when: VietnamTime.display(c.at), what: t("late.\(c.what.rawValue)"),
                    kind: c.isFigure ? t("figureLabel.\(c.kind)") : t("recordKind.\(c.kind)"),
                    unit: graph.units[c.commune]?.fullName ?? c.commune.uuidString, day: c.day,
                    href: c.what != .removed ? c.recordID.map { SiteURL.record($0.uuidString).path } : nil)
            },
            backHref: SiteURL.dashboard(plan.id, phase: phase.id, query: DashboardQuery()).path, reopen: [reopen])
    }
}
