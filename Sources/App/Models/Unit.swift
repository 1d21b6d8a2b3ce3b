import Fluent
import Foundation
import ThiDuaCore

/// An administrative unit over the days it existed. Its parents over time are `UnitParentLink`s.
final class Unit: Model, @unchecked Sendable {
    static let schema = "units"

    // Managed
    @ID(key: .id) var id: UUID?

    // Data
    @OptionalField(key: "code") var code: String?
    @Field(key: "level") var level: String
    @Field(key: "kind") var kind: String
    @Field(key: "name") var name: String
    @OptionalField(key: "population") var population: Int?
    @OptionalField(key: "households") var households: Int?
    /// `YYYY-MM-DD`, inclusive.
    @Field(key: "valid_from") var validFrom: String
    @OptionalField(key: "valid_to") var validTo: String?
    /// Generated or illustrative data (demo villages), shown as such.
    @Field(key: "sample") var sample: Bool

    init() {}

    init(_ info: UnitInfo, sample: Bool) {
        self.id = info.id
        self.code = info.code
        self.level = info.level.rawValue
        self.kind = info.kind
        self.name = info.name
        self.population = info.population
        self.households = info.households
        self.validFrom = info.validFrom.iso
        self.validTo = info.validTo?.iso
        self.sample = sample
    }

    var info: UnitInfo? {
        guard let id, let level = UnitLevel(rawValue: level), let from = LocalDate(iso: validFrom) else { return nil }
        return UnitInfo(id: id, code: code, level: level, kind: kind, name: name, population: population,
                        households: households, validFrom: from, validTo: validTo.flatMap(LocalDate.init(iso:)))
    }
}

final class UnitParentLink: Model, @unchecked Sendable {
    static let schema = "unit_parent_links"

    @ID(key: .id) var id: UUID?
    @Parent(key: "unit_id") var unit: Unit
    @Parent(key: "parent_id") var parent: Unit
    @Field(key: "valid_from") var validFrom: String
    @OptionalField(key: "valid_to") var validTo: String?

    init() {}

    init(_ link: ParentLink) {
        self.$unit.id = link.unitID
        self.$parent.id = link.parentID
        self.validFrom = link.validFrom.iso
        self.validTo = link.validTo?.iso
    }

    var link: ParentLink? {
        guard let from = LocalDate(iso: validFrom) else { return nil }
        return ParentLink(unitID: $unit.id, parentID: $parent.id, validFrom: from,
                          validTo: validTo.flatMap(LocalDate.init(iso:)))
    }
}

final class UnitSuccession: Model, @unchecked Sendable {
    static let schema = "unit_successions"

    @ID(key: .id) var id: UUID?
    @Parent(key: "predecessor_id") var predecessor: Unit
    @Parent(key: "successor_id") var successor: Unit
    @Field(key: "effective") var effective: String
    @Field(key: "whole") var whole: Bool
    @OptionalField(key: "note") var note: String?

    init() {}

    init(_ s: Succession) {
        self.$predecessor.id = s.predecessorID
        self.$successor.id = s.successorID
        self.effective = s.effective.iso
        self.whole = s.whole
        self.note = s.note
    }

    var succession: Succession? {
        guard let date = LocalDate(iso: effective) else { return nil }
        return Succession(predecessorID: $predecessor.id, successorID: $successor.id, effective: date,
                          whole: whole, note: note)
    }
}
