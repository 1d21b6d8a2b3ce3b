import Foundation

/// Every path of the web application, built in one place: templates and controllers never spell a path, so a
/// route that moves moves everywhere at once, and every value in a path or query is escaped the same way.
enum SiteURL: Sendable, Equatable {
    case home
    case movements
    case movement(String)
    /// The unit tree on a day; above 200 communes, the provinces with one of them opened.
    case units(date: String?, open: String? = nil)
    case unit(String, date: String?)
    case signIn(next: String?)
    case signOut
    case language
    case stylesheet
    case dashboard(String, phase: String, query: DashboardQuery)
    /// A commune's results in a movement; the phase of today when none is given.
    case communeResults(String, movement: String, phase: String?)
    case team(String)
    case newRecord(kind: String?)
    case records(kind: String?, unit: String? = nil, from: String? = nil, to: String? = nil, page: Int?)
    case record(String)
    case recordDelete(String)
    /// A commune's figures of a month; the account's commune and the last whole month when not given.
    case figureSheet(unit: String?, month: String?)
    case monthReview(unit: String, month: String)
    case figureImport
    case figureImportConfirm
    case figureTemplate
    case ranking(String, phase: String)
    case publish(String, phase: String)
    case audit(query: [String: String?])
    case account
    case password
    case tokens
    case tokenRevoke(String)
    case signOutEverywhere
    /// The admin's list of accounts, filtered.
    case accounts(AccountQuery)
    case newAccount
    /// The admin's page for starting a locality.
    case setup
    case adminAccount(String)
    case accountDisable(String)
    case accountEnable(String)
    case accountReset(String)
    /// A commune's file of a kind (`villages`, `members`; the account's commune when not given).
    case communeImport(String, unit: String?)
    case communeImportConfirm(String)
    case communeTemplate(String, unit: String?, format: String)
    case communeExport(String, unit: String?, format: String)
    /// The public tip form: the province chosen (among many communes), or the commune (`unknown` for none).
    case tip(province: String? = nil, commune: String? = nil)
    case tipStatus
    /// Officers' inbox of tips.
    case tips(TipService.Filter)
    case tipDetail(String)
    /// One of an officer's actions on a tip (`assign`, `status`, `transfer`, `message`).
    case tipAction(String, String)
    case tipsBulk
    case tipFile(String, file: String)
    case tipSubscription
    /// A commune's committee criteria and adjustments in a phase, and what is done on them.
    case assessment(unit: String, movement: String, phase: String)
    case assessmentAction(unit: String, movement: String, phase: String, AssessmentAction)
    /// A commune's pledge in a movement, and who has pledged.
    case pledge(unit: String, movement: String)
    case pledges(String)
    /// Closing a phase, opening it again, and what changed after closing.
    case closePhase(String, phase: String)
    case reopenPhase(String, phase: String)
    case lateChanges(String, phase: String)
    /// A review report of a phase or the whole movement (no phase), as a page or a file (`pdf`, `xlsx`, `csv`, `json`).
    case report(String, phase: String?, format: String?, table: String? = nil)
    /// Nominations for awards: a movement's list (by status), a new one for a commune, one, a step on it, its files.
    case nominations(String, status: String?)
    case newNomination(String, unit: String?, form: String?, nominee: String?)
    case nomination(String)
    case nominationStep(String, String)
    case nominationFile(String, file: String)
    /// The awards decided (a page to print, or `pdf`), and one awardee's certificate.
    case decisions(String, format: String?)
    case certificate(String, format: String?)
    /// The admin's award forms, and one of them.
    case awardForms
    case awardForm(String)

    enum AssessmentAction: Sendable, Equatable {
        case selfScore(String), review(String), adjustment(String), evidence(String), removeEvidence(String)

        var path: String {
            switch self {
            case .selfScore(let c): "/self/" + SiteURL.segment(c)
            case .review(let c): "/review/" + SiteURL.segment(c)
            case .adjustment(let a): "/adjustments/" + SiteURL.segment(a)
            case .evidence(let f): "/evidence/" + SiteURL.segment(f)
            case .removeEvidence(let f): "/evidence/" + SiteURL.segment(f) + "/delete"
            }
        }
    }

    var path: String {
        switch self {
        case .home: "/"
        case .movements: "/movements"
        case .movement(let id): "/movements/" + Self.segment(id)
        case let .units(date, open): "/units" + Self.query(["date": date, "open": open])
        case .unit(let id, let date): "/units/" + Self.segment(id) + Self.query(["date": date])
        case .signIn(let next): "/sign-in" + Self.query(["next": next])
        case .signOut: "/sign-out"
        case .language: "/language"
        case .stylesheet: "/css/app.css"
        case let .dashboard(id, phase, q):
            "/movements/" + Self.segment(id) + "/phases/" + Self.segment(phase) + Self.query([
                "sort": q.sort == .rank ? nil : q.sort.text, "dir": q.descending ? "desc" : nil,
                "area": q.area?.uuidString, "band": q.band, "page": q.page > 1 ? String(q.page) : nil,
                "structureDate": q.structureDate?.iso])
        case let .communeResults(unit, movement, phase):
            "/units/" + Self.segment(unit) + "/movements/" + Self.segment(movement) + Self.query(["phase": phase])
        case .team(let id): "/teams/" + Self.segment(id)
        case .newRecord(let kind): "/records/new" + Self.query(["kind": kind])
        case let .records(kind, unit, from, to, page):
            "/records" + Self.query(["kind": kind, "unit": unit, "from": from, "to": to, "page": page.map(String.init)])
        case .record(let id): "/records/" + Self.segment(id)
        case .recordDelete(let id): "/records/" + Self.segment(id) + "/delete"
        case let .figureSheet(unit, month): "/figures/month" + Self.query(["unit": unit, "month": month])
        case let .monthReview(unit, month): "/figures/month/review" + Self.query(["unit": unit, "month": month])
        case .figureImport: "/figures/import"
        case .figureImportConfirm: "/figures/import/confirm"
        case .figureTemplate: "/figures/import/template.csv"
        case let .ranking(id, phase): "/movements/" + Self.segment(id) + "/phases/" + Self.segment(phase) + "/ranking"
        case let .publish(id, phase): "/movements/" + Self.segment(id) + "/phases/" + Self.segment(phase) + "/publish"
        case .audit(let q): "/audit" + Self.query(["unit": q["unit"] ?? nil, "actor": q["actor"] ?? nil, "action": q["action"] ?? nil,
                                                    "from": q["from"] ?? nil, "to": q["to"] ?? nil, "page": q["page"] ?? nil])
        case .account: "/account"
        case .password: "/account/password"
        case .tokens: "/account/tokens"
        case .tokenRevoke(let id): "/account/tokens/" + Self.segment(id) + "/revoke"
        case .signOutEverywhere: "/account/sign-out-everywhere"
        case .accounts(let q):
            "/admin/accounts" + Self.query(["q": q.text, "role": q.role, "state": q.state, "page": q.page > 1 ? String(q.page) : nil])
        case .newAccount: "/admin/accounts/new"
        case .setup: "/admin/setup"
        case .adminAccount(let id): "/admin/accounts/" + Self.segment(id)
        case .accountDisable(let id): "/admin/accounts/" + Self.segment(id) + "/disable"
        case .accountEnable(let id): "/admin/accounts/" + Self.segment(id) + "/enable"
        case .accountReset(let id): "/admin/accounts/" + Self.segment(id) + "/reset-password"
        case let .communeImport(kind, unit): "/" + Self.segment(kind) + "/import" + Self.query(["unit": unit])
        case .communeImportConfirm(let kind): "/" + Self.segment(kind) + "/import/confirm"
        case let .communeTemplate(kind, unit, format): "/" + Self.segment(kind) + "/import/template." + Self.segment(format) + Self.query(["unit": unit])
        case let .communeExport(kind, unit, format): "/" + Self.segment(kind) + "/export." + Self.segment(format) + Self.query(["unit": unit])
        case let .tip(province, commune): "/tip" + Self.query(["province": province, "commune": commune])
        case .tipStatus: "/tip/status"
        case .tips(let f):
            "/tips" + Self.query(["status": f.status == "open" ? nil : f.status, "commune": f.commune?.uuidString, "assigned": f.assigned,
                                  "q": f.text, "page": f.page > 1 ? String(f.page) : nil])
        case .tipDetail(let id): "/tips/" + Self.segment(id)
        case let .tipAction(id, action): "/tips/" + Self.segment(id) + "/" + Self.segment(action)
        case .tipsBulk: "/tips/bulk"
        case let .tipFile(id, file): "/tips/" + Self.segment(id) + "/files/" + Self.segment(file)
        case .tipSubscription: "/account/tip-mail"
        case let .assessment(unit, movement, phase):
            "/units/" + Self.segment(unit) + "/movements/" + Self.segment(movement) + "/phases/" + Self.segment(phase) + "/assessment"
        case let .assessmentAction(unit, movement, phase, action):
            Self.assessment(unit: unit, movement: movement, phase: phase).path + action.path
        case let .pledge(unit, movement): "/units/" + Self.segment(unit) + "/movements/" + Self.segment(movement) + "/pledge"
        case .pledges(let id): "/movements/" + Self.segment(id) + "/pledges"
        case let .closePhase(id, phase): "/movements/" + Self.segment(id) + "/phases/" + Self.segment(phase) + "/close"
        case let .reopenPhase(id, phase): "/movements/" + Self.segment(id) + "/phases/" + Self.segment(phase) + "/reopen"
        case let .lateChanges(id, phase): "/movements/" + Self.segment(id) + "/phases/" + Self.segment(phase) + "/late"
        case let .nominations(id, status): "/movements/" + Self.segment(id) + "/nominations" + Self.query(["status": status])
        case let .newNomination(id, unit, form, nominee):
            "/movements/" + Self.segment(id) + "/nominations/new" + Self.query(["unit": unit, "form": form, "nominee": nominee])
        case .nomination(let id): "/nominations/" + Self.segment(id)
        case let .nominationStep(id, step): "/nominations/" + Self.segment(id) + "/" + Self.segment(step)
        case let .nominationFile(id, file): "/nominations/" + Self.segment(id) + "/files/" + Self.segment(file)
        case let .decisions(id, format): "/movements/" + Self.segment(id) + "/decisions" + (format.map { "." + Self.segment($0) } ?? "")
        case let .certificate(id, format): "/nominations/" + Self.segment(id) + "/certificate" + (format.map { "." + Self.segment($0) } ?? "")
        case .awardForms: "/admin/award-forms"
        case .awardForm(let id): "/admin/award-forms/" + Self.segment(id)
        case let .report(id, phase, format, table):
            "/movements/" + Self.segment(id) + "/report" + (format.map { "." + Self.segment($0) } ?? "") + Self.query(["phase": phase, "table": table])
        }
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    fileprivate static func segment(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    /// `?a=1&b=2` of the values given, in a fixed order; nothing when none is.
    private static func query(_ items: KeyValuePairs<String, String?>) -> String {
        let given = items.compactMap { key, value in value.map { "\(key)=\(segment($0))" } }
        return given.isEmpty ? "" : "?" + given.joined(separator: "&")
    }
}

/// The paths every page's frame links to.
struct SiteLinks: Encodable, Sendable {
    var home = SiteURL.home.path
    var movements = SiteURL.movements.path
    var records = SiteURL.records(kind: nil, page: nil).path
    var account = SiteURL.account.path
    var units = SiteURL.units(date: nil).path
    var signIn = SiteURL.signIn(next: nil).path
    var signOut = SiteURL.signOut.path
    var language = SiteURL.language.path
    var stylesheet = SiteURL.stylesheet.path
    var tip = SiteURL.tip().path
    var tipStatus = SiteURL.tipStatus.path
}
