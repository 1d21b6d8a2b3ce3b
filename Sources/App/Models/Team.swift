import Fluent
import Foundation
import ThiDuaCore

/// The security and order team (Tổ bảo vệ an ninh, trật tự) of one village or residential group.
final class Team: Model, @unchecked Sendable {
    static let schema = "teams"

    @ID(key: .id) var id: UUID?
    @Parent(key: "village_id") var village: Unit
    @Field(key: "name") var name: String
    @Field(key: "established_on") var establishedOn: String
    @OptionalField(key: "dissolved_on") var dissolvedOn: String?
    @Field(key: "sample") var sample: Bool
    @Children(for: \.$team) var members: [Member]

    init() {}

    /// A village's team as the law calls it ("Tổ bảo vệ ANTT khu Vàng Danh 3"), for a team made with its village.
    static func name(for village: UnitInfo) -> String { "Tổ bảo vệ ANTT \(village.fullName)" }

    init(id: UUID? = nil, villageID: UUID, name: String, establishedOn: String, sample: Bool) {
        self.id = id
        self.$village.id = villageID
        self.name = name
        self.establishedOn = establishedOn
        self.sample = sample
    }
}

/// A recognised member of a team. Personal data: shown only inside the owning commune's scope.
final class Member: Model, @unchecked Sendable {
    static let schema = "members"

    typealias Role = MemberRole

    @ID(key: .id) var id: UUID?
    @Parent(key: "team_id") var team: Team
    @Field(key: "full_name") var fullName: String
    @Enum(key: "role") var role: Role
    @OptionalField(key: "phone") var phone: String?
    @Field(key: "recognised_on") var recognisedOn: String
    @OptionalField(key: "left_on") var leftOn: String?
    @Field(key: "sample") var sample: Bool

    init() {}

    init(id: UUID? = nil, teamID: UUID, fullName: String, role: Role, phone: String?, recognisedOn: String,
         sample: Bool) {
        self.id = id
        self.$team.id = teamID
        self.fullName = fullName
        self.role = role
        self.phone = phone
        self.recognisedOn = recognisedOn
        self.sample = sample
    }
}
