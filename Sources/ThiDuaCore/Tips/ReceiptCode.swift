/// The code a citizen gets for a tip: 25 decimal digits (83 bits of randomness) in five groups of five, easy to
/// read aloud and to type on a phone's number pad. It is shown once and stored only as a slow hash.
public enum ReceiptCode {
    public static let groupCount = 5
    public static let groupLength = 5
    public static var digitCount: Int { groupCount * groupLength }

    /// A fresh code, `48213-90577-…`, from a cryptographically secure generator in production.
    public static func make<G: RandomNumberGenerator>(using generator: inout G) -> String {
        let digits = (0..<digitCount).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) }
        return display(String(digits))
    }

    public static func make() -> String {
        var g = SystemRandomNumberGenerator()
        return make(using: &g)
    }

    /// The 25 digits of what a person typed, whatever separates the groups (spaces, dashes, dots) and whether the
    /// phone typed full-width digits; nil when it is not a code at all.
    public static func digits(of typed: String) -> String? {
        var out = ""
        for scalar in typed.unicodeScalars {
            switch scalar.value {
            case 0x30...0x39: out.unicodeScalars.append(scalar)
            case 0xFF10...0xFF19: out.unicodeScalars.append(Unicode.Scalar(scalar.value - 0xFF10 + 0x30)!)
            case 0x20, 0x2D, 0x2E, 0x09, 0xA0, 0x2010...0x2015, 0x2212: continue
            default: return nil
            }
            if out.count > digitCount { return nil }
        }
        return out.count == digitCount ? out : nil
    }

    /// Digits in groups: `48213-90577-12345-67890-12345`.
    public static func display(_ digits: String) -> String {
        var groups: [String] = []
        var rest = Substring(digits)
        while !rest.isEmpty {
            groups.append(String(rest.prefix(groupLength)))
            rest = rest.dropFirst(groupLength)
        }
        return groups.joined(separator: "-")
    }
}
