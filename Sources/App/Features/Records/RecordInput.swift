import Foundation
import ThiDuaCore
import Vapor

/// A record as the API takes it: where and when, then the kind's own fields at the same level.
struct RecordInput: Vapor.Content {
    var kind: String?
    /// The commune-level unit: a national code or a UUID. May be left out when `village` is given.
    var unit: String?
    /// A village or residential group (UUID).
    var village: String?
    /// `YYYY-MM-DD` in Vietnam. For a patrol, defaults to the day it started.
    var date: String?
    var fields: RecordFields

    enum CodingKeys: String, CodingKey { case kind, unit, village, date }

    init(kind: String?, unit: String?, village: String?, date: String?, fields: RecordFields) {
        self.kind = kind
        self.unit = unit
        self.village = village
        self.date = date
        self.fields = fields
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decodeIfPresent(String.self, forKey: .kind)
        unit = try c.decodeIfPresent(String.self, forKey: .unit)
        village = try c.decodeIfPresent(String.self, forKey: .village)
        date = try c.decodeIfPresent(String.self, forKey: .date)
        fields = try RecordFields(from: decoder)
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(kind, forKey: .kind)
        try c.encodeIfPresent(unit, forKey: .unit)
        try c.encodeIfPresent(village, forKey: .village)
        try c.encodeIfPresent(date, forKey: .date)
        try fields.encode(to: encoder)
    }
}

extension Record {
    /// Stores a checked draft's values, clearing every other kind's column, so a correction leaves nothing of the
    /// old version behind.
    func apply(_ v: RecordValues) {
        category = v.category; origin = v.origin; status = v.status; flag = v.flag; flagOn = v.flagOn
        subkind = v.subkind; title = v.title; quantity = v.quantity; participants = v.participants
        startedAt = v.startedAt; endedAt = v.endedAt; reformCaseID = v.reformCaseID; personCode = v.personCode
        personName = v.personName; recognisedBy = v.recognisedBy; endedOn = v.endedOn
    }
}
