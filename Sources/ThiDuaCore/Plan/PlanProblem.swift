/// One thing wrong with a plan file: where it is, and what to do about it.
///
/// `key` names a message in the localization files; `arguments` fill its placeholders. The core stays free of
/// user-facing text so that the same problem reads in Vietnamese or English.
public struct PlanProblem: Hashable, Sendable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let key: String
    public let arguments: [String: String]

    public init(line: Int, column: Int, key: String, arguments: [String: String] = [:]) {
        self.line = line
        self.column = column
        self.key = key
        self.arguments = arguments
    }

    public var description: String {
        let args = arguments.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
        return "\(line):\(column) \(key) [\(args)]"
    }
}

/// Thrown when a plan file has problems; it carries all of them, in file order.
public struct PlanValidationError: Error, Sendable {
    public let problems: [PlanProblem]
    public init(problems: [PlanProblem]) { self.problems = problems }
}
