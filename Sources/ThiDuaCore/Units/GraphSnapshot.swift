import Foundation

/// The unit graph as one compact byte string, so that a server reads the nation's structure (100,000 units and
/// 190,000 parent links) as one value instead of row by row. Ids as 16 bytes, days as three numbers, text as UTF-8
/// with its length; a format number first, so that a snapshot of another format is read as none.
extension UnitGraph {
    static let snapshotFormat: UInt8 = 1

    public func snapshot() -> [UInt8] {
        var w = SnapshotWriter()
        w.byte(Self.snapshotFormat)
        w.count(units.count)
        // In a fixed order, so that the same structure gives the same bytes.
        for u in units.values.sorted(by: { $0.id.uuidString < $1.id.uuidString }) {
            w.id(u.id); w.text(u.code); w.text(u.level.rawValue); w.text(u.kind); w.text(u.name)
            w.number(u.population); w.number(u.households); w.day(u.validFrom); w.day(u.validTo)
        }
        w.count(links.count)
        for l in links { w.id(l.unitID); w.id(l.parentID); w.day(l.validFrom); w.day(l.validTo) }
        w.count(successions.count)
        for s in successions { w.id(s.predecessorID); w.id(s.successorID); w.day(s.effective); w.byte(s.whole ? 1 : 0); w.text(s.note) }
        return w.bytes
    }

    /// The graph a snapshot holds; nil for bytes that are not one (cut short, another format).
    public init?(snapshot bytes: [UInt8]) {
        var r = SnapshotReader(bytes: bytes)
        guard r.byte() == Self.snapshotFormat, let unitCount = r.count() else { return nil }
        var units: [UnitInfo] = []
        units.reserveCapacity(unitCount)
        for _ in 0..<unitCount {
            guard let id = r.id(), let code = r.optionalText(), let levelText = r.text(), let level = UnitLevel(rawValue: levelText),
                  let kind = r.text(), let name = r.text(), let population = r.optionalNumber(), let households = r.optionalNumber(),
                  let from = r.day(), let to = r.optionalDay() else { return nil }
            units.append(UnitInfo(id: id, code: code, level: level, kind: kind, name: name, population: population,
                                  households: households, validFrom: from, validTo: to))
        }
        guard let linkCount = r.count() else { return nil }
        var links: [ParentLink] = []
        links.reserveCapacity(linkCount)
        for _ in 0..<linkCount {
            guard let unit = r.id(), let parent = r.id(), let from = r.day(), let to = r.optionalDay() else { return nil }
            links.append(ParentLink(unitID: unit, parentID: parent, validFrom: from, validTo: to))
        }
        guard let successionCount = r.count() else { return nil }
        var successions: [Succession] = []
        for _ in 0..<successionCount {
            guard let p = r.id(), let s = r.id(), let effective = r.day(), let whole = r.byte(), let note = r.optionalText() else { return nil }
            successions.append(Succession(predecessorID: p, successorID: s, effective: effective, whole: whole == 1, note: note))
        }
        guard r.atEnd else { return nil }
        self.init(units: units, links: links, successions: successions)
    }
}

private struct SnapshotWriter {
    var bytes: [UInt8] = []

    mutating func byte(_ b: UInt8) { bytes.append(b) }
    mutating func count(_ n: Int) { number32(UInt32(truncatingIfNeeded: n)) }
    mutating func number32(_ n: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: n >> UInt32(shift))) } }
    mutating func id(_ id: UUID) { withUnsafeBytes(of: id.uuid) { bytes.append(contentsOf: $0) } }
    mutating func text(_ s: String?) {
        guard let s else { return number32(UInt32.max) }
        let utf8 = Array(s.utf8)
        number32(UInt32(utf8.count))
        bytes.append(contentsOf: utf8)
    }
    mutating func number(_ n: Int?) {
        guard let n else { return byte(0) }
        byte(1)
        let v = UInt64(bitPattern: Int64(n))
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
    }
    mutating func day(_ d: LocalDate?) {
        guard let d else { return number32(0) }
        number32(UInt32(d.year * 10_000 + d.month * 100 + d.day))
    }
}

private struct SnapshotReader {
    let bytes: [UInt8]
    var at = 0
    var atEnd: Bool { at == bytes.count }

    mutating func byte() -> UInt8? {
        guard at < bytes.count else { return nil }
        defer { at += 1 }
        return bytes[at]
    }
    mutating func number32() -> UInt32? {
        guard at + 4 <= bytes.count else { return nil }
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[at + i]) << UInt32(8 * i) }
        at += 4
        return v
    }
    mutating func count() -> Int? {
        guard let n = number32(), n < UInt32(Int32.max) else { return nil }
        return Int(n)
    }
    mutating func id() -> UUID? {
        guard at + 16 <= bytes.count else { return nil }
        let b = bytes[at..<(at + 16)].map { $0 }
        at += 16
        return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }
    /// A text that may be absent: nil when malformed, `.some(nil)` when absent.
    mutating func optionalText() -> String?? {
        guard let n = number32() else { return nil }
        if n == UInt32.max { return .some(nil) }
        guard at + Int(n) <= bytes.count else { return nil }
        defer { at += Int(n) }
        return .some(String(decoding: bytes[at..<(at + Int(n))], as: UTF8.self))
    }
    mutating func text() -> String? {
        guard let t = optionalText(), let t else { return nil }
        return t
    }
    mutating func optionalNumber() -> Int?? {
        guard let flag = byte() else { return nil }
        if flag == 0 { return .some(nil) }
        guard at + 8 <= bytes.count else { return nil }
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[at + i]) << UInt64(8 * i) }
        at += 8
        return .some(Int(Int64(bitPattern: v)))
    }
    mutating func optionalDay() -> LocalDate?? {
        guard let n = number32() else { return nil }
        if n == 0 { return .some(nil) }
        guard let d = LocalDate(year: Int(n / 10_000), month: Int(n / 100 % 100), day: Int(n % 100)) else { return nil }
        return .some(d)
    }
    mutating func day() -> LocalDate? {
        guard let d = optionalDay(), let d else { return nil }
        return d
    }
}
