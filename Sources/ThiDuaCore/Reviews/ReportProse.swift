import Foundation

/// What the secretariat writes into a review report (báo cáo sơ kết, tổng kết); the figures and tables are filled
/// from the results.
public struct ReportProse: Codable, Hashable, Sendable {
    /// The document's number and symbol, as written ("12/BC-BCĐ").
    public var number: String = ""
    /// The day it is issued; nil while not decided (the page leaves the day to fill by hand).
    public var issuedOn: LocalDate?
    /// The place named before the date ("Uông Bí").
    public var place: String = ""
    public var situation: String = ""
    public var exemplary: String = ""
    public var shortcomings: String = ""
    public var proposals: String = ""
    /// Who receives it, one per line (Nơi nhận).
    public var recipients: String = ""
    /// The signature block: for whom and in what capacity ("TM. BAN CHỈ ĐẠO\nTRƯỞNG BAN"), and the name.
    public var signerTitle: String = ""
    public var signerName: String = ""

    public init() {}

    public static let fields = ["number", "issuedOn", "place", "situation", "exemplary", "shortcomings", "proposals",
                                "recipients", "signerTitle", "signerName"]
    static let short: Set<String> = ["number", "place", "signerName"]
    public static let maxShort = 200
    public static let maxLong = 20_000

    /// How far ahead a report may be dated: one prepared for a conference is dated the day it is signed.
    public static let maxDaysAhead = 60

    /// The prose as typed, each field trimmed; a message key per field that is wrong.
    public static func check(_ values: [String: String], today: LocalDate) -> (ReportProse?, [String: String]) {
        var errors: [String: String] = [:]
        func typed(_ field: String) -> String {
            let value = (values[field] ?? "").replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            if value.count > (short.contains(field) ? maxShort : maxLong) { errors[field] = "field.tooLong" }
            if TextInput.forbidden(in: value) != nil { errors[field] = "field.controlCharacter" }
            return value
        }
        var prose = ReportProse()
        prose.number = typed("number")
        prose.place = typed("place")
        prose.situation = typed("situation")
        prose.exemplary = typed("exemplary")
        prose.shortcomings = typed("shortcomings")
        prose.proposals = typed("proposals")
        prose.recipients = typed("recipients")
        prose.signerTitle = typed("signerTitle")
        prose.signerName = typed("signerName")
        let day = typed("issuedOn")
        if !day.isEmpty {
            if let date = LocalDate(iso: day) {
                if date > today.adding(days: maxDaysAhead) { errors["issuedOn"] = "field.tooFarAhead" } else { prose.issuedOn = date }
            } else {
                errors["issuedOn"] = "field.date"
            }
        }
        return errors.isEmpty ? (prose, [:]) : (nil, errors)
    }

    /// "Uông Bí, ngày 10 tháng 02 năm 2025", with dots for what is not decided yet.
    public var placeAndDate: String {
        let place = self.place.isEmpty ? "……" : self.place
        guard let d = issuedOn else { return "\(place), ngày … tháng … năm ……" }
        return "\(place), \(d.administrative)"
    }
}
