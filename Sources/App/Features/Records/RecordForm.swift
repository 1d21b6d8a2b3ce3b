import Foundation
import ThiDuaCore

/// The record form: which fields each kind asks for, how what was typed becomes the API's input (so the form and
/// the API share every rule in `RecordDraft`), and the page.
enum RecordForm {
    /// A place the form offers: a commune, or a village with its commune.
    struct Place: Sendable {
        var id: String
        var label: String
    }
    /// A member to tick on a patrol.
    struct MemberChoice: Sendable {
        var id: UUID
        var name: String
    }

    /// Where the record may be placed, decided by the account.
    enum Placement: Sendable {
        /// A team leader: always its own village.
        case village(id: UUID, label: String)
        /// Commune police: its commune, a village of it optional.
        case commune(id: UUID, label: String, villages: [Place])
        /// The secretariat or the admin: any commune of its reach, a village optional.
        case any(communes: [Place], villages: [Place])
    }

    /// The kind's own fields, in the order a person fills them in; the names are the API's.
    static func kindFields(_ kind: RecordKind) -> [(name: String, kind: FormField.Kind, required: Bool)] {
        switch kind {
        case .informationSource:
            [("category", .select, true), ("origin", .select, true), ("status", .select, true), ("summary", .textarea, false)]
        case .patrol:
            [("startTime", .time, true), ("endTime", .time, true), ("route", .text, false),
             ("incidentsFound", .number, false), ("racingPrevented", .checkbox, false)]
        case .fireActivity:
            [("activityKind", .select, true), ("coordinatedByTeam", .checkbox, false), ("summary", .textarea, false)]
        case .propaganda:
            [("topic", .text, true), ("attendance", .number, true)]
        case .reformVisit:
            [("reformCase", .select, true), ("summary", .textarea, false)]
        case .model:
            [("name", .text, true), ("effective", .checkbox, false), ("evaluatedOn", .date, false), ("closedOn", .date, false)]
        case .reformCase:
            [("code", .text, true), ("name", .text, false), ("reoffendedOn", .date, false), ("endedOn", .date, false)]
        case .exemplar:
            [("exemplarKind", .select, true), ("name", .text, true), ("recognisedBy", .text, true)]
        }
    }

    /// The values a select offers, from the kind's catalogue.
    static func choices(_ kind: RecordKind, _ field: String) -> (filter: String, values: [String])? {
        let filter: String
        switch field {
        case "category", "origin", "status": filter = field
        case "activityKind", "exemplarKind": filter = "kind"
        default: return nil
        }
        return kind.filterFields[filter].map { (filter, $0) }
    }

    /// The values a new form starts with: today, the status "received", no incidents; a patrol as logged when it
    /// ends, the two hours up to now (to the five minutes), begun the day before when that was before midnight.
    static func defaults(_ kind: RecordKind, now: Date) -> [String: String] {
        let today = VietnamTime.localDate(of: now)
        var v = ["date": today.iso]
        switch kind {
        case .informationSource: v["status"] = "received"
        case .patrol:
            let minute = (Int(now.timeIntervalSince1970) + VietnamTime.secondsFromUTC) % 86400 / 60 / 5 * 5
            let start = minute - 120
            v["endTime"] = String(format: "%02d:%02d", minute / 60, minute % 60)
            v["startTime"] = String(format: "%02d:%02d", (start + 1440) % 1440 / 60, (start + 1440) % 60)
            if start < 0 { v["date"] = today.adding(days: -1).iso }
            v["incidentsFound"] = "0"; v["others"] = "0"
        default: break
        }
        return v
    }

    /// What was typed, as the API's input, with a message key per field the form itself cannot read (a time, a
    /// number). A patrol's members ticked and others counted make its participants; an end before the start is
    /// the next morning (`RecordDraft.patrolSpan`).
    static func input(kind: RecordKind, values v: [String: String], placement: Placement) -> (RecordInput, [String: String]) {
        var errors: [String: String] = [:]
        var fields = RecordFields()
        func typed(_ name: String) -> String? {
            guard let s = v[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !s.isEmpty else { return nil }
            return s
        }
        func whole(_ name: String) -> Int? {
            guard let s = typed(name) else { return nil }
            guard let n = Int(s) else { errors[name] = "field.wholeNumber"; return nil }
            return n
        }
        func flag(_ name: String) -> Bool { v[name] == "true" }
        let date = typed("date").flatMap { LocalDate(iso: $0) }
        switch kind {
        case .informationSource:
            fields.category = typed("category"); fields.origin = typed("origin"); fields.status = typed("status")
            fields.summary = typed("summary")
        case .patrol:
            let start = typed("startTime"), end = typed("endTime")
            if let start, RecordDraft.minutes(start) == nil { errors["startTime"] = "field.time" }
            if let end, RecordDraft.minutes(end) == nil { errors["endTime"] = "field.time" }
            if start == nil { errors["startTime"] = "field.required" }
            if end == nil { errors["endTime"] = "field.required" }
            if let date, let start, let end, let span = RecordDraft.patrolSpan(date: date, start: start, end: end) {
                fields.startedAt = span.start
                fields.endedAt = span.end
            }
            let ticked = v.filter { $0.key.hasPrefix("member.") && $0.value == "true" }.count
            let others = whole("others") ?? 0
            if case .village = placement {
                if others < 0 { errors["others"] = "field.range" }
                fields.participants = ticked + max(0, others)
                if fields.participants == 0 { errors["members"] = "field.noParticipants" }
            } else {
                fields.participants = whole("participants")
            }
            fields.route = typed("route")
            fields.incidentsFound = whole("incidentsFound") ?? 0
            fields.racingPrevented = flag("racingPrevented")
        case .fireActivity:
            fields.activityKind = typed("activityKind"); fields.coordinatedByTeam = flag("coordinatedByTeam")
            fields.summary = typed("summary")
        case .propaganda:
            fields.topic = typed("topic"); fields.attendance = whole("attendance")
        case .reformVisit:
            fields.reformCase = typed("reformCase"); fields.summary = typed("summary")
        case .model:
            fields.name = typed("name"); fields.effective = flag("effective")
            fields.evaluatedOn = typed("evaluatedOn"); fields.closedOn = typed("closedOn")
        case .reformCase:
            fields.code = typed("code"); fields.name = typed("name")
            fields.reoffendedOn = typed("reoffendedOn"); fields.endedOn = typed("endedOn")
        case .exemplar:
            fields.exemplarKind = typed("exemplarKind"); fields.name = typed("name"); fields.recognisedBy = typed("recognisedBy")
        }
        var input = RecordInput(kind: kind.rawValue, unit: nil, village: nil, date: typed("date"), fields: fields)
        switch placement {
        case .village(let id, _):
            input.village = id.uuidString
        case .commune(let id, _, _):
            input.unit = id.uuidString
            input.village = typed("village")
        case .any:
            input.unit = typed("unit")
            input.village = typed("village")
            if input.unit == nil && input.village == nil { errors["unit"] = "field.required" }
        }
        return (input, errors)
    }

    /// The values of a stored record, to correct it in the same form.
    static func values(of r: RecordJSON) -> [String: String] {
        var v: [String: String] = ["date": r.date, "unit": r.unit]
        if let village = r.village { v["village"] = village }
        let f = r.fields
        func put(_ name: String, _ value: String?) { if let value { v[name] = value } }
        func time(_ d: Date?) -> String? {
            d.map { let s = (Int($0.timeIntervalSince1970) + VietnamTime.secondsFromUTC) % 86400; return String(format: "%02d:%02d", s / 3600, s % 3600 / 60) }
        }
        put("category", f.category); put("origin", f.origin); put("status", f.status); put("summary", f.summary)
        put("startTime", time(f.startedAt)); put("endTime", time(f.endedAt)); put("route", f.route)
        put("participants", f.participants.map(String.init)); put("others", f.participants.map(String.init))
        put("incidentsFound", f.incidentsFound.map(String.init))
        put("racingPrevented", f.racingPrevented.map { $0 ? "true" : "false" })
        put("activityKind", f.activityKind); put("coordinatedByTeam", f.coordinatedByTeam.map { $0 ? "true" : "false" })
        put("topic", f.topic); put("attendance", f.attendance.map(String.init)); put("reformCase", f.reformCase)
        put("name", f.name); put("effective", f.effective.map { $0 ? "true" : "false" })
        put("evaluatedOn", f.evaluatedOn); put("closedOn", f.closedOn); put("code", f.code)
        put("reoffendedOn", f.reoffendedOn); put("endedOn", f.endedOn); put("exemplarKind", f.exemplarKind)
        put("recognisedBy", f.recognisedBy)
        return v
    }
}

/// The page of the record form: a choice of kind first, then the kind's fields.
struct RecordFormPage: Encodable {
    struct KindLink: Encodable {
        var label: String
        var href: String
    }
    var page: PageChrome
    var heading: String
    var kindName: String?
    var action: String
    var fields: [FormField]
    var form: FormState
    var kinds: [KindLink]
    var submit: String
    var cancelHref: String
    var deleteHref: String?
    /// The stored record's version the edit form was opened on, sent back with it.
    var version: String?

    struct Input {
        var kind: RecordKind?
        var allowedKinds: [RecordKind]
        var placement: RecordForm.Placement
        var members: [RecordForm.MemberChoice]
        var reformCases: [RecordForm.Place]
        var form: FormState
        var today: LocalDate
        var action: String
        var cancelHref: String
        /// Correcting a stored record (its id), not making one.
        var recordID: String?
    }

    static func build(_ input: Input, page: PageChrome, text t: Translator) -> RecordFormPage {
        let form = input.form
        guard let kind = input.kind else {
            return RecordFormPage(page: page, heading: t("records.chooseKind"), kindName: nil, action: input.action, fields: [],
                                  form: form, kinds: input.allowedKinds.map {
                                      KindLink(label: t("recordKind.\($0.rawValue)"), href: SiteURL.newRecord(kind: $0.rawValue).path)
                                  }, submit: "", cancelHref: input.cancelHref, deleteHref: nil)
        }
        func label(_ name: String) -> String { t("recordField.\(name)") }
        var fields: [FormField] = [
            .make("date", label("date"), .date, form: form, required: true, hint: kind == .patrol ? t("records.patrolDateHint") : nil,
                  max: input.today.iso)]
        switch input.placement {
        case .village(let id, let name):
            var f = FormField.make("village", label("village"), .fixed, form: FormState(values: ["village": id.uuidString]))
            f.hint = name
            f.error = form.errors["village"] ?? form.errors["unit"]
            fields.append(f)
        case .commune(_, let name, let villages):
            var f = FormField.make("unit", label("unit"), .fixed, form: form)
            f.hint = name
            fields.append(f)
            fields.append(.make("village", label("village"), .select, form: form,
                                options: [.init(value: "", label: t("records.wholeCommune"), selected: false)]
                                    + villages.map { .init(value: $0.id, label: $0.label, selected: false) }))
        case .any(let communes, let villages):
            fields.append(.make("unit", label("unit"), .select, form: form, required: true,
                                options: [.init(value: "", label: t("records.choose"), selected: false)]
                                    + communes.map { .init(value: $0.id, label: $0.label, selected: false) }))
            fields.append(.make("village", label("village"), .select, form: form,
                                options: [.init(value: "", label: t("records.wholeCommune"), selected: false)]
                                    + villages.map { .init(value: $0.id, label: $0.label, selected: false) }))
        }
        for spec in RecordForm.kindFields(kind) {
            var options: [FormField.Option] = []
            if let (filter, values) = RecordForm.choices(kind, spec.name) {
                options = [.init(value: "", label: t("records.choose"), selected: false)]
                    + values.map { .init(value: $0, label: t("value.\(filter).\($0)"), selected: false) }
            }
            if spec.name == "reformCase" {
                options = [.init(value: "", label: t("records.choose"), selected: false)]
                    + input.reformCases.map { .init(value: $0.id, label: $0.label, selected: false) }
            }
            fields.append(.make(spec.name, label(spec.name), spec.kind, form: form, required: spec.required, options: options,
                                min: spec.kind == .number ? "0" : nil,
                                max: spec.kind == .date ? input.today.iso : nil))
            // A patrol's participants come right after its times: ticked from the team, or counted.
            if kind == .patrol && spec.name == "endTime" {
                if case .village = input.placement, !input.members.isEmpty {
                    var members = FormField.make("members", label("members"), .checkboxes, form: form, required: true,
                                                 hint: t("records.membersHint"))
                    members.options = input.members.map {
                        let name = "member.\($0.id.uuidString)"
                        return .init(value: name, label: $0.name, selected: form.values[name] == "true")
                    }
                    fields.append(members)
                    fields.append(.make("others", label("others"), .number, form: form, min: "0"))
                } else {
                    fields.append(.make("participants", label("participants"), .number, form: form, required: true, min: "1"))
                }
            }
        }
        let editing = input.recordID != nil
        return RecordFormPage(
            page: page, heading: t(editing ? "records.editTitle" : "records.newTitle", ["kind": t("recordKind.\(kind.rawValue)")]),
            kindName: t("recordKind.\(kind.rawValue)"), action: input.action, fields: fields, form: form, kinds: [],
            submit: t(editing ? "records.saveChanges" : "records.save"), cancelHref: input.cancelHref,
            deleteHref: input.recordID.map { SiteURL.recordDelete($0).path },
            version: editing ? form.value("version") : nil)
    }
}
