import Fluent
import Foundation
import ThiDuaCore
import Vapor

final class User: Model, @unchecked Sendable {
    static let schema = "users"

    // Managed
    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    // Data
    @Field(key: "username") var username: String
    @Field(key: "display_name") var displayName: String
    @Field(key: "password_hash") var passwordHash: String
    @Enum(key: "role") var role: Role
    @Field(key: "active") var active: Bool
    /// Sessions begun before this are over (signed out of every device).
    @OptionalField(key: "sessions_valid_after") var sessionsValidAfter: Date?
    /// Set by an admin's reset: every page asks for a new password first.
    @Field(key: "must_change_password") var mustChangePassword: Bool
    /// The head of its commune's police: reads the contact details of every tip of the commune it works.
    @Field(key: "heads_police") var headsPolice: Bool

    // Relationships
    /// The unit whose subtree the account works in; none for the whole system.
    @OptionalParent(key: "unit_id") var unit: Unit?

    init() {}

    init(id: UUID? = nil, username: String, displayName: String, passwordHash: String, role: Role, unitID: UUID?) {
        self.id = id
        self.username = username
        self.displayName = displayName
        self.passwordHash = passwordHash
        self.role = role
        self.active = true
        self.mustChangePassword = false
        self.headsPolice = false
        self.$unit.id = unitID
    }
}

extension User: ModelSessionAuthenticatable {}

extension User {
    /// Where this account may act, in a structure (see `Reach`).
    func reach(_ graph: UnitGraph) -> Reach { Reach.of(role: role, unit: $unit.id, graph: graph) }
}

/// A failed sign-in (web or API) for a username, kept only as long as it counts towards a lock. Whether the
/// account exists makes no difference, so the lock tells nobody which usernames do. No address is stored.
final class SignInFailure: Model, @unchecked Sendable {
    static let schema = "sign_in_failures"

    @ID(key: .id) var id: UUID?
    /// The username as typed, in lower case.
    @Field(key: "username_key") var usernameKey: String
    @Field(key: "at") var at: Date

    init() {}

    init(usernameKey: String, at: Date) {
        self.usernameKey = usernameKey
        self.at = at
    }
}

/// A bearer token for the API. Only its SHA-256 is stored; the token itself is shown once.
final class APIToken: Model, @unchecked Sendable {
    static let schema = "api_tokens"

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Parent(key: "user_id") var user: User
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "revoked_at") var revokedAt: Date?

    init() {}

    init(userID: UUID, tokenHash: String, expiresAt: Date) {
        self.$user.id = userID
        self.tokenHash = tokenHash
        self.expiresAt = expiresAt
    }
}
