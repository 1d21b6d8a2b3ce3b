import Foundation

/// A member's place in a team (Law 30/2023, art. 14): the leader (tổ trưởng), deputy (tổ phó) or member (tổ viên).
public enum MemberRole: String, Codable, CaseIterable, Sendable {
    case leader, deputy, member

    /// The word a file and a person use: what an export writes, read back by `init(text:)`.
    public var word: String {
        switch self {
        case .leader: "tổ trưởng"
        case .deputy: "tổ phó"
        case .member: "tổ viên"
        }
    }

    /// The role as a file may write it: its name, or the Vietnamese word with or without its accents.
    public init?(text: String) {
        let key = MemberImport.folded(text)
        switch key {
        case "leader", "to truong", "tt": self = .leader
        case "deputy", "to pho", "tp": self = .deputy
        case "member", "to vien", "tv", "thanh vien": self = .member
        default: return nil
        }
    }
}

/// A file of a commune's team members: a header `village,full_name,role,phone,joined_on,left_on` (in any order;
/// `phone` and `left_on` may be left out), then a row per member. Read whole before anything is stored; every
/// mistake is said with its line. A member is known by their name within their village's team: a row for a name
/// already there updates it, and a member leaves by a `left_on`, keeping what they did.
public enum MemberImport {
    public struct Row: Equatable, Sendable {
        public var line: Int
        public var village: String
        public var fullName: String
        public var role: MemberRole
        public var phone: String?
        public var joinedOn: LocalDate
        public var leftOn: LocalDate?
        /// The file has no such column: a member already stored keeps theirs (an empty cell clears it).
        public var keepsPhone = false
        public var keepsLeftOn = false

        public init(line: Int, village: String, fullName: String, role: MemberRole, phone: String?, joinedOn: LocalDate, leftOn: LocalDate?) {
            self.line = line
            self.village = village
            self.fullName = fullName
            self.role = role
            self.phone = phone
            self.joinedOn = joinedOn
            self.leftOn = leftOn
        }

        /// Whether the member is in the team on a day.
        public func serves(on day: LocalDate) -> Bool { joinedOn <= day && leftOn.map { day <= $0 } ?? true }
    }

    public static let header = ["village", "full_name", "role", "phone", "joined_on", "left_on"]
    static let required: Set<String> = ["village", "full_name", "role", "joined_on"]
    public static let maxRows = 20_000
    public static let maxName = 120

    /// Lower case without accents or doubled spaces: how names and words are compared.
    public static func folded(_ text: String) -> String {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: Locale(identifier: "vi"))
            .replacingOccurrences(of: "đ", with: "d").replacingOccurrences(of: "Đ", with: "d")
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// A Vietnamese phone number as ten digits from 0 (`+84` and `84` read as 0; spaces, dots and dashes
    /// ignored); nil when it is not one.
    public static func phone(_ raw: String) -> String? {
        var digits = raw.filter { !" .-()".contains($0) }
        if digits.hasPrefix("+84") { digits = "0" + digits.dropFirst(3) }
        else if digits.hasPrefix("84") && digits.count == 11 { digits = "0" + digits.dropFirst(2) }
        // A spreadsheet that took the number for a number dropped its first 0.
        else if digits.count == 9 && !digits.hasPrefix("0") { digits = "0" + digits }
        guard digits.count == 10, digits.hasPrefix("0"), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return digits
    }

    public static func read(_ text: String, today: LocalDate) -> (rows: [Row], problems: [ImportProblem]) {
        read(ImportSheet.csv(text), today: today)
    }

    public static func read(_ sheet: ImportSheet, today: LocalDate) -> (rows: [Row], problems: [ImportProblem]) {
        let (opened, opening) = ImportTable.open(sheet, columns: header, required: required, maxRows: maxRows,
                                                 dayColumns: ["joined_on", "left_on"])
        guard let table = opened else { return ([], opening) }
        var problems = opening
        var rows: [Row] = []
        var seen: [String: Int] = [:]
        var leaders: [String: Int] = [:]
        for (line, cells) in table.rows {
            if table.overflows(cells) { problems.append(ImportProblem(line: line, key: "import.extraCells")); continue }
            var check = RowCheck(table, line: line, cells: cells)
            let village = check.required("village", missing: "import.villageMissing")
            let name = check.required("full_name", missing: "import.nameMissing")
            if name.count > maxName || name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                check.refuse("import.nameInvalid")
            }
            let rawRole = check.string("role")
            let role = MemberRole(text: rawRole)
            if role == nil && !check.wasRefused("role") { check.refuse("import.role", ["value": rawRole]) }
            let rawPhone = check.string("phone")
            let phone = rawPhone.isEmpty ? nil : Self.phone(rawPhone)
            if !rawPhone.isEmpty && phone == nil { check.refuse("import.phone", ["value": rawPhone]) }
            let joined = check.day("joined_on")
            if joined == nil && !check.wasRefused("joined_on") { check.refuse("import.date", ["column": "joined_on", "value": ""]) }
            let left = check.day("left_on")
            for (column, date) in [("joined_on", joined), ("left_on", left)] where date.map({ $0 > today }) == true {
                check.refuse("import.dateFuture", ["column": column, "value": check.shown(column)])
            }
            if let joined, let left, left < joined { check.refuse("import.leftBeforeJoined") }
            problems += check.problems
            guard !check.bad, let role, let joined else { continue }
            let key = folded(village) + "|" + folded(name)
            if let first = seen[key] {
                problems.append(ImportProblem(line: line, key: "import.duplicateMember", arguments: ["first": String(first)]))
                continue
            }
            seen[key] = line
            var row = Row(line: line, village: village, fullName: name, role: role, phone: phone, joinedOn: joined, leftOn: left)
            row.keepsPhone = !table.has("phone")
            row.keepsLeftOn = !table.has("left_on")
            // A team has one leader at a time: two in the file still serving today cannot both be.
            if role == .leader && row.serves(on: today) {
                if let first = leaders[folded(village)] {
                    problems.append(ImportProblem(line: line, key: "import.twoLeaders", arguments: ["first": String(first)]))
                    continue
                }
                leaders[folded(village)] = line
            }
            rows.append(row)
        }
        problems.sort { ($0.line, $0.key) < ($1.line, $1.key) }
        return (rows, problems)
    }

    /// A line of the same layout, for the export and the template (the cells as given: exports guard
    /// formula-like text first, `FormulaText`).
    public static func line(_ cells: [String]) -> String {
        cells.map { cell in
            cell.contains(where: { ",\"\n\r;".contains($0) }) ? "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : cell
        }.joined(separator: ",")
    }
}
