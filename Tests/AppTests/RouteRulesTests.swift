import Fluent
import Foundation
import Testing
import ThiDuaCore
import Vapor
import VaporTesting
@testable import App

/// Every registered route, tried by every role, inside and outside its unit, before and after 01/07/2025, against
/// one written table of rules. A route added without a rule here fails the test.
@Suite("Route by role: one table of who may do what, where, when")
struct RouteRulesTests {
    enum Who: String, CaseIterable {
        case anonymous, admin, secretariat
        /// Commune police of old Vàng Danh (06808), which ended on 30/06/2025.
        case oldOfficer
        /// Commune police of phường Vàng Danh of 2025 (old Vàng Danh, Bắc Sơn, Nam Khê, most of Trưng Vương).
        case newOfficer
        /// Team leader of khu Vàng Danh 3, which moved into the 2025 ward.
        case teamLeader
        /// A viewer of Uông Bí city, which ended on 30/06/2025.
        case viewer
    }

    /// Where and when an act happens.
    enum Place: String, CaseIterable {
        /// Khu Vàng Danh 3 on 05/06/2025, in old Vàng Danh.
        case oldWardBefore
        /// Khu Vàng Danh 3 on 05/08/2025, in phường Vàng Danh of 2025.
        case newWardAfter
        /// Khu Phương Đông 1 on 05/06/2025: outside every Vàng Danh.
        case outside

        var village: UUID {
            self == .outside ? DemoUnits.village("06832", "Phương Đông 1") : DemoUnits.village("06808", "Vàng Danh 3")
        }
        var commune: UUID {
            switch self {
            case .oldWardBefore: DemoUnits.commune("06808")
            case .newWardAfter: DemoUnits.ward2025("Vàng Danh")
            case .outside: DemoUnits.commune("06832")
            }
        }
        var date: String { self == .newWardAfter ? "2025-08-05" : "2025-06-05" }
        var month: String { String(date.prefix(7)) }
    }

    /// Who may read and who may write at a place (the written rule; `Reach` is what the app computes).
    static func mayRead(_ who: Who, _ place: Place) -> Bool {
        switch who {
        case .anonymous: false
        case .admin, .secretariat: true
        case .oldOfficer: place == .oldWardBefore
        case .newOfficer, .teamLeader: place != .outside
        // The city's communes until the city ended, then what they became: its movement goes on in them.
        case .viewer: true
        }
    }

    static func mayWriteRecord(_ who: Who, _ place: Place) -> Bool { who != .viewer && mayRead(who, place) }
    static func mayWriteCommune(_ who: Who, _ place: Place) -> Bool { who != .teamLeader && mayWriteRecord(who, place) }
    static func mayReview(_ who: Who) -> Bool { who == .admin || who == .secretariat }

    /// The routes the table covers, as `METHOD /path`; unscoped routes with the status for a signed-in account
    /// and for nobody.
    static let scoped: Set<String> = [
        "POST /api/v1/records", "GET /api/v1/records", "GET /api/v1/records/:record", "PUT /api/v1/records/:record",
        "DELETE /api/v1/records/:record", "PUT /api/v1/figures", "GET /api/v1/figures", "DELETE /api/v1/figures/:figure",
        "PUT /api/v1/movements/:movement/phases/:phase/assessments",
        "PUT /api/v1/movements/:movement/phases/:phase/adjustments",
        "GET /api/v1/month-reviews", "POST /api/v1/month-reviews",
    ]
    static let unscoped: [String: (path: String, signedIn: HTTPStatus, anonymous: HTTPStatus)] = [
        "GET /healthz": ("/healthz", .ok, .ok),
        "GET /metrics": ("/metrics", .notFound, .notFound),
        "GET /api/v1/openapi.yaml": ("/api/v1/openapi.yaml", .ok, .ok),
        "GET /api/v1/movements": ("/api/v1/movements", .ok, .ok),
        "GET /api/v1/movements/:movement": ("/api/v1/movements/uong-bi-2024-2025", .ok, .ok),
        "GET /api/v1/units": ("/api/v1/units?date=2025-08-05", .ok, .ok),
        "GET /api/v1/units/:unit/predecessors": ("/api/v1/units/06808/predecessors?date=2025-06-05", .ok, .ok),
        "GET /api/v1/me": ("/api/v1/me", .ok, .unauthorized),
        "GET /api/v1/movements/:movement/phases/:phase/results": ("/api/v1/movements/uong-bi-2024-2025/phases/dot-2/results", .ok, .unauthorized),
        "POST /api/v1/auth/token": ("/api/v1/auth/token", .badRequest, .badRequest),
        "DELETE /api/v1/auth/token": ("/api/v1/auth/token", .noContent, .unauthorized),
        // Web pages: a session, not a token; without one they send to the sign-in page (`webRoutes` tries them
        // signed in).
        "GET /": ("/", .seeOther, .seeOther),
        // The plans are public, and a ranking once published (this one is not).
        "GET /movements/:movement": ("/movements/uong-bi-2024-2025", .ok, .ok),
        "GET /movements": ("/movements", .ok, .ok),
        "GET /movements/:movement/phases/:phase/ranking": ("/movements/uong-bi-2024-2025/phases/dot-2/ranking", .notFound, .notFound),
        "POST /movements/:movement/phases/:phase/publish": ("/movements/uong-bi-2024-2025/phases/dot-2/publish", .forbidden, .forbidden),
        "GET /movements/:movement/phases/:phase": ("/movements/uong-bi-2024-2025/phases/dot-2", .seeOther, .seeOther),
        "GET /units/:unit/movements/:movement": ("/units/06808/movements/uong-bi-2024-2025", .seeOther, .seeOther),
        "GET /records": ("/records", .seeOther, .seeOther),
        "GET /records/new": ("/records/new", .seeOther, .seeOther),
        "GET /records/:record": ("/records/\(UUID())", .seeOther, .seeOther),
        "GET /records/:record/delete": ("/records/\(UUID())/delete", .seeOther, .seeOther),
        "GET /teams/:team": ("/teams/\(UUID())", .seeOther, .seeOther),
        "GET /figures/month": ("/figures/month", .seeOther, .seeOther),
        "POST /figures/month": ("/figures/month", .forbidden, .forbidden),
        "POST /figures/month/review": ("/figures/month/review", .forbidden, .forbidden),
        "GET /account": ("/account", .seeOther, .seeOther),
        "GET /audit": ("/audit", .seeOther, .seeOther),
        "GET /figures/import": ("/figures/import", .seeOther, .seeOther),
        "GET /figures/import/template.csv": ("/figures/import/template.csv", .seeOther, .seeOther),
        "POST /figures/import": ("/figures/import", .forbidden, .forbidden),
        "POST /figures/import/confirm": ("/figures/import/confirm", .forbidden, .forbidden),
        "GET /account/password": ("/account/password", .seeOther, .seeOther),
        "POST /account/password": ("/account/password", .forbidden, .forbidden),
        "POST /account/tokens": ("/account/tokens", .forbidden, .forbidden),
        "POST /account/tokens/:token/revoke": ("/account/tokens/\(UUID())/revoke", .forbidden, .forbidden),
        "POST /account/sign-out-everywhere": ("/account/sign-out-everywhere", .forbidden, .forbidden),
        // The admin's pages (`AccountAdminTests` tries every role signed in).
        "GET /admin/accounts": ("/admin/accounts", .seeOther, .seeOther),
        "GET /admin/setup": ("/admin/setup", .seeOther, .seeOther),
        "POST /admin/setup": ("/admin/setup", .forbidden, .forbidden),
        "GET /admin/accounts/new": ("/admin/accounts/new", .seeOther, .seeOther),
        "GET /admin/accounts/:account": ("/admin/accounts/\(UUID())", .seeOther, .seeOther),
        "POST /admin/accounts/new": ("/admin/accounts/new", .forbidden, .forbidden),
        "POST /admin/accounts/:account": ("/admin/accounts/\(UUID())", .forbidden, .forbidden),
        "POST /admin/accounts/:account/disable": ("/admin/accounts/\(UUID())/disable", .forbidden, .forbidden),
        "POST /admin/accounts/:account/enable": ("/admin/accounts/\(UUID())/enable", .forbidden, .forbidden),
        "POST /admin/accounts/:account/reset-password": ("/admin/accounts/\(UUID())/reset-password", .forbidden, .forbidden),
        // A commune's members from a file (`MemberImportWebTests` tries the roles signed in).
        "GET /members/import": ("/members/import", .seeOther, .seeOther),
        "GET /members/import/template.csv": ("/members/import/template.csv", .seeOther, .seeOther),
        "GET /members/export.csv": ("/members/export.csv", .seeOther, .seeOther),
        "GET /members/import/template.xlsx": ("/members/import/template.xlsx", .seeOther, .seeOther),
        "GET /members/export.xlsx": ("/members/export.xlsx", .seeOther, .seeOther),
        "POST /members/import": ("/members/import", .forbidden, .forbidden),
        "POST /members/import/confirm": ("/members/import/confirm", .forbidden, .forbidden),
        "GET /villages/import": ("/villages/import", .seeOther, .seeOther),
        "GET /villages/import/template.csv": ("/villages/import/template.csv", .seeOther, .seeOther),
        "GET /villages/export.csv": ("/villages/export.csv", .seeOther, .seeOther),
        "GET /villages/import/template.xlsx": ("/villages/import/template.xlsx", .seeOther, .seeOther),
        "GET /villages/export.xlsx": ("/villages/export.xlsx", .seeOther, .seeOther),
        "POST /villages/import": ("/villages/import", .forbidden, .forbidden),
        "POST /villages/import/confirm": ("/villages/import/confirm", .forbidden, .forbidden),

        "POST /records/new": ("/records/new", .forbidden, .forbidden),
        "POST /records/:record": ("/records/\(UUID())", .forbidden, .forbidden),
        "POST /records/:record/delete": ("/records/\(UUID())/delete", .forbidden, .forbidden),
        "GET /units": ("/units", .seeOther, .seeOther),
        "GET /units/:unit": ("/units/06808", .seeOther, .seeOther),
        "GET /sign-in": ("/sign-in", .ok, .ok),
        // Forms without a CSRF token change nothing.
        "POST /sign-in": ("/sign-in", .forbidden, .forbidden),
        "POST /sign-out": ("/sign-out", .forbidden, .forbidden),
        "POST /language": ("/language", .forbidden, .forbidden),
        // The citizens' channel: open to all; its forms need the token; an empty body is a 400.
        "GET /tip": ("/tip", .ok, .ok),
        "GET /tip/status": ("/tip/status", .ok, .ok),
        "POST /tip": ("/tip", .forbidden, .forbidden),
        "POST /tip/status": ("/tip/status", .forbidden, .forbidden),
        "POST /api/v1/tips": ("/api/v1/tips", .badRequest, .badRequest),
        "POST /api/v1/tips/status": ("/api/v1/tips/status", .badRequest, .badRequest),
        // The inbox's pages (`TipsTests` tries them signed in).
        "GET /tips": ("/tips", .seeOther, .seeOther),
        "GET /tips/:tip": ("/tips/\(UUID())", .seeOther, .seeOther),
        "GET /tips/:tip/files/:file": ("/tips/\(UUID())/files/\(UUID())", .seeOther, .seeOther),
        "GET /account/tip-mail": ("/account/tip-mail", .seeOther, .seeOther),
        "POST /tips/bulk": ("/tips/bulk", .forbidden, .forbidden),
        "POST /tips/:tip/:action": ("/tips/\(UUID())/assign", .forbidden, .forbidden),
        "POST /tips/:tip/contact": ("/tips/\(UUID())/contact", .forbidden, .forbidden),
        "POST /account/tip-mail": ("/account/tip-mail", .forbidden, .forbidden),
        // Reviews (`ReviewsTests` tries them signed in, role by role).
        "GET /units/:unit/movements/:movement/phases/:phase/assessment": ("\(sheet)", .seeOther, .seeOther),
        "POST /units/:unit/movements/:movement/phases/:phase/assessment/self/:criterion": ("\(sheet)/self/x", .forbidden, .forbidden),
        "POST /units/:unit/movements/:movement/phases/:phase/assessment/review/:criterion": ("\(sheet)/review/x", .forbidden, .forbidden),
        "POST /units/:unit/movements/:movement/phases/:phase/assessment/adjustments/:adjustment": ("\(sheet)/adjustments/x", .forbidden, .forbidden),
        "GET /units/:unit/movements/:movement/phases/:phase/assessment/evidence/:file": ("\(sheet)/evidence/\(UUID())", .seeOther, .seeOther),
        "POST /units/:unit/movements/:movement/phases/:phase/assessment/evidence/:file/delete": ("\(sheet)/evidence/\(UUID())/delete", .forbidden, .forbidden),
        "GET /units/:unit/movements/:movement/pledge": ("/units/06808/movements/uong-bi-2024-2025/pledge", .seeOther, .seeOther),
        "POST /units/:unit/movements/:movement/pledge": ("/units/06808/movements/uong-bi-2024-2025/pledge", .forbidden, .forbidden),
        "GET /movements/:movement/pledges": ("/movements/uong-bi-2024-2025/pledges", .seeOther, .seeOther),
        "POST /movements/:movement/phases/:phase/close": ("/movements/uong-bi-2024-2025/phases/dot-1/close", .forbidden, .forbidden),
        "POST /movements/:movement/phases/:phase/reopen": ("/movements/uong-bi-2024-2025/phases/dot-1/reopen", .forbidden, .forbidden),
        "GET /movements/:movement/phases/:phase/late": ("/movements/uong-bi-2024-2025/phases/dot-1/late", .seeOther, .seeOther),
        // The review report (`ReportsTests` tries the roles signed in).
        "GET /movements/:movement/report": ("/movements/uong-bi-2024-2025/report", .seeOther, .seeOther),
        "POST /movements/:movement/report": ("/movements/uong-bi-2024-2025/report", .forbidden, .forbidden),
        "GET /movements/:movement/report.pdf": ("/movements/uong-bi-2024-2025/report.pdf", .seeOther, .seeOther),
        "GET /movements/:movement/report.xlsx": ("/movements/uong-bi-2024-2025/report.xlsx", .seeOther, .seeOther),
        "GET /movements/:movement/report.csv": ("/movements/uong-bi-2024-2025/report.csv", .seeOther, .seeOther),
        "GET /movements/:movement/report.json": ("/movements/uong-bi-2024-2025/report.json", .seeOther, .seeOther),
        // Nominations and awards (`AwardsTests` tries the roles signed in).
        "GET /movements/:movement/nominations": ("/movements/uong-bi-2024-2025/nominations", .seeOther, .seeOther),
        "GET /movements/:movement/nominations/new": ("/movements/uong-bi-2024-2025/nominations/new", .seeOther, .seeOther),
        "POST /movements/:movement/nominations/new": ("/movements/uong-bi-2024-2025/nominations/new", .forbidden, .forbidden),
        "GET /nominations/:nomination": ("/nominations/\(UUID())", .seeOther, .seeOther),
        "POST /nominations/:nomination/:step": ("/nominations/\(UUID())/council", .forbidden, .forbidden),
        "GET /nominations/:nomination/files/:file": ("/nominations/\(UUID())/files/\(UUID())", .seeOther, .seeOther),
        "GET /movements/:movement/decisions": ("/movements/uong-bi-2024-2025/decisions", .seeOther, .seeOther),
        "GET /movements/:movement/decisions.pdf": ("/movements/uong-bi-2024-2025/decisions.pdf", .seeOther, .seeOther),
        "GET /nominations/:nomination/certificate": ("/nominations/\(UUID())/certificate", .seeOther, .seeOther),
        "GET /nominations/:nomination/certificate.pdf": ("/nominations/\(UUID())/certificate.pdf", .seeOther, .seeOther),
        "GET /admin/award-forms": ("/admin/award-forms", .seeOther, .seeOther),
        "POST /admin/award-forms": ("/admin/award-forms", .forbidden, .forbidden),
        "POST /admin/award-forms/:form": ("/admin/award-forms/\(UUID())", .forbidden, .forbidden),
    ]
    static let sheet = "/units/06808/movements/uong-bi-2024-2025/phases/dot-1/assessment"

    /// The inbox's API: commune police and the secretariat (for its queue); not the admin, team leaders or
    /// viewers; nothing for nobody.
    static let tipInbox: [String: (path: String, handlers: HTTPStatus, others: HTTPStatus, anonymous: HTTPStatus)] = [
        "GET /api/v1/tips": ("/api/v1/tips", .ok, .forbidden, .unauthorized),
        "GET /api/v1/tips/:tip": ("/api/v1/tips/\(UUID())", .notFound, .forbidden, .unauthorized),
        "POST /api/v1/tips/:tip/actions": ("/api/v1/tips/\(UUID())/actions", .notFound, .forbidden, .unauthorized),
        "POST /api/v1/tips/:tip/contact": ("/api/v1/tips/\(UUID())/contact", .notFound, .forbidden, .unauthorized),
    ]

    @Test("The tips' inbox: those who work tips, not the admin, team leaders or viewers")
    func tipInboxRoutes() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let tokens = try await Self.tokens(app)
            for (key, rule) in Self.tipInbox.sorted(by: { $0.key < $1.key }) {
                let method = HTTPMethod(rawValue: String(key.split(separator: " ")[0]))
                for who in Who.allCases {
                    var headers: HTTPHeaders = [:]
                    if let token = tokens[who] { headers.bearerAuthorization = BearerAuthorization(token: token) }
                    let expected = who == .anonymous ? rule.anonymous : (who == .teamLeader || who == .viewer || who == .admin ? rule.others : rule.handlers)
                    try await app.testing().test(method, rule.path, headers: headers) { res in
                        #expect(res.status == expected, "\(key) as \(who)")
                    }
                }
            }
        }
    }

    /// The admin's routes: the status for the admin, for every other account, and for nobody.
    static let adminOnly: [String: (path: String, admin: HTTPStatus, others: HTTPStatus, anonymous: HTTPStatus)] = [
        "GET /api/v1/accounts": ("/api/v1/accounts", .ok, .forbidden, .unauthorized),
        "POST /api/v1/accounts": ("/api/v1/accounts", .badRequest, .forbidden, .unauthorized),
        "GET /api/v1/accounts/:account": ("/api/v1/accounts/\(UUID())", .notFound, .forbidden, .unauthorized),
        "PATCH /api/v1/accounts/:account": ("/api/v1/accounts/\(UUID())", .notFound, .forbidden, .unauthorized),
        "POST /api/v1/accounts/:account/reset-password": ("/api/v1/accounts/\(UUID())/reset-password", .notFound, .forbidden, .unauthorized),
    ]

    @Test("The admin's routes: the admin's alone")
    func adminRoutes() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let tokens = try await Self.tokens(app)
            for (key, rule) in Self.adminOnly.sorted(by: { $0.key < $1.key }) {
                let method = HTTPMethod(rawValue: String(key.split(separator: " ")[0]))
                for who in Who.allCases {
                    var headers: HTTPHeaders = [:]
                    if let token = tokens[who] { headers.bearerAuthorization = BearerAuthorization(token: token) }
                    let expected = who == .anonymous ? rule.anonymous : (who == .admin ? rule.admin : rule.others)
                    try await app.testing().test(method, rule.path, headers: headers) { res in
                        #expect(res.status == expected, "\(key) as \(who)")
                    }
                }
            }
        }
    }

    @Test("Every registered route has a rule in the table")
    func everyRouteHasARule() async throws {
        try await withApp { app in
            let registered = Set(app.routes.all.map { "\($0.method.rawValue) /\($0.path.string)" })
            let covered = Self.scoped.union(Self.unscoped.keys).union(Self.adminOnly.keys).union(Self.tipInbox.keys)
            #expect(registered.subtracting(covered).sorted() == [])
            #expect(covered.subtracting(registered).sorted() == [])
        }
    }

    @Test("Unscoped routes: the same for every role; nothing for nobody where an account is needed")
    func unscopedRoutes() async throws {
        try await withApp { app in
            try await loadDemo(app)
            // Every role from one in-memory client: the tips' limits (counted before the token is read) are off.
            var off = TipLimits()
            off.enabled = false
            let old = app.tips
            app.tips = TipContext(secrets: old.secrets, limiter: TipLimiter(limits: off), files: old.files, rebuilder: old.rebuilder,
                                  writer: old.writer, mailer: old.mailer)
            let tokens = try await Self.tokens(app)
            for (key, rule) in Self.unscoped.sorted(by: { $0.key < $1.key }) {
                let method = HTTPMethod(rawValue: String(key.split(separator: " ")[0]))
                for who in Who.allCases {
                    // Revoking uses up the token: a fresh one for that route.
                    let token = key == "DELETE /api/v1/auth/token" && who != .anonymous ? try await issueToken(app, Self.username(who)) : tokens[who]
                    var headers: HTTPHeaders = [:]
                    if let token { headers.bearerAuthorization = BearerAuthorization(token: token) }
                    try await app.testing().test(method, rule.path, headers: headers) { res in
                        #expect(res.status == (who == .anonymous ? rule.anonymous : rule.signedIn), "\(key) as \(who)")
                    }
                }
            }
        }
    }

    @Test("Scoped routes, by role, place and day", arguments: Place.allCases)
    func scopedRoutes(place: Place) async throws {
        try await withApp { app in
            try await loadDemo(app)
            let tokens = try await Self.tokens(app)
            let admin = try #require(tokens[.admin])
            let criterion = try await firstCriterion(app), adjustment = try await firstAdjustment(app)
            let tip: [String: Any] = ["kind": "information_source", "village": place.village.uuidString, "date": place.date,
                                      "category": "social_order", "origin": "people"]
            func status(_ method: HTTPMethod, _ path: String, _ token: String?, _ body: [String: Any]? = nil) async throws -> HTTPStatus {
                var result = HTTPStatus.internalServerError
                var headers: HTTPHeaders = [:]
                if let token { headers.bearerAuthorization = BearerAuthorization(token: token) }
                if body != nil { headers.contentType = .json }
                try await app.testing().test(method, path, headers: headers, body: try body.map(jsonBody)) { result = $0.status }
                return result
            }
            func made(_ path: String, _ body: [String: Any]) async throws -> String {
                var id = ""
                try await send(app, path == "/api/v1/records" ? .POST : .PUT, path, token: admin, body) { res in
                    struct ID: Decodable { var id: String }
                    id = try res.content.decode(ID.self).id
                }
                return id
            }
            for who in Who.allCases {
                let token = tokens[who]
                let denied: HTTPStatus = who == .anonymous ? .unauthorized : .forbidden
                let hidden: HTTPStatus = who == .anonymous ? .unauthorized : .notFound
                let label = "\(who) at \(place)"
                // Creating.
                let create = try await status(.POST, "/api/v1/records", token, tip)
                #expect(create == (Self.mayWriteRecord(who, place) ? .created : denied), "create: \(label)")
                // Reading, correcting, deleting what the admin stored there.
                let id = try await made("/api/v1/records", tip)
                let read = try await status(.GET, "/api/v1/records/\(id)", token)
                #expect(read == (Self.mayRead(who, place) ? .ok : hidden), "read: \(label)")
                var listed = false
                if let token {
                    try await send(app, .GET, "/api/v1/records?limit=1000", token: token) { res in
                        listed = try res.content.decode(RecordsAPI.RecordPage.self).items.contains { $0.id == id }
                    }
                }
                #expect(listed == Self.mayRead(who, place), "list: \(label)")
                let writeStatus: HTTPStatus = Self.mayRead(who, place) ? (Self.mayWriteRecord(who, place) ? .ok : .forbidden) : hidden
                #expect(try await status(.PUT, "/api/v1/records/\(id)", token, tip.filter { $0.key != "kind" }) == writeStatus, "correct: \(label)")
                let deleteStatus: HTTPStatus = writeStatus == .ok ? .noContent : writeStatus
                #expect(try await status(.DELETE, "/api/v1/records/\(id)", token) == deleteStatus, "delete: \(label)")
                // Monthly figures of the commune.
                let figure: [String: Any] = ["unit": place.commune.uuidString, "kind": "traffic_accidents", "month": place.month, "value": 2]
                let put = try await status(.PUT, "/api/v1/figures", token, figure)
                #expect([HTTPStatus.created, .ok].contains(put) == Self.mayWriteCommune(who, place), "figure: \(label) got \(put)")
                if !Self.mayWriteCommune(who, place) { #expect(put == denied, "figure: \(label)") }
                let figureID = try await made("/api/v1/figures", figure)
                var figureListed = false
                if let token {
                    try await send(app, .GET, "/api/v1/figures", token: token) { res in
                        figureListed = try res.content.decode([FiguresAPI.FigureJSON].self).contains { $0.id == figureID }
                    }
                }
                #expect(figureListed == (Self.mayRead(who, place) || who == .teamLeader && place != .outside), "figures list: \(label)")
                let figureDelete = try await status(.DELETE, "/api/v1/figures/\(figureID)", token)
                #expect(figureDelete == (Self.mayWriteCommune(who, place) ? .noContent : denied), "figure delete: \(label)")
                // The committee's acts.
                let assess = try await status(.PUT, "/api/v1/movements/uong-bi-2024-2025/phases/dot-2/assessments", token,
                                              ["unit": place.commune.uuidString, "criterion": criterion, "selfScore": 1, "selfNote": "thử nghiệm"])
                #expect(assess == (Self.mayWriteCommune(who, place) ? .noContent : denied), "self-score: \(label)")
                let adjust = try await status(.PUT, "/api/v1/movements/uong-bi-2024-2025/phases/dot-2/adjustments", token,
                                              ["unit": place.commune.uuidString, "adjustment": adjustment, "points": 1, "reason": "thử"])
                #expect(adjust == (Self.mayReview(who) ? .noContent : denied), "adjustment: \(label)")
                // The month's approval: read where the commune's data may be; submitted by those who write it.
                let months = try await status(.GET, "/api/v1/month-reviews?unit=\(place.commune.uuidString)&from=\(place.month)&to=\(place.month)", token)
                #expect(months == (Self.mayRead(who, place) && who != .teamLeader ? .ok : hidden), "months: \(label)")
                let submit = try await status(.POST, "/api/v1/month-reviews", token,
                                              ["unit": place.commune.uuidString, "month": place.month, "action": "submit"])
                #expect(submit == (Self.mayWriteCommune(who, place) ? .ok : denied), "submit: \(label)")
                if submit == .ok {
                    try await send(app, .POST, "/api/v1/month-reviews", token: admin,
                                   ["unit": place.commune.uuidString, "month": place.month, "action": "return", "reason": "thử"]) {
                        #expect($0.status == .ok)
                    }
                }
            }
        }
    }

    static func username(_ who: Who) -> String {
        switch who {
        case .anonymous: ""
        case .admin: "admin"
        case .secretariat: "thuongtruc"
        case .oldOfficer: "ca.vangdanh"
        case .newOfficer: "ca.vangdanh2025"
        case .teamLeader: "tt.vangdanh3"
        case .viewer: "lanhdao"
        }
    }

    static func tokens(_ app: Application) async throws -> [Who: String] {
        try await makeAccount(app, "ca.vangdanh2025", role: .communeOfficer, unit: DemoUnits.ward2025("Vàng Danh"))
        try await makeAccount(app, "tt.vangdanh3", role: .teamLeader, unit: DemoUnits.village("06808", "Vàng Danh 3"))
        var tokens: [Who: String] = [:]
        for who in Who.allCases where who != .anonymous { tokens[who] = try await issueToken(app, username(who)) }
        return tokens
    }
}

extension RouteRulesTests {
    /// The web pages that act on one place, tried by every role with a signed-in browser: a record's correction
    /// and deletion, a record made through the form, the team of the place's village and the commune's page.
    @Test("Web routes, by role and place: the same rules as the API", arguments: Place.allCases)
    func webRoutes(place: Place) async throws {
        try await withApp { app in
            try await loadDemo(app)
            let tokens = try await Self.tokens(app)
            let admin = try #require(tokens[.admin])
            let tip: [String: Any] = ["kind": "information_source", "village": place.village.uuidString, "date": place.date,
                                      "category": "social_order", "origin": "people"]
            let team = try #require(try await Team.query(on: app.db).filter(\.$village.$id == place.village).first()?.id)
            for who in Who.allCases where who != .anonymous {
                let browser = Browser()
                try await browser.signIn(app, Self.username(who), "demo-password-for-tests")
                let label = "\(who) at \(place)"
                var id = ""
                try await send(app, .POST, "/api/v1/records", token: admin, tip) { res in
                    struct ID: Decodable { var id: String }
                    id = try res.content.decode(ID.self).id
                }
                // A record it may not read is missing; one it may read but not change is forbidden.
                let expected: HTTPStatus = Self.mayRead(who, place) ? (Self.mayWriteRecord(who, place) ? .ok : .forbidden) : .notFound
                try await browser.get(app, "/records/\(id)") { #expect($0.status == expected, "edit form: \(label)") }
                try await browser.get(app, "/records/\(id)/delete") { #expect($0.status == expected, "delete page: \(label)") }
                try await browser.post(app, "/records/\(id)/delete", [:]) { res in
                    #expect(res.status == (expected == .ok ? .seeOther : expected), "delete: \(label)")
                }
                // Listed only where it may be read.
                try await browser.get(app, "/records?from=\(place.date)&to=\(place.date)") { res in
                    #expect(res.status == .ok)
                }
                // The team of the place's village, as it stands today: the village lies in the 2025 ward now.
                let today: Place = place == .outside ? .outside : .newWardAfter
                try await browser.get(app, "/teams/\(team.uuidString)") { res in
                    #expect(res.status == (Self.mayRead(who, today) ? .ok : .notFound),
                            "team: \(label)")
                }
                // The commune's figures of the month: for those who may set them; else refused, or missing outside.
                let sheet: HTTPStatus = Self.mayWriteCommune(who, place) ? .ok : (who == .teamLeader || who == .viewer ? .forbidden : .notFound)
                try await browser.get(app, "/figures/month?unit=\(place.commune.uuidString)&month=\(place.month)") { res in
                    #expect(res.status == sheet, "figures sheet: \(label)")
                }
                try await browser.post(app, "/figures/month?unit=\(place.commune.uuidString)&month=\(place.month)", ["reoffenders": "1"]) { res in
                    #expect(res.status == (sheet == .ok ? .seeOther : sheet), "figures save: \(label)")
                }
                // A commune's results are open to every account; its members only within reach.
                try await browser.get(app, "/units/\(place.commune.uuidString)/movements/uong-bi-2024-2025") { res in
                    #expect(res.status == .ok, "commune page: \(label)")
                    #expect(res.body.string.contains("Tổ bảo vệ ANTT") && res.body.string.contains("0900 000")
                            == (Self.mayRead(who, place) && who != .viewer), "members: \(label)")
                }
            }
        }
    }
}
