/// The one rule for the characters of text a person sends, whatever the field, form, API or file: the control
/// characters are refused (C0 but tab, line feed and carriage return; DEL; C1, among them U+0085 NEL). No keyboard
/// types them, a page cannot show them, and one stored would reach a report, a certificate or an export as
/// something else than what was meant (PostgreSQL cannot store NUL at all).
public enum TextInput {
    public static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: false
        case 0x00...0x1F, 0x7F...0x9F: true
        default: false
        }
    }

    /// The first forbidden character of `text`, if any.
    public static func forbidden(in text: some StringProtocol) -> Unicode.Scalar? {
        text.unicodeScalars.first(where: isForbidden)
    }

    /// "U+0007 (BEL)": its code, and its name where it has a short one people meet.
    public static func describe(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        let names: [UInt32: String] = [0x00: "NUL", 0x07: "BEL", 0x08: "BS", 0x0B: "VT", 0x0C: "FF", 0x1B: "ESC", 0x7F: "DEL", 0x85: "NEL"]
        return names[scalar.value].map { "\(code) (\($0))" } ?? code
    }
}
