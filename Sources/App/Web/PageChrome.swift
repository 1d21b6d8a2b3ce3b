import Vapor
import ThiDuaCore

/// What every page shows around its content: language, the signed-in account, the CSRF token for its forms.
struct PageChrome: Encodable {
    struct Account: Encodable {
        var displayName: String
        var username: String
        var role: String
        /// The audit log, for the accounts that read it.
        var auditHref: String? = nil
        /// The accounts and a locality's setup, for the admin.
        var accountsHref: String? = nil
        var setupHref: String? = nil
        /// The tips' inbox, for those who work tips, with how many wait.
        var tipsHref: String? = nil
        var waitingTips: Int? = nil
    }

    var lang: String
    var title: String
    var csrf: String
    var path: String
    var account: Account?
    var otherLanguage: String
    var otherLanguageName: String
    var links = SiteLinks()
    /// What the last form did ("saved"), shown once.
    var flash: String? = nil
    /// A page of wide tables (the dashboard) uses the whole screen on a desk.
    var wide = false
}

extension PageChrome {
    init(request: Request, title: String) {
        lang = request.language.rawValue
        self.title = title
        csrf = CSRF.token(for: request)
        // The page's query too, so that switching language keeps what the page shows (`/units?date=…`).
        path = request.url.path + (request.url.query.map { "?" + $0 } ?? "")
        if let user = request.auth.get(User.self) {
            account = Account(displayName: user.displayName, username: user.username,
                              role: request.t("role.\(user.role.rawValue)"),
                              auditHref: Permissions.isCommittee(user.role) ? SiteURL.audit(query: [:]).path : nil,
                              accountsHref: user.role == .admin ? SiteURL.accounts(AccountQuery()).path : nil,
                              setupHref: user.role == .admin ? SiteURL.setup.path : nil,
                              tipsHref: Permissions.handlesTips(user.role) ? SiteURL.tips(TipService.Filter()).path : nil,
                              waitingTips: request.storage[WaitingTips.Key.self].flatMap { $0 > 0 ? $0 : nil })
        }
        let other: Language = request.language == .vi ? .en : .vi
        otherLanguage = other.rawValue
        otherLanguageName = other == .vi ? "Tiếng Việt" : "English"
        flash = Flash.take(request)
    }
}

struct ErrorPage: Encodable {
    var status: Int
    var message: String
    var page: PageChrome
}

/// A link among several, one of which may be the page shown (phases, pages of a list): `aria-current` marks it.
struct PageLink: Encodable, Sendable, Equatable {
    var label: String
    var href: String
    var current: Bool
}

extension PageLink {
    /// The links to a list's pages: the first, the last and those near the current one; none for a single page.
    static func pages(total: Int, pageSize: Int, current: Int, href: (Int) -> String) -> [PageLink] {
        let pageCount = max(1, (total + pageSize - 1) / pageSize)
        guard pageCount > 1 else { return [] }
        // A page past the end (typed into the address) still gets the way back.
        let upper = max(1, min(pageCount, current + 2))
        let near = Set([1, pageCount] + Array(min(max(1, current - 2), upper)...upper))
        return near.sorted().map { PageLink(label: String($0), href: href($0), current: $0 == current) }
    }
}
