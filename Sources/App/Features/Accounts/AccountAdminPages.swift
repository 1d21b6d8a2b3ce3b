import Foundation
import ThiDuaCore

/// The accounts as the admin sees them: who, which role, where, whether they may sign in. Filtered by a name,
/// a role and a state; 50 a page.
struct AccountListPage: Encodable {
    struct Row: Encodable {
        var username: String
        var displayName: String
        var role: String
        var unit: String?
        var state: String
        var active: Bool
        var mustChange: Bool
        var href: String
    }

    var page: PageChrome
    var filters: [FormField]
    var action: String
    var rows: [Row]
    var shown: String
    var pages: [PageLink]
    var newHref: String

    static func build(filter: AccountAdmin.Filter, users: [(user: AccountSummary, unit: String?)], total: Int,
                      page: PageChrome, text t: Translator) -> AccountListPage {
        let form = FormState(values: ["q": filter.text ?? "", "role": filter.role?.rawValue ?? "",
                                      "state": filter.active.map { $0 ? "active" : "disabled" } ?? ""])
        let filters: [FormField] = [
            .make("q", t("admin.search"), .text, form: form),
            .make("role", t("admin.role"), .select, form: form,
                  options: [.init(value: "", label: t("admin.allRoles"), selected: false)]
                      + Role.allCases.map { .init(value: $0.rawValue, label: t("role.\($0.rawValue)"), selected: false) }),
            .make("state", t("admin.state"), .select, form: form, options: [
                .init(value: "", label: t("admin.allStates"), selected: false),
                .init(value: "active", label: t("admin.state.active"), selected: false),
                .init(value: "disabled", label: t("admin.state.disabled"), selected: false)]),
        ]
        let start = (filter.page - 1) * AccountAdmin.pageSize
        return AccountListPage(
            page: page, filters: filters, action: SiteURL.accounts(AccountQuery()).path,
            rows: users.map { u, unit in
                Row(username: u.username, displayName: u.displayName,
                    role: t("role.\(u.role.rawValue)") + (u.headsPolice ? " · " + t("admin.head") : ""), unit: unit,
                    state: t(u.active ? "admin.state.active" : "admin.state.disabled"), active: u.active,
                    mustChange: u.mustChangePassword, href: SiteURL.adminAccount(u.id).path)
            },
            shown: total == 0 ? t("admin.none")
                : t("admin.shown", ["from": t.count(min(total, start + 1)), "to": t.count(start + users.count), "count": t.count(total)]),
            pages: PageLink.pages(total: total, pageSize: AccountAdmin.pageSize, current: filter.page) { n in
                SiteURL.accounts(AccountQuery(text: filter.text, role: filter.role?.rawValue,
                                              state: filter.active.map { $0 ? "active" : "disabled" }, page: n)).path
            },
            newHref: SiteURL.newAccount.path)
    }
}

/// An account's plain values, for a page builder that must not touch the database.
struct AccountSummary: Sendable, Equatable {
    var id: String
    var username: String
    var displayName: String
    var role: Role
    var unit: UUID?
    var active: Bool
    var mustChangePassword: Bool
    var headsPolice = false
    var created: Date?
}

/// One account: a new one's form, or an existing one's with its actions (disable or re-enable, reset the
/// password). A password just made is shown on this answer only.
struct AccountEditPage: Encodable {
    var page: PageChrome
    var heading: String
    var action: String
    var fields: [FormField]
    var form: FormState
    var submit: String
    var listHref: String
    /// The one-time password just set, and what to say of it.
    var newPassword: String?
    var newPasswordLabel: String?
    /// An existing account's state and actions.
    var state: String?
    var mustChange: Bool
    var created: String?
    var disableHref: String?
    var enableHref: String?
    var resetHref: String?
    var auditHref: String?

    static func build(account: AccountSummary?, unitName: String?, form: FormState, newPassword: String?,
                      page: PageChrome, text t: Translator) -> AccountEditPage {
        var fields: [FormField] = []
        if let account {
            var name = FormField.make("username", t("admin.username"), .fixed, form: FormState(values: ["username": account.username]))
            name.hint = account.username
            fields.append(name)
        } else {
            fields.append(.make("username", t("admin.username"), .text, form: form, required: true,
                                hint: t("admin.usernameHint")))
        }
        fields += [
            .make("displayName", t("admin.displayName"), .text, form: form, required: true),
            .make("role", t("admin.role"), .select, form: form, required: true,
                  options: [.init(value: "", label: t("admin.chooseRole"), selected: false)]
                      + Role.allCases.map { .init(value: $0.rawValue, label: t("role.\($0.rawValue)"), selected: false) }),
            .make("unit", t("admin.unit"), .text, form: form,
                  hint: unitName.map { t("admin.unitNow", ["unit": $0]) + " " + t("admin.unitHint") } ?? t("admin.unitHint")),
            .make("headsPolice", t("admin.headsPolice"), .checkbox, form: form),
        ]
        guard let account else {
            return AccountEditPage(page: page, heading: t("admin.newTitle"), action: SiteURL.newAccount.path, fields: fields,
                                   form: form, submit: t("admin.create"), listHref: SiteURL.accounts(AccountQuery()).path,
                                   newPassword: nil, newPasswordLabel: nil, state: nil, mustChange: false)
        }
        return AccountEditPage(
            page: page, heading: account.displayName, action: SiteURL.adminAccount(account.id).path, fields: fields, form: form,
            submit: t("admin.save"), listHref: SiteURL.accounts(AccountQuery()).path,
            newPassword: newPassword, newPasswordLabel: newPassword == nil ? nil : t("admin.newPassword", ["username": account.username]),
            state: t(account.active ? "admin.state.active" : "admin.state.disabled"), mustChange: account.mustChangePassword,
            created: account.created.map(VietnamTime.display),
            disableHref: account.active ? SiteURL.accountDisable(account.id).path : nil,
            enableHref: account.active ? nil : SiteURL.accountEnable(account.id).path,
            resetHref: SiteURL.accountReset(account.id).path,
            auditHref: SiteURL.audit(query: ["actor": account.username]).path)
    }

    /// The form's values for an account as stored: the unit by its national code where it has one.
    static func values(of account: AccountSummary, unitKey: String?) -> [String: String] {
        ["displayName": account.displayName, "role": account.role.rawValue, "unit": unitKey ?? "",
         "headsPolice": account.headsPolice ? "true" : ""]
    }
}

/// The account list's filters and page, as its address carries them.
struct AccountQuery: Sendable, Equatable {
    var text: String?
    var role: String?
    var state: String?
    var page: Int = 1
}
