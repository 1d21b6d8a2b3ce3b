import Foundation
import Yams

/// Reads a plan file (YAML) and checks it whole: every problem is reported at once, each with its line.
public enum PlanLoader {
    public static let supportedFormat = 1

    public static func load(yaml: String) throws(PlanValidationError) -> Plan {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw PlanValidationError(problems: [syntaxProblem(error)])
        } catch {
            throw PlanValidationError(problems: [PlanProblem(line: 1, column: 1, key: "plan.yamlSyntax",
                                                             arguments: ["detail": "\(error)"])])
        }
        var reader = PlanReader()
        let plan = reader.plan(root)
        if let plan, reader.problems.isEmpty { return plan }
        let sorted = reader.problems.enumerated().sorted {
            ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset)
        }.map(\.element)
        throw PlanValidationError(problems: sorted.isEmpty
            ? [PlanProblem(line: 1, column: 1, key: "plan.empty")] : sorted)
    }

    private static func syntaxProblem(_ error: YamlError) -> PlanProblem {
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return PlanProblem(line: mark.line, column: mark.column, key: "plan.yamlSyntax", arguments: ["detail": problem])
        case let .duplicatedKeysInMapping(duplicates, context):
            return PlanProblem(line: context.mark.line, column: context.mark.column, key: "plan.duplicateKey",
                               arguments: ["keys": duplicates.joined(separator: ", ")])
        default:
            return PlanProblem(line: 1, column: 1, key: "plan.yamlSyntax", arguments: ["detail": "\(error)"])
        }
    }
}

/// A mapping whose keys have been checked against what is allowed.
private struct Fields {
    let node: Node
    let path: String
    let values: [String: Node]

    subscript(_ key: String) -> Node? { values[key] }
}

private struct PlanReader {
    var problems: [PlanProblem] = []
    /// Points of every target and criterion whose points could be read, even when something else in it is wrong,
    /// so that the sum is checked in the same pass as everything else.
    var pointsSeen: Double = 0
    var pointsUnreadable = false

    // MARK: Reporting

    mutating func report(_ node: Node?, _ key: String, _ arguments: [String: String] = [:]) {
        let mark = node?.mark
        problems.append(PlanProblem(line: mark?.line ?? 1, column: mark?.column ?? 1, key: key, arguments: arguments))
    }

    // MARK: Shapes

    /// A mapping with exactly the allowed keys; reports unknown keys and the required ones that are missing.
    mutating func fields(_ node: Node?, path: String, required: [String], optional: [String] = []) -> Fields? {
        guard let node else { return nil }
        guard case let .mapping(mapping) = node else {
            report(node, "plan.notMapping", ["path": path])
            return nil
        }
        var values: [String: Node] = [:]
        let allowed = required + optional
        for (key, value) in mapping {
            guard let name = key.string else {
                report(key, "plan.notText", ["path": path])
                continue
            }
            if allowed.contains(name) {
                values[name] = value
            } else {
                report(key, "plan.unknownField", ["field": name, "path": path, "allowed": allowed.joined(separator: ", ")])
            }
        }
        for name in required where values[name] == nil {
            report(node, "plan.missingField", ["field": name, "path": path])
        }
        return Fields(node: node, path: path, values: values)
    }

    mutating func sequence(_ node: Node?, path: String, allowEmpty: Bool = false) -> [Node] {
        guard let node else { return [] }
        guard case let .sequence(items) = node else {
            report(node, "plan.notList", ["path": path])
            return []
        }
        if items.isEmpty && !allowEmpty { report(node, "plan.emptyList", ["path": path]) }
        return Array(items)
    }

    mutating func text(_ node: Node?, path: String) -> String? {
        guard let node else { return nil }
        guard case let .scalar(scalar) = node, !scalar.string.trimmingCharacters(in: .whitespaces).isEmpty else {
            report(node, "plan.notText", ["path": path])
            return nil
        }
        return scalar.string
    }

    mutating func number(_ node: Node?, path: String) -> Double? {
        guard let node else { return nil }
        guard case let .scalar(scalar) = node, let value = Double(scalar.string), value.isFinite else {
            report(node, "plan.notNumber", ["path": path])
            return nil
        }
        return value
    }

    mutating func points(_ node: Node?, path: String) -> Double? {
        guard let value = number(node, path: path) else { return nil }
        if value < 0 { report(node, "plan.negativePoints", ["path": path]) }
        return value
    }

    /// Points that count toward the plan's total.
    mutating func countedPoints(_ node: Node?, path: String) -> Double? {
        let value = points(node, path: path)
        if let value { pointsSeen += value } else { pointsUnreadable = true }
        return value
    }

    mutating func integer(_ node: Node?, path: String) -> Int? {
        guard let node else { return nil }
        guard case let .scalar(scalar) = node, let value = Int(scalar.string) else {
            report(node, "plan.notInteger", ["path": path])
            return nil
        }
        return value
    }

    mutating func date(_ node: Node?, path: String) -> LocalDate? {
        guard let node else { return nil }
        guard case let .scalar(scalar) = node, let value = LocalDate(iso: scalar.string) else {
            report(node, "plan.notDate", ["path": path, "value": node.string ?? ""])
            return nil
        }
        return value
    }

    /// A value that must be one of a closed list.
    mutating func choice<T: RawRepresentable>(_ node: Node?, path: String, as type: T.Type) -> T?
    where T: CaseIterable, T.RawValue == String {
        guard let raw = text(node, path: path) else { return nil }
        guard let value = T(rawValue: raw) else {
            report(node, "plan.unknownValue", ["path": path, "value": raw,
                                               "allowed": T.allCases.map(\.rawValue).joined(separator: ", ")])
            return nil
        }
        return value
    }

    /// Ids must be unique within their list (targets: within the whole plan).
    mutating func checkUnique(_ items: [(id: String, node: Node)], path: String) {
        var seen: [String: Node] = [:]
        for item in items {
            if let first = seen[item.id] {
                report(item.node, "plan.duplicateId", ["id": item.id, "path": path,
                                                       "firstLine": String(first.mark?.line ?? 0)])
            } else {
                seen[item.id] = item.node
            }
        }
    }

    // MARK: The plan

    mutating func plan(_ root: Node?) -> Plan? {
        guard let root else { return nil }
        guard let f = fields(root, path: "plan",
                             required: ["format", "id", "theme", "organiser", "phases", "contents", "total_points",
                                        "classification"],
                             optional: ["area", "criteria", "adjustments", "missing_data_points", "illustrative"]) else { return nil }
        let format = integer(f["format"], path: "format")
        if let format, format != PlanLoader.supportedFormat {
            report(f["format"], "plan.unsupportedFormat", ["value": String(format),
                                                           "supported": String(PlanLoader.supportedFormat)])
        }
        let id = identifier(f["id"], path: "id")
        let theme = text(f["theme"], path: "theme")
        let organiser = organiser(f["organiser"])
        let area = sequence(f["area"], path: "area", allowEmpty: true).compactMap { text($0, path: "area") }
        let total = points(f["total_points"], path: "total_points")
        let missing = f["missing_data_points"].map { points($0, path: "missing_data_points") } ?? 0
        let phases = phases(f["phases"])
        let contents = contents(f["contents"])
        let criteria = criteria(f["criteria"])
        let adjustments = adjustments(f["adjustments"])
        let bands = bands(f["classification"], total: total)
        var illustrative: Bool?
        if let node = f["illustrative"] {
            switch node.string {
            case "true": illustrative = true
            case "false": illustrative = false
            default: report(node, "plan.notBoolean", ["path": "illustrative"])
            }
        }

        var plan = Plan(formatVersion: format ?? 0, id: id ?? "", theme: theme ?? "",
                        organiser: organiser ?? Organiser(name: ""), area: area, totalPoints: total ?? 0,
                        missingDataPoints: missing ?? 0, phases: phases, contents: contents, criteria: criteria,
                        adjustments: adjustments, classification: bands)
        plan.illustrative = illustrative
        if let total, !pointsUnreadable, pointsSeen > 0, abs(pointsSeen - total) > 1e-9 {
            report(f["total_points"], "plan.pointsSum", ["declared": show(pointsSeen),
                                                         "total": show(total)])
        }
        if let missing, let total, missing > total {
            report(f["missing_data_points"], "plan.missingPointsTooHigh", ["value": show(missing)])
        }
        return plan
    }

    func show(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// Ids are short, stable names: letters, digits, '-' and '_'.
    mutating func identifier(_ node: Node?, path: String) -> String? {
        guard let value = text(node, path: path) else { return nil }
        let ok = value.count <= 64 && value.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "-" || $0 == "_"
        }
        if !ok { report(node, "plan.badId", ["path": path, "value": value]) }
        return value
    }

    mutating func organiser(_ node: Node?) -> Organiser? {
        guard let f = fields(node, path: "organiser", required: ["name"], optional: ["short_name", "parent"]) else { return nil }
        let name = text(f["name"], path: "organiser.name")
        let short = f["short_name"].flatMap { text($0, path: "organiser.short_name") }
        let parent = f["parent"].flatMap { text($0, path: "organiser.parent") }
        return Organiser(name: name ?? "", shortName: short, parent: parent)
    }

    /// A list of items that each have an `id`: reads every item, checks that ids are unique within the list, and
    /// builds what can be built. `build` gets the item's fields, its path and its id (nil when unreadable).
    mutating func items<T>(_ node: Node?, path: String, allowEmpty: Bool = false, required: [String],
                           optional: [String] = [], _ build: (inout PlanReader, Fields, String, String?) -> T?) -> [T] {
        var result: [T] = []
        var ids: [(id: String, node: Node)] = []
        for (index, item) in sequence(node, path: path, allowEmpty: allowEmpty).enumerated() {
            let itemPath = "\(path)[\(index + 1)]"
            guard let f = fields(item, path: itemPath, required: ["id"] + required, optional: optional) else { continue }
            let id = identifier(f["id"], path: itemPath + ".id")
            if let id, let idNode = f["id"] { ids.append((id, idNode)) }
            if let built = build(&self, f, itemPath, id) { result.append(built) }
        }
        checkUnique(ids, path: path)
        return result
    }

    mutating func phases(_ node: Node?) -> [Phase] {
        let read: [(Phase, Node)] = items(node, path: "phases", required: ["name", "start", "end"],
                                          optional: ["occasion"]) { r, f, path, id in
            let name = r.text(f["name"], path: path + ".name")
            let start = r.date(f["start"], path: path + ".start")
            let end = r.date(f["end"], path: path + ".end")
            let occasion = f["occasion"].flatMap { r.text($0, path: path + ".occasion") }
            guard let id, let name, let start, let end else { return nil }
            if end < start {
                r.report(f["end"], "plan.phaseEndsBeforeStart", ["id": id, "start": start.display, "end": end.display])
                return nil
            }
            return (Phase(id: id, name: name, start: start, end: end, occasion: occasion), f.node)
        }
        for (i, (phase, item)) in read.enumerated() {
            for (other, _) in read[..<i] where phase.span.overlaps(other.span) {
                report(item, "plan.phasesOverlap", ["id": phase.id, "other": other.id])
            }
        }
        return read.map(\.0).sorted { $0.start < $1.start }
    }

    mutating func contents(_ node: Node?) -> [Content] {
        var targetIds: [(id: String, node: Node)] = []
        let result: [Content] = items(node, path: "contents", required: ["number", "name", "targets"]) { r, f, path, id in
            let number = r.integer(f["number"], path: path + ".number")
            let name = r.text(f["name"], path: path + ".name")
            var targets: [Target] = []
            for (t, targetNode) in r.sequence(f["targets"], path: path + ".targets").enumerated() {
                if let (target, idNode) = r.target(targetNode, path: "\(path).targets[\(t + 1)]") {
                    targets.append(target)
                    targetIds.append((target.id, idNode))
                }
            }
            guard let id, let number, let name else { return nil }
            return Content(id: id, number: number, name: name, targets: targets)
        }
        checkUnique(targetIds, path: "targets")
        return result
    }

    mutating func target(_ node: Node, path: String) -> (Target, Node)? {
        guard let f = fields(node, path: path, required: ["id", "name", "indicator", "goal", "points"],
                             optional: ["scoring"]) else { return nil }
        let id = identifier(f["id"], path: path + ".id")
        let name = text(f["name"], path: path + ".name")
        let indicator = indicator(f["indicator"], path: path + ".indicator")
        let goal = goal(f["goal"], path: path + ".goal")
        let points = countedPoints(f["points"], path: path + ".points")
        let scoring = f["scoring"].map { choice($0, path: path + ".scoring", as: Scoring.self) } ?? .proportional
        guard let id, let name, let indicator, let goal, let points, let scoring, let idNode = f["id"] else { return nil }
        checkFit(goal: goal, indicator: indicator, target: id, at: f["goal"])
        return (Target(id: id, name: name, indicator: indicator, goal: goal, points: points, scoring: scoring), idNode)
    }

    /// A goal must be one its indicator can meet: percentages for ratios, whole counts for counts,
    /// and a decrease only against a baseline.
    mutating func checkFit(goal: Goal, indicator: Indicator, target: String, at node: Node?) {
        let args = ["target": target, "goal": goal.kindName, "indicator": indicator.kindName]
        switch (indicator, goal) {
        case (.change, .decrease(let percent)):
            if let percent, !(percent > 0 && percent < 100) {
                report(node, "plan.goalOutOfRange", args.merging(["value": show(percent), "range": "0–100"]) { a, _ in a })
            }
        case (.change, _):
            report(node, "plan.goalNeedsDecrease", args)
        case (_, .decrease):
            report(node, "plan.decreaseNeedsChange", args)
        case (.ratio, .atLeast(let v)), (.ratio, .atMost(let v)):
            if !(v >= 0 && v <= 100) {
                report(node, "plan.goalOutOfRange", args.merging(["value": show(v), "range": "0–100"]) { a, _ in a })
            }
        case (.count, .atLeast(let v)), (.count, .atMost(let v)):
            if v < 0 || v != v.rounded() {
                report(node, "plan.goalNotWholeCount", args.merging(["value": show(v)]) { a, _ in a })
            }
        }
    }

    mutating func indicator(_ node: Node?, path: String) -> Indicator? {
        guard let f = fields(node, path: path, required: [], optional: ["count", "ratio", "change"]) else { return nil }
        let given = ["count", "ratio", "change"].filter { f[$0] != nil }
        guard given.count == 1, let kind = given.first else {
            report(node, "plan.indicatorKind", ["path": path])
            return nil
        }
        let inner = path + "." + kind
        switch kind {
        case "count":
            guard let m = measure(f["count"], path: inner, extra: ["per_thousand"]) else { return nil }
            var perThousand = false
            if let node = m.fields["per_thousand"] {
                switch node.string {
                case "true": perThousand = true
                case "false": perThousand = false
                default: report(node, "plan.notBoolean", ["path": inner + ".per_thousand"])
                }
            }
            return .count(m.measure, perThousand: perThousand)
        case "ratio":
            guard let r = fields(f["ratio"], path: inner, required: ["numerator", "denominator"]) else { return nil }
            let n = measure(r["numerator"], path: inner + ".numerator", extra: [])
            let d = measure(r["denominator"], path: inner + ".denominator", extra: [])
            guard let n, let d else { return nil }
            return .ratio(numerator: n.measure, denominator: d.measure)
        default:
            guard let m = measure(f["change"], path: inner, extra: ["baseline"]) else { return nil }
            guard let baseline = baseline(m.fields["baseline"], path: inner + ".baseline", mapping: m.fields) else {
                return nil
            }
            return .change(m.measure, baseline: baseline)
        }
    }

    mutating func baseline(_ node: Node?, path: String, mapping: Fields) -> Baseline? {
        guard let node else {
            report(mapping.node, "plan.missingField", ["field": "baseline", "path": mapping.path])
            return nil
        }
        if case .scalar = node {
            guard text(node, path: path) == "previous_year" else {
                report(node, "plan.unknownValue", ["path": path, "value": node.string ?? "",
                                                   "allowed": "previous_year, {declared: N}"])
                return nil
            }
            return .previousYear
        }
        guard let f = fields(node, path: path, required: ["declared"]),
              let value = number(f["declared"], path: path + ".declared") else { return nil }
        if value < 0 { report(f["declared"], "plan.negativeValue", ["path": path + ".declared"]) }
        return .declared(value)
    }

    mutating func measure(_ node: Node?, path: String, extra: [String]) -> (measure: Measure, fields: Fields)? {
        guard let node else { return nil }
        guard case .mapping(let mapping) = node else {
            report(node, "plan.notMapping", ["path": path])
            return nil
        }
        if mapping["records"] != nil && mapping["figure"] != nil || mapping["records"] == nil && mapping["figure"] == nil {
            report(node, "plan.measureKind", ["path": path])
            return nil
        }
        if mapping["records"] != nil {
            guard let f = fields(node, path: path, required: ["records"], optional: ["where", "during"] + extra),
                  let kind = choice(f["records"], path: path + ".records", as: RecordKind.self) else { return nil }
            let filter = filters(f["where"], kind: kind, path: path + ".where")
            let window = f["during"].map { choice($0, path: path + ".during", as: RecordWindow.self) } ?? .phase
            guard let window else { return nil }
            if window == .activeAtEnd && !kind.hasDuration {
                report(f["during"], "plan.windowNeedsDuration", ["path": path + ".during", "kind": kind.rawValue])
            }
            return (.records(kind, filter: filter, during: window), f)
        }
        guard let f = fields(node, path: path, required: ["figure", "aggregate"], optional: extra),
              let kind = choice(f["figure"], path: path + ".figure", as: FigureKind.self),
              let aggregate = choice(f["aggregate"], path: path + ".aggregate", as: FigureAggregate.self) else {
            return nil
        }
        return (.figure(kind, aggregate), f)
    }

    mutating func filters(_ node: Node?, kind: RecordKind, path: String) -> [RecordFilter] {
        guard let node else { return [] }
        guard case .mapping(let mapping) = node else {
            report(node, "plan.notMapping", ["path": path])
            return []
        }
        var result: [RecordFilter] = []
        let fields = kind.filterFields
        for (key, value) in mapping {
            guard let name = key.string, let allowed = fields[name] else {
                report(key, "plan.unknownField", ["field": key.string ?? "", "path": path,
                                                  "allowed": fields.keys.sorted().joined(separator: ", ")])
                continue
            }
            guard let raw = text(value, path: path + "." + name) else { continue }
            guard allowed.contains(raw) else {
                report(value, "plan.unknownValue", ["path": path + "." + name, "value": raw,
                                                    "allowed": allowed.joined(separator: ", ")])
                continue
            }
            result.append(RecordFilter(field: name, value: raw))
        }
        return result.sorted { $0.field < $1.field }
    }

    mutating func goal(_ node: Node?, path: String) -> Goal? {
        guard let f = fields(node, path: path, required: [], optional: ["at_least", "at_most", "decrease"]) else {
            return nil
        }
        let given = ["at_least", "at_most", "decrease"].filter { f[$0] != nil }
        guard given.count == 1, let kind = given.first else {
            report(node, "plan.goalKind", ["path": path])
            return nil
        }
        switch kind {
        case "at_least": return number(f["at_least"], path: path + ".at_least").map { .atLeast($0) }
        case "at_most": return number(f["at_most"], path: path + ".at_most").map { .atMost($0) }
        default:
            let value = f["decrease"]
            if value?.string == "true" { return .decrease(byPercent: nil) }
            return number(value, path: path + ".decrease").map { .decrease(byPercent: $0) }
        }
    }

    mutating func criteria(_ node: Node?) -> [Criterion] {
        items(node, path: "criteria", allowEmpty: true, required: ["name", "points"]) { r, f, path, id in
            let name = r.text(f["name"], path: path + ".name")
            let points = r.countedPoints(f["points"], path: path + ".points")
            guard let id, let name, let points else { return nil }
            return Criterion(id: id, name: name, points: points)
        }
    }

    mutating func adjustments(_ node: Node?) -> [Adjustment] {
        items(node, path: "adjustments", allowEmpty: true, required: ["name", "kind", "max_points"]) { r, f, path, id in
            let name = r.text(f["name"], path: path + ".name")
            let kind = r.choice(f["kind"], path: path + ".kind", as: Adjustment.Kind.self)
            let max = r.points(f["max_points"], path: path + ".max_points")
            guard let id, let name, let kind, let max else { return nil }
            return Adjustment(id: id, name: name, kind: kind, maxPoints: max)
        }
    }

    /// Bands run from the highest floor down; the lowest must start at 0 so every total has a band.
    mutating func bands(_ node: Node?, total: Double?) -> [ClassificationBand] {
        var floors: [Double] = []
        let result: [ClassificationBand] = items(node, path: "classification", required: ["name", "min_points"]) { r, f, path, id in
            let name = r.text(f["name"], path: path + ".name")
            let floor = r.points(f["min_points"], path: path + ".min_points")
            if let floor {
                if let total, floor > total {
                    r.report(f["min_points"], "plan.bandAboveTotal", ["path": path, "value": r.show(floor)])
                }
                if floors.contains(floor) {
                    r.report(f["min_points"], "plan.bandDuplicateFloor", ["path": path, "value": r.show(floor)])
                }
                floors.append(floor)
            }
            guard let id, let name, let floor else { return nil }
            return ClassificationBand(id: id, name: name, minPoints: floor)
        }
        if !floors.isEmpty && !floors.contains(0) {
            report(node, "plan.bandsNeedZero")
        }
        return result.sorted { $0.minPoints > $1.minPoints }
    }
}
