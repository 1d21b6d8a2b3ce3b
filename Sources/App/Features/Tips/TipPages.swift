import Foundation
import ThiDuaCore

/// What the citizen's pages say of how tips are kept: when they reach the police (`TipRelease`) and how long
/// they stay once closed (`TipRetention`), as this server is set.
struct TipKeeping: Sendable, Equatable {
    var releaseMinutes = TipRelease.defaultMinutes
    var retention = TipRetention.standard

    /// When what is sent now reaches the police, shown in Vietnam time; nil when it is written at once.
    func delivery(now: Date) -> String? {
        releaseMinutes > 0 ? VietnamTime.display(TipRelease.next(after: now, every: releaseMinutes)) : nil
    }

    func lines(_ t: Translator) -> [String] {
        var out: [String] = []
        if releaseMinutes > 0 {
            let every = switch releaseMinutes {
            case 60: t("tips.release.every.hour")
            case TipRelease.maximumMinutes: t("tips.release.every.day")
            default: t("tips.release.every.minutes", ["minutes": String(releaseMinutes)])
            }
            out.append(t("tips.kept.release", ["every": every]))
        }
        out.append(t("tips.kept.retention", ["contact": String(retention.contactDays), "content": String(retention.contentDays)]))
        return out
    }
}

/// The citizen's pages: the tip form (place first when there are many communes), the receipt, the status.
struct TipFormPage: Encodable {
    /// A GET form that narrows the place: a province, then a commune.
    struct Chooser: Encodable {
        var action: String
        var field: FormField
        var submit: String
    }

    var page: PageChrome
    var heading: String
    var intro: String
    var kept: [String]
    var chooser: Chooser?
    var unknownHref: String?
    var place: String?
    var changePlaceHref: String?
    var form: FormState
    var fields: [FormField]
    /// The commune the form sends (`unknown` for none).
    var commune: String?
    var action: String?
    var submit: String
    var statusHref: String
    var honeypotLabel: String

    /// Above this many communes the citizen chooses a province first, so no page lists them all.
    static let communesOnOnePage = 200

    enum Step {
        case province(provinces: [UnitInfo])
        case commune(communes: [UnitInfo], province: UnitInfo?)
        case form(commune: UnitInfo?, villages: [UnitInfo])
    }

    /// The files a citizen may add: several, of the kinds taken.
    static func fileField(form: FormState, text t: Translator) -> FormField {
        var f = FormField.make("files", t("tips.field.files"), .file, form: form,
                               hint: t("tips.hint.files", ["count": String(Attachment.maximumCount), "size": String(Attachment.maximumBytes / 1024 / 1024)]))
        f.accept = AttachmentKind.allCases.map(\.mediaType).joined(separator: ",")
        f.multiple = true
        return f
    }

    static func kept(_ t: Translator, keeping: TipKeeping) -> [String] {
        ["tips.kept.noAddress", "tips.kept.day", "tips.kept.contact", "tips.kept.files", "tips.kept.code"].map { t($0) } + keeping.lines(t)
    }

    static func build(step: Step, form: FormState, today: LocalDate, keeping: TipKeeping = TipKeeping(), page: PageChrome,
                      text t: Translator) -> TipFormPage {
        var out = TipFormPage(page: page, heading: t("tips.heading"), intro: t("tips.intro"), kept: kept(t, keeping: keeping), form: form, fields: [],
                              submit: t("tips.send"), statusHref: SiteURL.tipStatus.path, honeypotLabel: t("tips.honeypot"))
        switch step {
        case .province(let provinces):
            let options = provinces.map { FormField.Option(value: $0.id.uuidString, label: $0.fullName, selected: false) }
            out.chooser = Chooser(action: SiteURL.tip().path, field: .make("province", t("tips.field.province"), .select, form: form,
                                                                          required: true, options: options), submit: t("tips.next"))
            out.unknownHref = SiteURL.tip(commune: "unknown").path
        case let .commune(communes, province):
            let options = communes.map { FormField.Option(value: $0.id.uuidString, label: $0.fullName, selected: false) }
            out.chooser = Chooser(action: SiteURL.tip().path, field: .make("commune", t("tips.field.commune"), .select, form: form,
                                                                          required: true, options: options), submit: t("tips.next"))
            out.unknownHref = SiteURL.tip(commune: "unknown").path
            if province != nil { out.changePlaceHref = SiteURL.tip().path }
            out.place = province?.fullName
        case let .form(commune, villages):
            out.action = SiteURL.tip(commune: commune?.id.uuidString ?? "unknown").path
            out.place = commune?.fullName ?? t("tips.placeUnknown")
            out.changePlaceHref = SiteURL.tip().path
            out.commune = commune?.id.uuidString ?? "unknown"
            let categories = (RecordKind.informationSource.filterFields["category"] ?? []).map {
                FormField.Option(value: $0, label: t("value.category.\($0)"), selected: false)
            }
            var fields: [FormField] = [
                .make("category", t("tips.field.category"), .select, form: form, required: true,
                      options: [.init(value: "", label: t("tips.choose"), selected: false)] + categories),
                .make("description", t("tips.field.description"), .textarea, form: form, required: true, hint: t("tips.hint.description")),
            ]
            if commune != nil {
                fields.append(.make("village", t("tips.field.village"), .select, form: form,
                                    options: [.init(value: "", label: t("tips.villageUnknown"), selected: false)]
                                        + villages.map { .init(value: $0.id.uuidString, label: $0.fullName, selected: false) }))
            }
            fields += [
                .make("occurredOn", t("tips.field.occurredOn"), .date, form: form, required: true, min: today.adding(days: -366).iso, max: today.iso),
                .make("time", t("tips.field.time"), .time, form: form, hint: t("tips.hint.time")),
                fileField(form: form, text: t),
                .make("contact", t("tips.field.contact"), .text, form: form, hint: t("tips.hint.contact")),
            ]
            out.fields = fields
        }
        return out
    }
}

struct TipReceiptPage: Encodable {
    var page: PageChrome
    var code: String
    var statusHref: String
    var newHref: String
    /// When the tip reaches the police (`TipKeeping.delivery`), said with why.
    var delivery: String?
}

struct TipStatusPage: Encodable {
    struct Message: Encodable, Equatable {
        var from: String
        var officer: Bool
        var body: String
        var day: String
        var files: Int

        /// The conversation, each side named as the reader calls it, with how many files came with each message.
        static func list(_ messages: [TipMessage], files: [TipFile], officer: String, citizen: String) -> [Message] {
            messages.map { m in
                Message(from: m.author == "officer" ? officer : citizen, officer: m.author == "officer", body: m.body,
                        day: LocalDate(iso: m.sentOn)?.display ?? m.sentOn, files: files.filter { $0.messageSeq == m.seq }.count)
            }
        }
    }

    var page: PageChrome
    var form: FormState
    var codeField: FormField
    var action: String
    /// Set when a tip was found.
    var status: String?
    var statusExplained: String?
    var received: String?
    var category: String?
    var messages: [Message]
    var replyFields: [FormField]
    var code: String?
    var canReply: Bool
    var sent: String?
    /// What of the citizen's waits for the release, and the day its content was erased.
    var waiting: [String] = []
    var erased: String?

    /// What waits in the spool for the next release, at `at` (Vietnam time, as shown).
    struct Waiting: Equatable {
        var tip: Bool
        var messages: Int
        var at: String
    }

    static func build(form: FormState, found: (tip: Tip, messages: [TipMessage], files: [TipFile])?, code: String?, sent: Bool,
                      waiting: Waiting? = nil, page: PageChrome, text t: Translator) -> TipStatusPage {
        var out = TipStatusPage(page: page, form: form,
                                codeField: .make("receiptCode", t("tips.field.code"), .text, form: form, required: true, hint: t("tips.hint.code")),
                                action: SiteURL.tipStatus.path, messages: [], replyFields: [], canReply: false)
        guard let (tip, messages, files) = found else { return out }
        let status = tip.status.publicStatus
        out.status = t("tips.public.\(status)")
        out.statusExplained = t("tips.public.\(status).explained")
        out.received = LocalDate(iso: tip.receivedOn)?.display
        out.category = t("value.category.\(tip.category)")
        out.messages = Message.list(messages, files: files, officer: t("tips.from.officer"), citizen: t("tips.from.you"))
        out.code = code
        out.canReply = tip.status.isOpen
        let reply = FormState(values: [:])
        out.replyFields = [
            .make("message", t("tips.field.reply"), .textarea, form: form.errors.isEmpty ? reply : form),
            TipFormPage.fileField(form: form.errors["files"] == nil ? reply : form, text: t),
        ]
        if sent { out.sent = waiting.map { t("tips.replyQueued", ["time": $0.at]) } ?? t("tips.replySent") }
        if let w = waiting {
            if w.tip { out.waiting.append(t("tips.held", ["time": w.at])) }
            if w.messages > 0 { out.waiting.append(t("tips.heldMessages", ["count": String(w.messages), "time": w.at])) }
        }
        out.erased = tip.erasedOn.flatMap(LocalDate.init(iso:)).map { t("tips.erased", ["day": $0.display]) }
        return out
    }
}

/// The officers' inbox and a tip's page.
struct TipInboxPage: Encodable {
    struct Row: Encodable, Equatable {
        var id: String
        var reference: String
        var href: String
        var received: String
        var category: String
        var place: String
        var status: String
        var assignee: String?
        var attention: Bool
        var replied: Bool
        var excerpt: String
    }

    var page: PageChrome
    var filters: [FormField]
    var action: String
    var rows: [Row]
    var shown: String
    var pages: [PageLink]
    var bulkAction: String
    var assignees: FormField
    var subscribeHref: String

    static let pageSize = 50

    static func row(_ tip: Tip, graph: UnitGraph, names: [UUID: String], now: Date, text t: Translator) -> Row {
        let id = tip.id?.uuidString ?? ""
        return Row(id: id, reference: tip.reference, href: SiteURL.tipDetail(id).path,
                   received: LocalDate(iso: tip.receivedOn)?.display ?? tip.receivedOn,
                   category: t("value.category.\(tip.category)"), place: tip.place(in: graph, unknown: t("tips.queue")),
                   status: t("tips.status.\(tip.status)"), assignee: tip.assignedTo.flatMap { names[$0] },
                   attention: tip.needsAttention(now: now), replied: tip.citizenReplied, excerpt: String(tip.description.prefix(140)))
    }

    static func build(filter: TipService.Filter, rows: [Row], total: Int, communes: [UnitInfo], assignees: [(UUID, String)],
                      page: PageChrome, text t: Translator) -> TipInboxPage {
        let form = FormState(values: ["status": filter.status, "commune": filter.commune?.uuidString ?? "", "assigned": filter.assigned ?? "",
                                      "q": filter.text ?? ""])
        var filters: [FormField] = [
            .make("status", t("tips.filter.status"), .select, form: form,
                  options: [.init(value: "open", label: t("tips.filter.open"), selected: false), .init(value: "all", label: t("tips.filter.all"), selected: false)]
                      + TipStatus.allCases.map { .init(value: $0.rawValue, label: t("tips.status.\($0.rawValue)"), selected: false) }),
            .make("commune", t("recordField.unit"), .select, form: form,
                  options: [.init(value: "", label: t("audit.allUnits"), selected: false)]
                      + communes.map { .init(value: $0.id.uuidString, label: $0.fullName, selected: false) }),
            .make("assigned", t("tips.filter.assigned"), .select, form: form,
                  options: [.init(value: "", label: t("tips.filter.anyone"), selected: false), .init(value: "me", label: t("tips.filter.me"), selected: false),
                            .init(value: "none", label: t("tips.filter.none"), selected: false)]),
            .make("q", t("tips.filter.text"), .text, form: form),
        ]
        if communes.count < 2 && filter.commune == nil { filters.remove(at: 1) }
        func href(_ n: Int) -> String {
            var f = filter
            f.page = n
            return SiteURL.tips(f).path
        }
        let from = (filter.page - 1) * pageSize
        let assigneeField = FormField.make("assignee", t("tips.assignTo"), .select, form: FormState(),
                                           options: [.init(value: "", label: t("tips.choose"), selected: false)]
                                               + assignees.map { .init(value: $0.0.uuidString, label: $0.1, selected: false) })
        return TipInboxPage(page: page, filters: filters, action: SiteURL.tips(TipService.Filter()).path, rows: rows,
                            shown: total == 0 ? t("tips.none") : t("records.shown", ["from": t.count(min(total, from + 1)), "to": t.count(from + rows.count), "count": t.count(total)]),
                            pages: PageLink.pages(total: total, pageSize: pageSize, current: filter.page, href: href),
                            bulkAction: SiteURL.tipsBulk.path, assignees: assigneeField, subscribeHref: SiteURL.tipSubscription.path)
    }
}

struct TipDetailPage: Encodable {
    struct Fact: Encodable, Equatable {
        var label: String
        var value: String
    }
    struct File: Encodable, Equatable {
        var label: String
        var href: String
    }
    struct Event: Encodable, Equatable {
        var when: String
        var who: String
        var what: String
    }
    struct ActionForm: Encodable {
        var action: String
        var fields: [FormField]
        var submit: String
    }

    var page: PageChrome
    var heading: String
    var facts: [Fact]
    var description: String
    var attention: Bool
    var files: [File]
    var messages: [TipStatusPage.Message]
    var history: [Event]
    var forms: [ActionForm]
    var form: FormState
    var backHref: String

    /// What the page says of the citizen's contact details.
    enum Contact: Equatable {
        /// None left: anonymous.
        case none
        /// Left and sealed; this account may reveal them (the tip is assigned to it), or may not.
        case sealed(canReveal: Bool)
        /// Revealed to this account, on this page only.
        case shown(String)
    }

    struct Input {
        var tip: Tip
        var graph: UnitGraph
        var contact: Contact
        var assignee: String?
        var messages: [TipMessage]
        var files: [TipFile]
        var history: [AuditEntry]
        var assignees: [(UUID, String)]
        /// Communes it may be passed to: those of its province today.
        var communes: [UnitInfo]
        var now: Date
    }

    static func build(_ i: Input, form: FormState, page: PageChrome, text t: Translator) -> TipDetailPage {
        let tip = i.tip
        let id = tip.id?.uuidString ?? ""
        let place = tip.place(in: i.graph, unknown: t("tips.queue"))
        var facts = [
            Fact(label: t("tips.filter.status"), value: t("tips.status.\(tip.status)")),
            Fact(label: t("tips.assignee"), value: i.assignee ?? t("tips.nobody")),
            Fact(label: t("tips.field.category"), value: t("value.category.\(tip.category)")),
            Fact(label: t("tips.place"), value: place),
            Fact(label: t("tips.field.occurredOn"), value: (LocalDate(iso: tip.occurredOn)?.display ?? tip.occurredOn) + (tip.occurredTime.map { " " + $0 } ?? "")),
            Fact(label: t("tips.received"), value: LocalDate(iso: tip.receivedOn)?.display ?? tip.receivedOn),
            Fact(label: t("tips.contact"), value: {
                switch i.contact {
                case .none: t("tips.anonymous")
                case .sealed(let canReveal): t(canReveal ? "tips.contact.sealed" : "tips.contact.assigneeOnly")
                case .shown(let contact): contact
                }
            }()),
        ]
        if let from = tip.transferredFrom { facts.append(Fact(label: t("tips.transferredFrom"), value: i.graph.units[from]?.fullName ?? "")) }
        let files = i.files.enumerated().map { n, f in
            File(label: t.file(n + 1, kind: f.kind, size: f.size),
                 href: SiteURL.tipFile(id, file: f.id?.uuidString ?? "").path)
        }
        let messages = TipStatusPage.Message.list(i.messages, files: i.files, officer: t("tips.from.officers"), citizen: t("tips.from.citizen"))
        let history = i.history.map { e in
            Event(when: e.actor == AuditLog.citizen ? VietnamTime.localDate(of: e.at).display : VietnamTime.display(e.at), who: e.actor == AuditLog.citizen ? t("tips.from.citizen") : e.actor == "system" ? t("tips.from.system") : e.actor, what: t("tips.action.\(e.action)"))
        }
        var forms: [ActionForm] = []
        if i.contact == .sealed(canReveal: true) {
            forms.append(ActionForm(action: SiteURL.tipAction(id, "contact").path, fields: [], submit: t("tips.contact.reveal")))
        }
        if tip.communeID != nil && tip.status.isOpen {
            forms.append(ActionForm(action: SiteURL.tipAction(id, "assign").path, fields: [
                .make("assignee", t("tips.assignTo"), .select, form: form, required: true,
                      options: i.assignees.map { .init(value: $0.0.uuidString, label: $0.1, selected: $0.0 == tip.assignedTo) }),
            ], submit: t("tips.assign")))
        }
        if tip.communeID != nil {
            forms.append(ActionForm(action: SiteURL.tipAction(id, "status").path, fields: [
                .make("status", t("tips.newStatus"), .select, form: form, required: true,
                      options: tip.status.next.map { .init(value: $0.rawValue, label: t("tips.status.\($0.rawValue)"), selected: false) }),
            ], submit: t("tips.setStatus")))
        }
        if tip.status.isOpen {
            // The province's communes to choose from; any commune of the country by its code.
            let choices = i.communes.filter { $0.id != tip.communeID }
            let field: FormField = choices.isEmpty
                ? .make("to", t("tips.transferTo"), .text, form: form, required: true, hint: t("tips.hint.transferCode"))
                : .make("to", t("tips.transferTo"), .select, form: form, required: true,
                        options: [.init(value: "", label: t("tips.choose"), selected: false)]
                            + choices.map { .init(value: $0.id.uuidString, label: $0.fullName, selected: false) })
            forms.append(ActionForm(action: SiteURL.tipAction(id, "transfer").path, fields: [field], submit: t("tips.transfer")))
        }
        forms.append(ActionForm(action: SiteURL.tipAction(id, "message").path, fields: [
            .make("message", t("tips.messageToCitizen"), .textarea, form: form, required: true, hint: t("tips.hint.message")),
        ], submit: t("tips.sendMessage")))
        // Erased at the end of its retention period: what is left is its place, its status and its history.
        let erased = tip.erasedOn.flatMap(LocalDate.init(iso:)).map { t("tips.erased", ["day": $0.display]) }
        return TipDetailPage(page: page, heading: t("tips.detailHeading", ["ref": tip.reference]), facts: facts, description: erased ?? tip.description,
                             attention: tip.needsAttention(now: i.now),
                             files: files, messages: messages, history: history, forms: erased == nil ? forms : [], form: form,
                             backHref: SiteURL.tips(TipService.Filter()).path)
    }
}
