import Fluent
import Foundation
import ThiDuaCore
import Vapor

/// The admin's accounts over the API: the same service and rules as the pages.
struct AccountsAPI: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let accounts = routes.grouped(APISignIn()).grouped("accounts")
        accounts.get(use: list)
        accounts.post(use: create)
        accounts.get(":account", use: show)
        accounts.patch(":account", use: update)
        accounts.post(":account", "reset-password", use: resetPassword)
    }

    struct AccountJSON: Vapor.Content {
        var id: String
        var username: String
        var displayName: String
        var role: String
        var unit: String?
        var unitName: String?
        var active: Bool
        var mustChangePassword: Bool
        var headsPolice: Bool
        var createdAt: Date?
    }

    struct ListJSON: Vapor.Content {
        var accounts: [AccountJSON]
        var total: Int
        var page: Int
        var pageSize: Int
    }

    /// An account with a password made for it, shown this once.
    struct PasswordJSON: Vapor.Content {
        var account: AccountJSON
        var password: String
    }

    struct Body: Vapor.Content {
        var username: String?
        var displayName: String?
        var role: String?
        var unit: String?
        var active: Bool?
        var headsPolice: Bool?
    }

    static func json(_ user: User, graph: UnitGraph) -> AccountJSON {
        AccountJSON(id: user.id?.uuidString ?? "", username: user.username, displayName: user.displayName, role: user.role.rawValue,
                    unit: user.$unit.id?.uuidString, unitName: user.$unit.id.flatMap { graph.units[$0]?.fullName }, active: user.active,
                    mustChangePassword: user.mustChangePassword, headsPolice: user.headsPolice, createdAt: user.createdAt)
    }

    static func body(_ req: Request) throws -> Body {
        do { return try req.content.decode(Body.self) } catch { throw AppError.badRequest("error.badInput") }
    }

    @Sendable func list(req: Request) async throws -> ListJSON {
        _ = try AccountAdmin.requireAdmin(req)
        var filter = AccountAdmin.Filter()
        if let text = try? req.query.get(String.self, at: "q"), !text.isEmpty { filter.text = String(text.prefix(64)) }
        if let role = try? req.query.get(String.self, at: "role"), !role.isEmpty {
            guard let r = Role(rawValue: role) else {
                throw AppError.badRequest("error.badParameter", ["name": "role", "allowed": Role.allCases.map(\.rawValue).joined(separator: ", ")])
            }
            filter.role = r
        }
        if let active = try? req.query.get(String.self, at: "active"), !active.isEmpty {
            guard let value = Bool(active) else { throw AppError.badRequest("error.badParameter", ["name": "active", "allowed": "true, false"]) }
            filter.active = value
        }
        filter.page = try UnitsAPI.intParameter(req, name: "page", in: 1...1_000_000) ?? 1
        let (users, total) = try await AccountAdmin.list(filter, on: req.db)
        let graph = try await req.unitGraph()
        return ListJSON(accounts: users.map { Self.json($0, graph: graph) }, total: total, page: filter.page, pageSize: AccountAdmin.pageSize)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let admin = try AccountAdmin.requireAdmin(req)
        let body = try Self.body(req)
        let graph = try await req.unitGraph()
        let (user, password) = try await AccountAdmin.create(
            .init(username: body.username ?? "", displayName: body.displayName ?? "", role: body.role ?? "", unit: body.unit ?? "",
                  headsPolice: body.headsPolice ?? false),
            by: admin, graph: graph, today: VietnamTime.localDate(of: Date()), on: req.db)
        return try await PasswordJSON(account: Self.json(user, graph: graph), password: password).encodeResponse(status: .created, for: req)
    }

    @Sendable func show(req: Request) async throws -> AccountJSON {
        _ = try AccountAdmin.requireAdmin(req)
        let user = try await AccountAdmin.find(req.parameters.get("account"), on: req.db)
        return Self.json(user, graph: try await req.unitGraph())
    }

    /// Only the fields given change; the username never does.
    @Sendable func update(req: Request) async throws -> AccountJSON {
        let admin = try AccountAdmin.requireAdmin(req)
        let user = try await AccountAdmin.find(req.parameters.get("account"), on: req.db)
        let body = try Self.body(req)
        if let name = body.username, name != user.username {
            throw AppError(.unprocessableEntity, "records.invalid", fields: ["username": "field.usernameFixed"])
        }
        let graph = try await req.unitGraph()
        try await AccountAdmin.update(user, with: .init(displayName: body.displayName, role: body.role, unit: body.unit, active: body.active,
                                                        headsPolice: body.headsPolice),
                                      by: admin, graph: graph, today: VietnamTime.localDate(of: Date()), on: req.db)
        return Self.json(user, graph: graph)
    }

    @Sendable func resetPassword(req: Request) async throws -> PasswordJSON {
        let admin = try AccountAdmin.requireAdmin(req)
        let user = try await AccountAdmin.find(req.parameters.get("account"), on: req.db)
        let password = try await AccountAdmin.resetPassword(user, by: admin, on: req.db)
        return PasswordJSON(account: Self.json(user, graph: try await req.unitGraph()), password: password)
    }
}
