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

/// Reading by reach: the same rule as writing (`Reach`), as a condition on a query.
enum ReachFilter {
    /// Limits a query of records to those the reach includes.
    static func records(_ query: QueryBuilder<Record>, _ reach: Reach) {
        placed(query, reach, commune: "commune_id", village: "village_id", day: "occurred_on")
    }

    /// Limits a query of anything placed in a commune (and maybe a village) on a day, by the columns that say
    /// where and when: records, tips.
    static func placed<M: Model>(_ query: QueryBuilder<M>, _ reach: Reach, commune: FieldKey, village: FieldKey, day: FieldKey) {
        func field(_ key: FieldKey) -> DatabaseQuery.Field { .path([key], schema: M.schemaOrAlias) }
        func ids(_ set: Set<UUID>) -> DatabaseQuery.Value { .array(set.sorted { $0.uuidString < $1.uuidString }.map { .bind($0) }) }
        switch reach {
        case .all: break
        case .nothing, .grants([]): query.filter(field(.id), .equal, .bind(UUID()))
        case .village(let home): query.filter(field(village), .equal, .bind(home))
        case .grants(let grants):
            anyGrant(query, grants) { all, g in
                all.filter(field(commune), .subset(inverse: false), ids(g.communes))
                if let villages = g.villages {
                    all.group(.or) { $0.filter(field(village), .equal, .null).filter(field(village), .subset(inverse: false), ids(villages)) }
                }
                if let from = g.from { all.filter(field(day), .greaterThanOrEqual, .bind(from.iso)) }
                if let to = g.to { all.filter(field(day), .lessThanOrEqual, .bind(to.iso)) }
            }
        }
    }

    /// Limits a query of monthly figures to the communes and months the reach includes; a team leader reads its
    /// village's commune's figures.
    static func figures(_ query: QueryBuilder<Figure>, _ reach: Reach, graph: UnitGraph) {
        switch reach {
        case .all: break
        case .nothing, .grants([]): query.filter(\.$id == UUID())
        case .village(let home):
            let communes = Set(graph.segments().compactMap { graph.ancestor(of: home, at: .commune, on: $0.representative) })
            query.filter(\.$communeID ~~ Array(communes))
        case .grants(let grants):
            anyGrant(query, grants) { all, g in
                all.filter(\.$communeID ~~ Array(g.communes))
                if let from = g.from { all.filter(\.$month >= Month(from).text) }
                if let to = g.to { all.filter(\.$month <= Month(to).text) }
            }
        }
    }

    /// Rows that meet the conditions of any one grant.
    private static func anyGrant<M: Model>(_ query: QueryBuilder<M>, _ grants: [Grant],
                                           _ conditions: @escaping (QueryBuilder<M>, Grant) -> Void) {
        query.group(.or) { any in
            for g in grants { any.group(.and) { conditions($0, g) } }
        }
    }
}

enum RecordService {
    /// Where a record happened: the village (if given) decides the commune on that day.
    static func place(unit: String?, village: String?, on date: LocalDate, graph: UnitGraph,
                      errors: inout [String: String]) -> (commune: UnitInfo, village: UnitInfo?)? {
        var villageInfo: UnitInfo?
        if let village {
            // By its id or its code (`24848-01`), as every other unit.
            guard let v = UnitService.find(village, on: date, in: graph), v.level == .village else {
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
    /// `formErrors`: what a form could not read (a clock time, a number), reported with the draft's own.
    /// `version`: the stored record's version the change was made on (an edit form's), when it says one.
    static func save(_ input: RecordInput, into record: Record, user: User, graph: UnitGraph, on db: any Database,
                     creating: Bool, today: LocalDate = VietnamTime.localDate(of: Date()),
                     formErrors: [String: String] = [:], version: String? = nil) async throws -> Record {
        if !creating { try Self.expect(version, of: record) }
        var errors = formErrors
        let kindName = creating ? input.kind : record.kind
        guard let kindName, let kind = RecordKind(rawValue: kindName) else {
            throw AppError(.unprocessableEntity, "records.invalid", fields: ["kind": input.kind == nil ? "field.required" : "field.notAllowed"])
        }
        if !creating, record.createdBy == Tip.citizen { throw AppError(.conflict, "records.tipInInbox") }
        if !creating, let k = input.kind, k != record.kind { errors["kind"] = "field.kindFixed" }
        var date = input.date.flatMap { LocalDate(iso: $0) }
        if input.date != nil, date == nil { errors["date"] = "field.date" }
        if input.date == nil, kind == .patrol, let s = input.fields.startedAt { date = VietnamTime.localDate(of: s) }
        if input.date == nil && date == nil && errors["date"] == nil { errors["date"] = "field.required" }
        if let d = date, d > today { errors["date"] = "field.future" }
        var place: (commune: UnitInfo, village: UnitInfo?)?
        if let date { place = Self.place(unit: input.unit, village: input.village, on: date, graph: graph, errors: &errors) }
        let before = creating ? nil : RecordJSON(record, graph: graph, personal: false).auditText
        // Every field is checked even when the date is not, so that one mistake does not hide the others.
        let draft = RecordDraft.check(kind: kind, fields: input.fields, date: date, today: today)
        // The form's reading of a field comes first: "not a whole number" says more than "required".
        errors.merge(draft.errors) { a, _ in a }
        record.apply(draft.values)
        let reach = user.reach(graph)
        if kind == .reformVisit, let caseID = record.reformCaseID, let place {
            // The case must be one this account may read, of the visit's commune or of one it was formed from.
            let found = try await Record.query(on: db).filter(\.$id == caseID).filter(\.$kind == RecordKind.reformCase.rawValue).first()
            let readable = found.map { Self.canRead($0, role: user.role, reach: reach) } ?? false
            let sameCommune = found.map { c in
                c.communeID == place.commune.id || graph.formedFrom(place.commune.id).contains { $0.unit.id == c.communeID }
            } ?? false
            let sameVillage = user.role != .teamLeader || found?.villageID == place.village?.id
            if !(readable && sameCommune && sameVillage) { errors["reformCase"] = "field.reformCaseUnknown" }
        }
        guard errors.isEmpty, let date, let place else {
            throw AppError(.unprocessableEntity, "records.invalid", fields: errors)
        }
        guard Permissions.canWrite(role: user.role, reach: reach, kind: kind, commune: place.commune.id,
                                   village: place.village?.id, on: date) else {
            throw AppError.forbidden
        }
        if !creating, !Self.canWrite(record, user: user, reach: reach) { throw AppError.forbidden }
        // An approved month takes no writes: neither the month a record leaves nor the one it goes to.
        var months = [(commune: place.commune.id, month: Month(date))]
        if !creating, let old = LocalDate(iso: record.occurredOn) { months.append((record.communeID, Month(old))) }
        // Where the stored record was when read (a new one has no place yet).
        let seen = creating ? nil : Seen(record)
        record.kind = kind.rawValue
        record.communeID = place.commune.id
        record.villageID = place.village?.id
        record.occurredOn = date.iso
        let userID = try user.requireID()
        if creating { record.createdBy = userID }
        let held = months
        try await db.audited { tx in
            try await MonthReviewService.holdOpen(held, graph: graph, on: tx)
            if let seen { try await Self.holdUnchanged(try record.requireID(), seen: seen, on: tx) }
            if creating { try await record.create(on: tx) } else { try await record.update(on: tx) }
            try await AuditLog.record(on: tx, actor: user.username, action: creating ? "record.create" : "record.update",
                                      entity: "record", entityID: record.id?.uuidString, before: before,
                                      after: RecordJSON(record, graph: graph, personal: false).auditText)
        }
        return record
    }

    /// The version a change was made on (an edit form's, an `If-Match`), when it names one: a record saved since
    /// by someone else is neither overwritten nor deleted.
    static func expect(_ version: String?, of record: Record) throws {
        if let version, version != record.version { throw AppError(.conflict, "records.changedMeanwhile") }
    }

    /// A stored record as a change read it: where it was, and when it last changed.
    struct Seen: Equatable {
        let communeID: UUID
        let occurredOn: String
        let updatedAt: Date?

        init(_ record: Record) {
            (communeID, occurredOn, updatedAt) = (record.communeID, record.occurredOn, record.updatedAt)
        }
    }

    /// Holds a stored record for the rest of the transaction and reads it again. The month held is its month only if
    /// no one moved it meanwhile (perhaps into a month since approved), and what the change was built on is the
    /// record only if no one changed any of its fields: otherwise, and when it is gone, the change is refused and
    /// the person reads it again, rather than overwriting another's change with an audit entry that never saw it.
    static func holdUnchanged(_ id: UUID, seen: Seen, on tx: any Database) async throws {
        try await RowLock.hold(Record.schema, id: id, on: tx)
        guard let now = try await Record.query(on: tx).filter(\.$id == id)
            .field(\.$id).field(\.$communeID).field(\.$occurredOn).field(\.$updatedAt).first() else {
            throw AppError.notFound("error.recordNotFound")
        }
        if Seen(now) != seen { throw AppError(.conflict, "records.changedMeanwhile") }
    }

    /// A commune's latest records this account may read: its own, and those of the units it was formed from.
    static func latest(of unit: UnitInfo, role: Role, reach: Reach, graph: UnitGraph, limit: Int, on db: any Database) async throws -> [Record] {
        let communes = [unit.id] + graph.formedFrom(unit.id).map(\.unit.id)
        let query = Record.query(on: db).filter(\.$communeID ~~ communes)
        Self.readable(query, role: role, reach: reach)
        return try await query.sort(\.$occurredOn, .descending).sort(\.$createdAt, .descending).limit(limit).all()
    }

    /// Whether an account may correct or delete a stored record, as it stands.
    static func canWrite(_ record: Record, user: User, reach: Reach) -> Bool {
        // A citizen's tip is worked in the inbox, whose statuses and transfers keep it and its record in step.
        guard record.createdBy != Tip.citizen else { return false }
        guard let kind = RecordKind(rawValue: record.kind), let date = LocalDate(iso: record.occurredOn) else { return false }
        return Permissions.canWrite(role: user.role, reach: reach, kind: kind, commune: record.communeID,
                                    village: record.villageID, on: date)
    }

    /// Whether an account may read a stored record.
    static func canRead(_ record: Record, role: Role, reach: Reach) -> Bool {
        guard let date = LocalDate(iso: record.occurredOn) else { return false }
        if record.createdBy == Tip.citizen && !Permissions.seesTipRecords(role) { return false }
        return reach.includes(commune: record.communeID, village: record.villageID, on: date)
    }

    /// The records an account reads, as `canRead` says, in SQL.
    static func readable(_ query: QueryBuilder<Record>, role: Role, reach: Reach) {
        ReachFilter.records(query, reach)
        if !Permissions.seesTipRecords(role) { query.filter(\.$createdBy != Tip.citizen) }
    }

    static func delete(_ record: Record, user: User, graph: UnitGraph, on db: any Database, version: String? = nil) async throws {
        try Self.expect(version, of: record)
        if record.createdBy == Tip.citizen { throw AppError(.conflict, "records.tipInInbox") }
        guard Self.canWrite(record, user: user, reach: user.reach(graph)) else { throw AppError.forbidden }
        let before = RecordJSON(record, graph: graph, personal: false).auditText
        try await db.audited { tx in
            if let day = LocalDate(iso: record.occurredOn) {
                try await MonthReviewService.holdOpen(record.communeID, Month(day), graph: graph, on: tx)
            }
            try await Self.holdUnchanged(try record.requireID(), seen: Seen(record), on: tx)
            // Inside, so that a visit added to the case meanwhile is counted.
            if record.kind == RecordKind.reformCase.rawValue,
               try await Record.query(on: tx).filter(\.$reformCaseID == record.id).count() > 0 {
                throw AppError(.conflict, "records.caseHasVisits")
            }
            try await record.delete(on: tx)
            try await RemovedRow(id: try record.requireID(), entity: .record, kind: record.kind, commune: record.communeID, village: record.villageID,
                                 day: record.occurredOn, by: user.username).create(on: tx)
            try await AuditLog.record(on: tx, actor: user.username, action: "record.delete", entity: "record",
                                      entityID: record.id?.uuidString, before: before)
        }
    }
}
