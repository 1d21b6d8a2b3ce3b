import Foundation
import Testing
@testable import ThiDuaCore

@Suite("An account as the admin fills it in")
struct AccountRulesTests {
    func problems(_ username: String = "ca.phuongvangdanh", name: String = "Nguyễn Văn An", role: String = "communeOfficer",
                  unit: AccountDraft.UnitLookup = .found(.commune)) -> [String: String] {
        AccountDraft(username: username, displayName: name, roleName: role, unit: unit).problems()
    }

    @Test("Each role's unit: a commune for commune police, a village for a team leader, none for an admin")
    func roleAndUnit() {
        #expect(problems().isEmpty)
        #expect(problems(unit: .none) == ["unit": "field.unitCommuneRequired"])
        #expect(problems(unit: .found(.village)) == ["unit": "field.unitCommuneRequired"])
        #expect(problems(role: "teamLeader", unit: .found(.village)).isEmpty)
        #expect(problems(role: "teamLeader", unit: .found(.commune)) == ["unit": "field.unitVillageRequired"])
        #expect(problems(role: "teamLeader", unit: .none) == ["unit": "field.unitVillageRequired"])
        #expect(problems(role: "admin", unit: .none).isEmpty)
        #expect(problems(role: "admin", unit: .found(.province)) == ["unit": "field.unitAdminNone"])
        // The secretariat and viewers work in a unit or everywhere.
        for role in ["secretariat", "viewer"] {
            #expect(problems(role: role, unit: .none).isEmpty)
            #expect(problems(role: role, unit: .found(.district)).isEmpty)
        }
        #expect(problems(unit: .unknown) == ["unit": "field.unitUnknown"])
        #expect(problems(role: "viewer", unit: .unknown) == ["unit": "field.unitUnknown"])
    }

    @Test("Username, name and role: required, readable, known")
    func fields() {
        #expect(problems("") == ["username": "field.required"])
        #expect(problems("ab") == ["username": "field.usernameInvalid"])
        #expect(problems("công.an") == ["username": "field.usernameInvalid"])
        #expect(problems("ca vang danh") == ["username": "field.usernameInvalid"])
        #expect(problems(String(repeating: "a", count: 64)).isEmpty)
        #expect(problems(String(repeating: "a", count: 65)) == ["username": "field.usernameInvalid"])
        #expect(problems(name: "  ") == ["displayName": "field.required"])
        #expect(problems(name: String(repeating: "ư", count: 121)) == ["displayName": "field.tooLong"])
        #expect(problems(name: "An\u{7}") == ["displayName": "field.controlCharacter"])
        #expect(problems(role: "") == ["role": "field.required"])
        #expect(problems(role: "superuser") == ["role": "field.notAllowed"])
        // An edit keeps the stored username and does not check it again.
        #expect(AccountDraft(username: "x", displayName: "X", roleName: "viewer", unit: .none).problems(checkUsername: false).isEmpty)
    }

    @Test("A username has one spelling, in lower case: ADMIN is admin")
    func foldedUsername() {
        #expect(AccountDraft.folded("Ca.PhuongVangDanh") == "ca.phuongvangdanh")
        #expect(AccountDraft(username: "ADMIN", displayName: "X", roleName: "admin", unit: .none).username == "admin")
        #expect(AccountDraft(username: "ADMIN", displayName: "X", roleName: "admin", unit: .none).problems().isEmpty)
    }

    @Test("The head of a commune's police: a commune officer only; reads every contact of the tips it works, others only their own")
    func headOfPolice() {
        let head = AccountDraft(username: "truong.ca", displayName: "Trưởng Công an", roleName: "communeOfficer",
                                unit: .found(.commune), headsPolice: true)
        #expect(head.problems().isEmpty)
        for role in ["admin", "secretariat", "teamLeader", "viewer"] {
            var other = head
            other.roleName = role
            other.unit = role == "teamLeader" ? .found(.village) : .none
            #expect(other.problems() == ["headsPolice": "field.headsPoliceCommuneOnly"], "\(role)")
        }
        let me = UUID(), colleague = UUID()
        // Assigned to me: mine to open. Assigned to a colleague, or to nobody: only the head opens it.
        #expect(Permissions.canRevealTipContact(role: .communeOfficer, account: me, headsPolice: false, assignee: me))
        #expect(!Permissions.canRevealTipContact(role: .communeOfficer, account: me, headsPolice: false, assignee: colleague))
        #expect(!Permissions.canRevealTipContact(role: .communeOfficer, account: me, headsPolice: false, assignee: nil))
        #expect(Permissions.canRevealTipContact(role: .communeOfficer, account: me, headsPolice: true, assignee: colleague))
        #expect(Permissions.canRevealTipContact(role: .communeOfficer, account: me, headsPolice: true, assignee: nil))
        // The secretariat works the queue but never opens a contact; an account not yet stored opens nothing.
        #expect(!Permissions.canRevealTipContact(role: .secretariat, account: me, headsPolice: true, assignee: me))
        #expect(!Permissions.canRevealTipContact(role: .communeOfficer, account: nil, headsPolice: true, assignee: nil))
    }

    @Test("No admin locks themselves out, and one active admin always stays")
    func guardAdmins() {
        // Disabling or demoting another admin while others remain.
        #expect(AccountGuard.check(isSelf: false, wasActiveAdmin: true, staysActiveAdmin: false, activeAdmins: 2) == nil)
        #expect(AccountGuard.check(isSelf: false, wasActiveAdmin: true, staysActiveAdmin: false, activeAdmins: 1) == .lastAdmin)
        #expect(AccountGuard.check(isSelf: true, wasActiveAdmin: true, staysActiveAdmin: false, activeAdmins: 3) == .notYourself)
        // Anything that keeps an admin active, and anything done to other roles, is allowed.
        #expect(AccountGuard.check(isSelf: true, wasActiveAdmin: true, staysActiveAdmin: true, activeAdmins: 1) == nil)
        #expect(AccountGuard.check(isSelf: false, wasActiveAdmin: false, staysActiveAdmin: false, activeAdmins: 1) == nil)
        // A disabled admin re-enabled, or demoted, changes nothing about the count.
        #expect(AccountGuard.check(isSelf: false, wasActiveAdmin: false, staysActiveAdmin: true, activeAdmins: 1) == nil)
        #expect(AccountGuard.checkReset(isSelf: true) == .ownPassword)
        #expect(AccountGuard.checkReset(isSelf: false) == nil)
    }

    @Test("A one-time password: 14 characters that cannot be mistaken for one another, in groups, never the same")
    func oneTimePassword() {
        var generator = SeededGenerator(seed: 7)
        let a = PasswordRules.oneTime(using: &generator)
        let b = PasswordRules.oneTime(using: &generator)
        #expect(a != b)
        for p in [a, b, PasswordRules.oneTime()] {
            let groups = p.split(separator: "-")
            #expect(groups.map(\.count) == [4, 4, 4, 2])
            #expect(p.allSatisfy { $0 == "-" || PasswordRules.readableAlphabet.contains($0) })
            #expect(!p.contains { "0O1lI".contains($0) })
            // It passes the rules a person's own password must pass.
            #expect(PasswordRules.check(new: p, confirm: p, username: "admin", currentMatches: nil, sameAsOld: false).isEmpty)
        }
    }
}
