import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// The admin's work on accounts, for the pages and the API alike: create, edit, disable and re-enable, reset a
/// password. The rules are `AccountDraft` and `AccountGuard`; this stores, audits and ends sessions.
enum AccountAdmin {
    /// An account as a form or a JSON body gives it; absent fields (nil) keep what is stored on an edit.
    struct Input: Sendable {
        var username: String?
        var displayName: String?
        var role: String?
        var unit: String?
        var active: Bool?
        var headsPolice: Bool?
    }

    struct Filter: Sendable {
        var text: String?
        var role: Role?
        var active: Bool?
        var page = 1
    }

    static let pageSize = 50

    /// Only the admin keeps accounts.
    static func requireAdmin(_ req: Request) throws -> User {
        let user = try req.requireUser()
        guard user.role == .admin else { throw AppError.forbidden }
        return user
    }

    static func find(_ raw: String?, on db: any Database) async throws -> User {
        guard let id = raw.flatMap(UUID.init(uuidString:)), let user = try await User.find(id, on: db) else {
            throw AppError.notFound("error.accountNotFound")
        }
        return user
    }

    static func list(_ filter: Filter, on db: any Database) async throws -> (users: [User], total: Int) {
        let query = User.query(on: db)
        if let role = filter.role { query.filter(\.$role == role) }
        if let active = filter.active { query.filter(\.$active == active) }
        if let text = filter.text {
            // A bound value; a `%` or `_` typed only widens the match.
            let pattern = "%" + text + "%"
            let like = SQLDialect(db).likeIgnoringCase
            query.group(.or) { any in
                any.filter(\.$username, .custom(like), pattern)
                any.filter(\.$displayName, .custom(like), pattern)
            }
        }
        let total = try await query.count()
        let users = try await query.sort(\.$username)
            .range(((filter.page - 1) * pageSize)..<(filter.page * pageSize)).all()
        return (users, total)
    }

    /// The draft an input makes with an account's stored values where the input is silent, and the unit found.
    static func draft(_ input: Input, over user: User?, graph: UnitGraph, today: LocalDate) -> (AccountDraft, UUID?) {
        let unitKey = input.unit.map { $0.trimmingCharacters(in: .whitespaces) }
        var unitID: UUID? = user?.$unit.id
        var lookup: AccountDraft.UnitLookup = unitID.flatMap { graph.units[$0] }.map { .found($0.level) } ?? .none
        if let unitKey {
            if unitKey.isEmpty {
                unitID = nil
                lookup = .none
            } else if let unit = UnitService.find(unitKey, on: today, in: graph) {
                unitID = unit.id
                lookup = .found(unit.level)
            } else {
                unitID = nil
                lookup = .unknown
            }
        }
        let roleName = input.role ?? user?.role.rawValue ?? ""
        // Not said: the stored mark stays while the account stays commune police, and goes with that role.
        let headsPolice = input.headsPolice ?? ((user?.headsPolice ?? false) && roleName == Role.communeOfficer.rawValue)
        let draft = AccountDraft(username: (input.username ?? user?.username ?? "").trimmingCharacters(in: .whitespaces),
                                 displayName: input.displayName ?? user?.displayName ?? "",
                                 roleName: roleName, unit: lookup, headsPolice: headsPolice)
        return (draft, unitID)
    }

    /// A new account with a one-time password, which is returned and never stored.
    static func create(_ input: Input, by admin: User, graph: UnitGraph, today: LocalDate, on db: any Database) async throws -> (User, String) {
        let (draft, unitID) = draft(input, over: nil, graph: graph, today: today)
        var errors = draft.problems()
        if errors["username"] == nil, try await User.query(on: db).filter(\.$username == draft.username).first() != nil {
            errors["username"] = "field.usernameTaken"
        }
        guard errors.isEmpty, let role = draft.role else { throw AppError(.unprocessableEntity, "records.invalid", fields: errors) }
        let password = PasswordRules.oneTime()
        let user = User(username: draft.username, displayName: draft.displayName.trimmingCharacters(in: .whitespacesAndNewlines),
                        passwordHash: try Bcrypt.hash(password), role: role, unitID: unitID)
        user.mustChangePassword = true
        user.headsPolice = draft.headsPolice
        try await db.audited { tx in
            try await user.create(on: tx)
            try await AuditLog.record(on: tx, actor: admin.username, action: "user.create", entity: "user",
                                      entityID: user.id?.uuidString, after: snapshot(user))
        }
        return (user, password)
    }

    /// Name, role, unit and whether it may sign in. The username stays: the audit log names people by it.
    static func update(_ user: User, with input: Input, by admin: User, graph: UnitGraph, today: LocalDate, on db: any Database) async throws {
        let (draft, unitID) = draft(Input(displayName: input.displayName, role: input.role, unit: input.unit, headsPolice: input.headsPolice),
                                    over: user, graph: graph, today: today)
        let errors = draft.problems(checkUsername: false)
        guard errors.isEmpty, let role = draft.role else { throw AppError(.unprocessableEntity, "records.invalid", fields: errors) }
        let active = input.active ?? user.active
        try await guardAdmins(user, role: role, active: active, by: admin, on: db)
        let before = snapshot(user)
        let wasActive = user.active
        let disabling = wasActive && !active
        user.displayName = draft.displayName.trimmingCharacters(in: .whitespacesAndNewlines)
        user.role = role
        // An admin works everywhere: a unit left on the account would mean nothing.
        user.$unit.id = role == .admin ? nil : unitID
        user.active = active
        user.headsPolice = draft.headsPolice
        let action = wasActive == active ? "user.update" : (active ? "user.enable" : "user.disable")
        try await db.audited { tx in
            if disabling { try await endAccess(user, on: tx) }
            try await user.update(on: tx)
            try await AuditLog.record(on: tx, actor: admin.username, action: action, entity: "user",
                                      entityID: user.id?.uuidString, before: before, after: snapshot(user))
        }
    }

    /// A new one-time password: every session and token of the account ends, and the person chooses their own at
    /// the next sign-in.
    static func resetPassword(_ user: User, by admin: User, on db: any Database) async throws -> String {
        if let refusal = AccountGuard.checkReset(isSelf: user.id == admin.id) { throw AppError(.conflict, refusal.rawValue) }
        let password = PasswordRules.oneTime()
        user.passwordHash = try Bcrypt.hash(password)
        user.mustChangePassword = true
        try await db.audited { tx in
            try await endAccess(user, on: tx)
            try await user.update(on: tx)
            try await AuditLog.record(on: tx, actor: admin.username, action: "user.resetPassword", entity: "user",
                                      entityID: user.id?.uuidString)
        }
        return password
    }

    /// Refuses a change that would lock the admin out or leave nobody to keep the accounts.
    static func guardAdmins(_ user: User, role: Role, active: Bool, by admin: User, on db: any Database) async throws {
        let activeAdmins = try await User.query(on: db).filter(\.$role == .admin).filter(\.$active == true).count()
        if let refusal = AccountGuard.check(isSelf: user.id == admin.id, wasActiveAdmin: user.role == .admin && user.active,
                                            staysActiveAdmin: role == .admin && active, activeAdmins: activeAdmins) {
            throw AppError(.conflict, refusal.rawValue)
        }
    }

    /// Sessions begun before now are over, and the account's API tokens are revoked.
    private static func endAccess(_ user: User, on db: any Database) async throws {
        let now = Date()
        user.sessionsValidAfter = now
        try await APIToken.query(on: db).filter(\.$user.$id == user.requireID()).filter(\.$revokedAt == nil)
            .set(\.$revokedAt, to: now).update()
    }

    /// What the audit log keeps of an account: never its password hash.
    static func snapshot(_ user: User) -> String {
        struct Shape: Encodable {
            var username: String
            var displayName: String
            var role: String
            var unit: String?
            var active: Bool
            var headsPolice: Bool
        }
        let shape = Shape(username: user.username, displayName: user.displayName, role: user.role.rawValue,
                          unit: user.$unit.id?.uuidString, active: user.active, headsPolice: user.headsPolice)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(shape)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
