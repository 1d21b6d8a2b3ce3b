import Testing
@testable import ThiDuaCore

@Suite("A new password")
struct PasswordRulesTests {
    func check(_ new: String, _ confirm: String? = nil, current: Bool? = true, same: Bool = false) -> [String: String] {
        PasswordRules.check(new: new, confirm: confirm ?? new, username: "ca.phuongvangdanh", currentMatches: current, sameAsOld: same)
    }

    @Test("Ten characters at least, the same twice, not the username, not the old one, the current one right")
    func rules() {
        #expect(check("mot-mat-khau-moi").isEmpty)
        #expect(check("ngan-qua") == ["new": "field.passwordShort"])
        #expect(check("0123456789").isEmpty)
        #expect(check("CA.PhuongVangDanh") == ["new": "field.passwordIsUsername"])
        #expect(check("mot-mat-khau-moi", same: true) == ["new": "field.passwordSameAsOld"])
        #expect(check("mot-mat-khau-moi", "mot-mat-khau-khac") == ["confirm": "field.passwordMismatch"])
        #expect(check("mot-mat-khau-moi", current: false) == ["current": "field.passwordWrong"])
        #expect(check("mot-mat-khau-moi", current: nil).isEmpty)
        #expect(check(String(repeating: "a", count: 201)) == ["new": "field.tooLong"])
        // A short one is said once, not as a mismatch too.
        #expect(check("ngan", "khac") == ["new": "field.passwordShort"])
    }
}
