import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// A record as the API gives it back.
@dynamicMemberLookup
struct RecordJSON: Vapor.Content, Equatable {
    subscript<T>(dynamicMember field: KeyPath<RecordFields, T>) -> T { fields[keyPath: field] }

    var id: String
    var kind: String
    var unit: String
    var unitName: String
    var village: String?
    var villageName: String?
    var date: String
    var fields: RecordFields

    enum CodingKeys: String, CodingKey { case id, kind, unit, unitName, village, villageName, date }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        kind = try c.decode(String.self, forKey: .kind)
        unit = try c.decode(String.self, forKey: .unit)
        unitName = try c.decode(String.self, forKey: .unitName)
        village = try c.decodeIfPresent(String.self, forKey: .village)
        villageName = try c.decodeIfPresent(String.self, forKey: .villageName)
        date = try c.decode(String.self, forKey: .date)
        fields = try RecordFields(from: decoder)
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(kind, forKey: .kind)
        try c.encode(unit, forKey: .unit)
        try c.encode(unitName, forKey: .unitName)
        try c.encodeIfPresent(village, forKey: .village)
        try c.encodeIfPresent(villageName, forKey: .villageName)
        try c.encode(date, forKey: .date)
        try fields.encode(to: encoder)
    }

    /// `personal`: whether personal data (a reform case's name) may be shown to this reader.
    init(_ r: Record, graph: UnitGraph, personal: Bool) {
        id = r.id?.uuidString ?? ""
        kind = r.kind
        unit = r.communeID.uuidString
        unitName = graph.units[r.communeID]?.fullName ?? ""
        village = r.villageID?.uuidString
        villageName = r.villageID.flatMap { graph.units[$0]?.fullName }
        date = r.occurredOn
        var f = RecordFields()
        switch RecordKind(rawValue: r.kind) {
        case .informationSource:
            f.category = r.category; f.origin = r.origin; f.status = r.status; f.summary = r.title
        case .patrol:
            f.startedAt = r.startedAt; f.endedAt = r.endedAt; f.participants = r.participants; f.route = r.title
            f.incidentsFound = r.quantity; f.racingPrevented = r.flag
        case .fireActivity:
            f.activityKind = r.subkind; f.coordinatedByTeam = r.flag; f.summary = r.title
        case .propaganda:
            f.topic = r.title; f.attendance = r.quantity
        case .reformVisit:
            f.reformCase = r.reformCaseID?.uuidString; f.summary = r.title
        case .model:
            f.name = r.title; f.effective = r.flag; f.evaluatedOn = r.flagOn; f.closedOn = r.endedOn
        case .reformCase:
            f.code = r.personCode; f.name = personal ? r.personName : nil; f.reoffendedOn = r.flagOn; f.endedOn = r.endedOn
        case .exemplar:
            f.exemplarKind = r.subkind; f.name = r.title; f.recognisedBy = r.recognisedBy
        case nil:
            break
        }
        fields = f
    }

    var auditText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// Who may write what, where. Checked on every change, against the unit and day of the record.
enum Permissions {
    /// Kinds a team leader records for the team's own village.
    static let teamKinds: Set<RecordKind> = [.informationSource, .patrol, .fireActivity, .propaganda, .reformVisit]

    static func canWrite(_ user: User, kind: RecordKind, commune: UUID, village: UUID?, on date: LocalDate,
                         graph: UnitGraph) -> Bool {
        guard user.role == .teamLeader else { return canWriteCommune(user, commune, on: date, graph: graph) }
        guard teamKinds.contains(kind), let village, let home = user.$unit.id else { return false }
        return village == home
    }

    /// Commune-level data (figures, self-scores): the admin, the secretariat and commune police inside their unit.
    static func canWriteCommune(_ user: User, _ commune: UUID, on date: LocalDate, graph: UnitGraph) -> Bool {
        switch user.role {
        case .viewer, .teamLeader: return false
        case .admin: return true
        case .secretariat: return user.$unit.id == nil || covers(user, commune, on: date, graph: graph)
        case .communeOfficer: return covers(user, commune, on: date, graph: graph)
        }
    }

    /// The committee's own acts on a commune (reviewed scores, bonus and penalty points): the admin, and the
    /// secretariat within its unit.
    static func canReview(_ user: User, _ commune: UUID, on date: LocalDate, graph: UnitGraph) -> Bool {
        user.role == .admin || user.role == .secretariat && covers(user, commune, on: date, graph: graph)
    }

    /// The account's unit holds the commune on that day, or the account's unit was later formed from it.
    static func covers(_ user: User, _ commune: UUID, on date: LocalDate, graph: UnitGraph) -> Bool {
        guard let home = user.$unit.id, let homeUnit = graph.units[home] else {
            return user.$unit.id == nil && (user.role == .admin || user.role == .secretariat)
        }
        if home == commune || graph.isDescendant(commune, of: home, on: date) { return true }
        if !homeUnit.isValid(on: date) {
            return graph.constituents(of: home, structureDate: homeUnit.validFrom, on: date).contains { $0.unit.id == commune }
        }
        return false
    }

    /// Personal data (members, reform cases, tipsters) is for those who work with it in that unit; viewers read
    /// figures, never people.
    static func seesPersonalData(_ user: User, _ unitID: UUID, on date: LocalDate, graph: UnitGraph) -> Bool {
        user.role != .viewer && covers(user, unitID, on: date, graph: graph)
    }

    /// What an account may read: a team leader its village's records, others the communes of their unit (and
    /// those their 2025 unit was formed from), the central accounts everything.
    enum Reach {
        case all
        case village(UUID?)
        case communes(Set<UUID>)

        func includes(commune: UUID, village: UUID?) -> Bool {
            switch self {
            case .all: true
            case .village(let home): village != nil && village == home
            case .communes(let set): set.contains(commune)
            }
        }
    }

    static func reach(_ user: User, graph: UnitGraph) -> Reach {
        if user.role == .teamLeader { return .village(user.$unit.id) }
        return readableCommunes(user, graph: graph).map(Reach.communes) ?? .all
    }

    /// The communes whose records an account may read; nil for all.
    static func readableCommunes(_ user: User, graph: UnitGraph) -> Set<UUID>? {
        guard let home = user.$unit.id, let homeUnit = graph.units[home] else { return nil }
        var result = Set(graph.communes(within: home, today: VietnamTime.localDate(of: Date())).map(\.id))
        if homeUnit.level == .village, let commune = graph.ancestor(of: home, at: .commune, on: homeUnit.validFrom) {
            result.insert(commune)
        }
        for id in Array(result) where graph.successions.contains(where: { $0.successorID == id }) {
            let u = graph.units[id]!
            for c in graph.constituents(of: id, structureDate: u.validFrom, on: u.validFrom.adding(days: -1)) {
                result.insert(c.unit.id)
            }
        }
        return result
    }
}

enum RecordService {
    /// Where a record happened: the village (if given) decides the commune on that day.
    static func place(unit: String?, village: String?, on date: LocalDate, graph: UnitGraph,
                      errors: inout [String: String]) -> (commune: UnitInfo, village: UnitInfo?)? {
        var villageInfo: UnitInfo?
        if let village {
            guard let id = UUID(uuidString: village), let v = graph.units[id], v.level == .village else {
                errors["village"] = "field.unknownUnit"
                return nil
            }
            guard v.isValid(on: date) else {
                errors["village"] = "field.unitNotValidOnDate"
                return nil
            }
            villageInfo = v
        }
        var commune: UnitInfo?
        if let unit {
            guard let u = UnitService.find(unit, on: date, in: graph), u.level == .commune else {
                errors["unit"] = "field.unknownCommune"
                return nil
            }
            guard u.isValid(on: date) else {
                errors["unit"] = "field.unitNotValidOnDate"
                return nil
            }
            commune = u
        }
        if let v = villageInfo {
            let owner = graph.ancestor(of: v.id, at: .commune, on: date).flatMap { graph.units[$0] }
            if let commune, owner?.id != commune.id {
                errors["village"] = "field.villageNotInUnit"
                return nil
            }
            commune = commune ?? owner
        }
        guard let commune else {
            errors["unit"] = "field.required"
            return nil
        }
        return (commune, villageInfo)
    }

    /// Checks a record whole, then stores it with its audit entry. Throws a 422 with every field's message.
    static func save(_ input: RecordInput, into record: Record, user: User, graph: UnitGraph, on db: any Database,
                     creating: Bool) async throws -> Record {
        var errors: [String: String] = [:]
        let kindName = creating ? input.kind : record.kind
        guard let kindName, let kind = RecordKind(rawValue: kindName) else {
            throw AppError(.unprocessableEntity, "records.invalid", fields: ["kind": input.kind == nil ? "field.required" : "field.notAllowed"])
        }
        if !creating, let k = input.kind, k != record.kind { errors["kind"] = "field.kindFixed" }
        var date = input.date.flatMap { LocalDate(iso: $0) }
        if input.date != nil, date == nil { errors["date"] = "field.date" }
        if input.date == nil, kind == .patrol, let s = input.fields.startedAt { date = VietnamTime.localDate(of: s) }
        if input.date == nil && date == nil && errors["date"] == nil { errors["date"] = "field.required" }
        if let d = date, d > VietnamTime.localDate(of: Date()) { errors["date"] = "field.future" }
        var place: (commune: UnitInfo, village: UnitInfo?)?
        if let date { place = Self.place(unit: input.unit, village: input.village, on: date, graph: graph, errors: &errors) }
        let before = creating ? nil : RecordJSON(record, graph: graph, personal: false).auditText
        if let date {
            errors.merge(input.apply(to: record, kind: kind, date: date)) { a, _ in a }
        }
        if kind == .reformVisit, let caseID = record.reformCaseID, let place {
            let found = try await Record.query(on: db).filter(\.$id == caseID).filter(\.$kind == RecordKind.reformCase.rawValue).first()
            if found == nil || found?.communeID != place.commune.id && !graph.constituents(
                of: place.commune.id, structureDate: place.commune.validFrom, on: place.commune.validFrom.adding(days: -1)
            ).contains(where: { $0.unit.id == found?.communeID }) {
                errors["reformCase"] = "field.reformCaseUnknown"
            }
        }
        guard errors.isEmpty, let date, let place else {
            throw AppError(.unprocessableEntity, "records.invalid", fields: errors)
        }
        guard Permissions.canWrite(user, kind: kind, commune: place.commune.id, village: place.village?.id, on: date,
                                   graph: graph) else {
            throw AppError.forbidden
        }
        if !creating, !Permissions.canWrite(user, kind: kind, commune: record.communeID, village: record.villageID,
                                            on: LocalDate(iso: record.occurredOn) ?? date, graph: graph) {
            throw AppError.forbidden
        }
        record.kind = kind.rawValue
        record.communeID = place.commune.id
        record.villageID = place.village?.id
        record.occurredOn = date.iso
        let userID = try user.requireID()
        if creating { record.createdBy = userID }
        try await db.transaction { tx in
            if creating { try await record.create(on: tx) } else { try await record.update(on: tx) }
            try await AuditLog.record(on: tx, actor: user.username, action: creating ? "record.create" : "record.update",
                                      entity: "record", entityID: record.id?.uuidString, before: before,
                                      after: RecordJSON(record, graph: graph, personal: false).auditText)
        }
        return record
    }

    static func delete(_ record: Record, user: User, graph: UnitGraph, on db: any Database) async throws {
        guard let kind = RecordKind(rawValue: record.kind), let date = LocalDate(iso: record.occurredOn),
              Permissions.canWrite(user, kind: kind, commune: record.communeID, village: record.villageID, on: date,
                                   graph: graph) else {
            throw AppError.forbidden
        }
        if kind == .reformCase,
           try await Record.query(on: db).filter(\.$reformCaseID == record.id).count() > 0 {
            throw AppError(.conflict, "records.caseHasVisits")
        }
        let before = RecordJSON(record, graph: graph, personal: false).auditText
        try await db.transaction { tx in
            try await record.delete(on: tx)
            try await AuditLog.record(on: tx, actor: user.username, action: "record.delete", entity: "record",
                                      entityID: record.id?.uuidString, before: before)
        }
    }
}
