import Foundation

/// What a new password must be: long enough, not too long, typed the same twice, not the account's name and not
/// the password it replaces. Message keys per field, as the forms show them.
public enum PasswordRules {
    public static let minimumLength = 10
    public static let maximumLength = 200

    /// `currentMatches`: the current password was given right (nil: not asked, as on an admin's reset);
    /// `sameAsOld`: the new one is the one it replaces.
    public static func check(new: String, confirm: String, username: String, currentMatches: Bool?, sameAsOld: Bool) -> [String: String] {
        var errors: [String: String] = [:]
        if currentMatches == false { errors["current"] = "field.passwordWrong" }
        if new.count < minimumLength { errors["new"] = "field.passwordShort" }
        else if new.count > maximumLength { errors["new"] = "field.tooLong" }
        else if new.lowercased() == username.lowercased() { errors["new"] = "field.passwordIsUsername" }
        else if sameAsOld { errors["new"] = "field.passwordSameAsOld" }
        if errors["new"] == nil && confirm != new { errors["confirm"] = "field.passwordMismatch" }
        return errors
    }
}
