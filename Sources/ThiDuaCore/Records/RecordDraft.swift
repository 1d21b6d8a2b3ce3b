import Foundation

/// The fields that differ by kind of record, shared by what the API takes and what it gives back.
public struct RecordFields: Codable, Equatable, Sendable {
    // information_source
    public var category: String?
    public var origin: String?
    public var status: String?
    public var summary: String?
    // patrol
    public var startedAt: Date?
    public var endedAt: Date?
    public var participants: Int?
    public var route: String?
    public var incidentsFound: Int?
    public var racingPrevented: Bool?
    // fire_activity
    public var activityKind: String?
    public var coordinatedByTeam: Bool?
    // propaganda
    public var topic: String?
    public var attendance: Int?
    // reform_visit
    public var reformCase: String?
    // model
    public var name: String?
    public var effective: Bool?
    public var evaluatedOn: String?
    public var closedOn: String?
    // reform_case
    public var code: String?
    public var reoffendedOn: String?
    public var endedOn: String?
    // exemplar
    public var exemplarKind: String?
    public var recognisedBy: String?

    public init() {}

    /// The names of the fields that were given.
    public var given: Set<String> {
        guard let data = try? JSONEncoder().encode(self),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [] }
        return Set(object.keys)
    }
}

/// Field-by-field checking of a record, collecting every problem (as localization keys) before anything is stored.
struct RecordChecker {
    var errors: [String: String] = [:]

    mutating func fail(_ field: String, _ key: String) { if errors[field] == nil { errors[field] = key } }

    mutating func required<T>(_ value: T?, _ field: String) -> T? {
        if value == nil { fail(field, "field.required") }
        return value
    }

    /// Text of at most `max` characters and `4 × max` bytes (so that a letter with a thousand combining marks
    /// counts as what it weighs), with no control character but line breaks and tabs.
    mutating func text(_ value: String?, _ field: String, required: Bool, max: Int = 500) -> String? {
        let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let trimmed, !trimmed.isEmpty else {
            if required { fail(field, "field.required") }
            return nil
        }
        if trimmed.count > max || trimmed.utf8.count > 4 * max { fail(field, "field.tooLong") }
        if TextInput.forbidden(in: trimmed) != nil { fail(field, "field.controlCharacter") }
        return trimmed
    }

    mutating func choice(_ value: String?, _ field: String, of allowed: [String], required: Bool) -> String? {
        guard let value else {
            if required { fail(field, "field.required") }
            return nil
        }
        guard allowed.contains(value) else {
            fail(field, "field.notAllowed")
            return nil
        }
        return value
    }

    /// A day in `YYYY-MM-DD`, not after `latest`. Given but empty counts as not given.
    mutating func date(_ value: String?, _ field: String, required: Bool, latest: LocalDate) -> LocalDate? {
        guard let value, !value.isEmpty else {
            if required { fail(field, "field.required") }
            return nil
        }
        guard let d = LocalDate(iso: value) else {
            fail(field, "field.date")
            return nil
        }
        if d > latest { fail(field, "field.future") }
        return d
    }

    mutating func count(_ value: Int?, _ field: String, required: Bool, min: Int = 0) -> Int? {
        guard let value else {
            if required { fail(field, "field.required") }
            return nil
        }
        if value < min || value > 1_000_000 { fail(field, "field.range") }
        return value
    }

    /// Fields a kind does not use must be left out, so that a typo or a wrong kind is caught.
    mutating func unused(_ fields: RecordFields, except used: Set<String>) {
        for field in fields.given.subtracting(used).sorted() { fail(field, "field.notForKind") }
    }
}

/// What a record of one kind stores beyond where and when: the typed columns its kind uses, nothing else.
public struct RecordValues: Equatable, Sendable {
    public var category: String?
    public var origin: String?
    public var status: String?
    public var flag: Bool?
    public var flagOn: String?
    public var subkind: String?
    public var title: String?
    public var quantity: Int?
    public var participants: Int?
    public var startedAt: Date?
    public var endedAt: Date?
    public var reformCaseID: UUID?
    public var personCode: String?
    public var personName: String?
    public var recognisedBy: String?
    public var endedOn: String?

    public init() {}
}

/// A record as typed: its kind's fields checked against the kind's rules, the same for the API and the forms.
public enum RecordDraft {
    /// Minutes after midnight of a `HH:mm` time (00:00–23:59), or nil.
    public static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let h = Int(parts[0]), let m = Int(parts[1]),
              (0..<24).contains(h), (0..<60).contains(m) else { return nil }
        return h * 60 + m
    }

    /// A patrol's start and end from its day and two clock times in Vietnam: an end at or before the start is on
    /// the next day (a night patrol from 22:00 to 02:00 lasts four hours). Nil when a time cannot be read.
    public static func patrolSpan(date: LocalDate, start: String, end: String) -> (start: Date, end: Date)? {
        guard let s = minutes(start), let e = minutes(end) else { return nil }
        let midnight = VietnamTime.startOfDay(date)
        let from = midnight.addingTimeInterval(TimeInterval(s * 60))
        let to = midnight.addingTimeInterval(TimeInterval((e <= s ? e + 24 * 60 : e) * 60))
        return (from, to)
    }

    /// The values to store and a message key per field that is wrong (none: valid). `date` is the day already
    /// resolved by the caller (it decides the unit too), nil when it was not valid: the other fields are still
    /// checked, less what compares with it. Nothing later than `today` is accepted.
    public static func check(kind: RecordKind, fields f: RecordFields, date: LocalDate?, today: LocalDate)
        -> (values: RecordValues, errors: [String: String]) {
        var c = RecordChecker()
        var r = RecordValues()
        let filters = kind.filterFields
        switch kind {
        case .informationSource:
            c.unused(f, except: ["category", "origin", "status", "summary"])
            r.category = c.choice(f.category, "category", of: filters["category"] ?? [], required: true)
            r.origin = c.choice(f.origin, "origin", of: filters["origin"] ?? [], required: true)
            r.status = c.choice(f.status ?? "received", "status", of: filters["status"] ?? [], required: true)
            r.title = c.text(f.summary, "summary", required: false, max: 2000)
        case .patrol:
            c.unused(f, except: ["startedAt", "endedAt", "participants", "route", "incidentsFound", "racingPrevented"])
            r.startedAt = c.required(f.startedAt, "startedAt")
            r.endedAt = c.required(f.endedAt, "endedAt")
            if let s = f.startedAt, let e = f.endedAt {
                if e <= s { c.fail("endedAt", "field.endBeforeStart") }
                if e.timeIntervalSince(s) > 24 * 3600 { c.fail("endedAt", "field.patrolTooLong") }
                if let date, VietnamTime.localDate(of: s) != date { c.fail("date", "field.patrolDate") }
            }
            r.participants = c.count(f.participants, "participants", required: true, min: 1)
            r.title = c.text(f.route, "route", required: false)
            r.quantity = c.count(f.incidentsFound ?? 0, "incidentsFound", required: true)
            r.flag = f.racingPrevented ?? false
        case .fireActivity:
            c.unused(f, except: ["activityKind", "coordinatedByTeam", "summary"])
            r.subkind = c.choice(f.activityKind, "activityKind", of: filters["kind"] ?? [], required: true)
            r.flag = c.required(f.coordinatedByTeam, "coordinatedByTeam")
            r.title = c.text(f.summary, "summary", required: false)
        case .propaganda:
            c.unused(f, except: ["topic", "attendance"])
            r.title = c.text(f.topic, "topic", required: true)
            r.quantity = c.count(f.attendance, "attendance", required: true)
        case .reformVisit:
            c.unused(f, except: ["reformCase", "summary"])
            if let raw = c.required(f.reformCase, "reformCase") {
                if let id = UUID(uuidString: raw) { r.reformCaseID = id } else { c.fail("reformCase", "field.id") }
            }
            r.title = c.text(f.summary, "summary", required: false)
        case .model:
            c.unused(f, except: ["name", "effective", "evaluatedOn", "closedOn"])
            r.title = c.text(f.name, "name", required: true)
            r.flag = f.effective ?? false
            // An effective model needs the day it was found effective; "" is no day.
            let evaluated = c.date(f.evaluatedOn, "evaluatedOn", required: r.flag == true, latest: today)
            if let evaluated, let date, evaluated < date { c.fail("evaluatedOn", "field.beforeStart") }
            r.flagOn = evaluated?.iso
            let closed = c.date(f.closedOn, "closedOn", required: false, latest: today)
            if let closed, let date, closed < date { c.fail("closedOn", "field.beforeStart") }
            r.endedOn = closed?.iso
        case .reformCase:
            c.unused(f, except: ["code", "name", "reoffendedOn", "endedOn"])
            r.personCode = c.text(f.code, "code", required: true, max: 40)
            r.personName = c.text(f.name, "name", required: false, max: 200)
            let reoffended = c.date(f.reoffendedOn, "reoffendedOn", required: false, latest: today)
            if let reoffended, let date, reoffended < date { c.fail("reoffendedOn", "field.beforeStart") }
            r.flag = reoffended != nil
            r.flagOn = reoffended?.iso
            let ended = c.date(f.endedOn, "endedOn", required: false, latest: today)
            if let ended, let date, ended < date { c.fail("endedOn", "field.beforeStart") }
            r.endedOn = ended?.iso
        case .exemplar:
            c.unused(f, except: ["exemplarKind", "name", "recognisedBy"])
            r.subkind = c.choice(f.exemplarKind, "exemplarKind", of: filters["kind"] ?? [], required: true)
            r.title = c.text(f.name, "name", required: true, max: 300)
            r.recognisedBy = c.text(f.recognisedBy, "recognisedBy", required: true, max: 300)
        }
        return (r, c.errors)
    }
}
