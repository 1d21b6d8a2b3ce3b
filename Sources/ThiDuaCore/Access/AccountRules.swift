import Foundation

/// An account as an admin (or the command line) fills it in: checked field by field, with a message key per
/// field, the same for the web form, the API's 422 and `create-user`.
public struct AccountDraft: Sendable, Equatable {
    /// The unit named, as it was found on the day the account is written.
    public enum UnitLookup: Sendable, Equatable {
        case none
        case unknown
        case found(UnitLevel)
    }

    public var username: String
    public var displayName: String
    /// The role as given: a name of `Role`, or anything a client sent.
    public var roleName: String
    public var unit: UnitLookup
    /// The commune's head of police (Trưởng Công an xã): also reads the contact details of the commune's tips.
    public var headsPolice: Bool

    public init(username: String, displayName: String, roleName: String, unit: UnitLookup, headsPolice: Bool = false) {
        self.username = Self.folded(username)
        self.displayName = displayName
        self.roleName = roleName
        self.unit = unit
        self.headsPolice = headsPolice
    }

    public var role: Role? { Role(rawValue: roleName) }

    public static let maximumDisplayName = 120

    /// The one spelling of a username: its letters in lower case, so that `ADMIN` is `admin` for a new account,
    /// the sign-in and its lock alike (two accounts differing only in case would be one person to the lock and two
    /// to the database).
    public static func folded(_ s: String) -> String { s.lowercased() }

    /// Letters and digits of ASCII, '.', '-' and '_', 3 to 64 of them: a name typed on any keyboard.
    public static func validUsername(_ s: String) -> Bool {
        (3...64).contains(s.count) && s.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "." || $0 == "-" || $0 == "_"
        }
    }

    /// The level a role's unit must be at; nil when any level (or none) will do.
    public static func unitLevel(of role: Role) -> UnitLevel? {
        switch role {
        case .communeOfficer: .commune
        case .teamLeader: .village
        case .admin, .secretariat, .viewer: nil
        }
    }

    /// Field → message key; empty when the draft may be saved. `checkUsername`: false on an edit, where the
    /// name is not changed.
    public func problems(checkUsername: Bool = true) -> [String: String] {
        var errors: [String: String] = [:]
        if checkUsername {
            if username.isEmpty { errors["username"] = "field.required" }
            else if !Self.validUsername(username) { errors["username"] = "field.usernameInvalid" }
        }
        let name = displayName.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty { errors["displayName"] = "field.required" }
        else if name.count > Self.maximumDisplayName || name.utf8.count > 4 * Self.maximumDisplayName { errors["displayName"] = "field.tooLong" }
        else if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) { errors["displayName"] = "field.controlCharacter" }
        guard let role else {
            errors["role"] = roleName.isEmpty ? "field.required" : "field.notAllowed"
            return errors
        }
        switch (unit, Self.unitLevel(of: role)) {
        case (.unknown, _): errors["unit"] = "field.unitUnknown"
        case (.none, .commune?): errors["unit"] = "field.unitCommuneRequired"
        case (.none, .village?): errors["unit"] = "field.unitVillageRequired"
        case (.found(let level), .commune?) where level != .commune: errors["unit"] = "field.unitCommuneRequired"
        case (.found(let level), .village?) where level != .village: errors["unit"] = "field.unitVillageRequired"
        case (.found, nil) where role == .admin: errors["unit"] = "field.unitAdminNone"
        default: break
        }
        // Only a commune's police has a head; on another role the mark would widen nobody's reading, and mislead.
        if headsPolice && role != .communeOfficer { errors["headsPolice"] = "field.headsPoliceCommuneOnly" }
        return errors
    }
}

/// What an admin may not do to the accounts: leave the system without an active admin, or lock themselves out.
public enum AccountGuard {
    public enum Refusal: String, Sendable, Equatable {
        /// An admin disabling their own account or taking away their own admin role.
        case notYourself = "admin.refusal.notYourself"
        /// The change would leave no active admin.
        case lastAdmin = "admin.refusal.lastAdmin"
        /// An admin resetting their own password (which would end their own session): the account page changes it.
        case ownPassword = "admin.refusal.ownPassword"
    }

    public static func checkReset(isSelf: Bool) -> Refusal? { isSelf ? .ownPassword : nil }

    /// `activeAdmins`: how many active admin accounts there are now, this one included if it is one.
    public static func check(isSelf: Bool, wasActiveAdmin: Bool, staysActiveAdmin: Bool, activeAdmins: Int) -> Refusal? {
        guard wasActiveAdmin && !staysActiveAdmin else { return nil }
        if isSelf { return .notYourself }
        if activeAdmins <= 1 { return .lastAdmin }
        return nil
    }
}

extension PasswordRules {
    /// Letters and digits that cannot be taken for one another when read aloud or copied from a screen.
    static let readableAlphabet = Array("abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789")

    /// A password an admin hands over once (the person must change it): 14 characters, about 80 bits, in groups
    /// of four and a hyphen so that it can be read out over the phone.
    public static func oneTime<G: RandomNumberGenerator>(using generator: inout G) -> String {
        let chars = (0..<14).map { _ in readableAlphabet[Int.random(in: 0..<readableAlphabet.count, using: &generator)] }
        return [chars[0..<4], chars[4..<8], chars[8..<12], chars[12..<14]].map { String($0) }.joined(separator: "-")
    }

    public static func oneTime() -> String {
        var generator = SystemRandomNumberGenerator()
        return oneTime(using: &generator)
    }
}
