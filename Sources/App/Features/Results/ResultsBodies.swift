import Foundation
import NIOConcurrencyHelpers
import Vapor

/// The encoded answers of the results API for every unit, kept while nothing changes, and each unit's part kept
/// while it is the same: after a write, the answer is spliced from the parts, and only the units whose result,
/// rank or months moved are encoded again. At the nation's scale an answer is 8 MB, whose encoding whole costs a
/// third of a second; a write moves a handful of units.
final class ResultsBodies: Sendable {
    /// Answers kept by entity tag: a few phases and days.
    static let capacity = 4
    /// An answer as JSON and as gzip made of the same parts compressed one by one (nil only if zlib failed).
    struct Answer: Sendable {
        var plain: ByteBuffer
        var gzip: ByteBuffer?
    }
    private struct Part {
        var json: ResultsAPI.UnitResultJSON
        var bytes: [UInt8]
        /// A number of its own each time a unit's bytes change, so that a piece knows what it was compressed after.
        var serial: UInt64
        var gzip: Gzip.Piece?
        /// What the piece was compressed after: the unit before it (and that unit's serial), or the head.
        var after: (unit: String, serial: UInt64)?
    }
    private struct State {
        var bodies: [String: (body: Answer, used: UInt64)] = [:]
        /// Per answer (movement, phase, day, structure), each unit's part.
        var parts: [String: (units: [String: Part], used: UInt64)] = [:]
        var clock: UInt64 = 0
        var serial: UInt64 = 0
        var encoded = 0
        /// Per answer, the head its first piece was compressed after.
        var openings: [String: [UInt8]] = [:]
    }
    private let state = NIOLockedValueBox(State())

    func body(tag: String) -> Answer? {
        state.withLockedValue { s in
            guard let found = s.bodies[tag] else { return nil }
            s.clock += 1
            s.bodies[tag]?.used = s.clock
            return found.body
        }
    }

    private let flights = NIOLockedValueBox<[String: Task<Answer, any Error>]>([:])

    /// The answer for a tag: kept, or built once however many ask for it at the same moment (after a write, every
    /// reader asks at once; one builds, the rest wait for it rather than for the gate).
    func body(tag: String, building: @escaping @Sendable () async throws -> Answer) async throws -> Answer {
        if let kept = body(tag: tag) { return kept }
        let task = flights.withLockedValue { flights in
            if let running = flights[tag] { return running }
            let started = Task { try await building() }
            flights[tag] = started
            return started
        }
        defer { flights.withLockedValue { if $0[tag] == task { $0[tag] = nil } } }
        return try await task.value
    }

    /// How many units' parts were encoded since the start.
    var encodedParts: Int { state.withLockedValue { $0.encoded } }

    private static let comma = Gzip.piece(Array(",".utf8))

    /// The answer's bytes: its head encoded with no units, and each unit's part, kept or encoded afresh; the same
    /// as gzip from the parts' kept pieces.
    func encode(_ json: ResultsAPI.ResultsJSON, tag: String) throws -> Answer {
        let encoder = JSONEncoder()
        var head = json
        head.units = []
        let headBytes = Array(try encoder.encode(head))
        let marker = Array(#""units":[]"#.utf8)
        // A key's name never occurs inside an encoded string, where its quotes would be escaped.
        guard let at = headBytes.firstRange(of: marker) else { throw Abort(.internalServerError) }
        let opening = Array(headBytes[..<at.lowerBound]) + Array(#""units":["#.utf8)
        let closing = [UInt8(ascii: "]")] + Array(headBytes[at.upperBound...])
        // A unit's part is its own in each answer (movement, phase, day, structure); kept only while it is equal.
        let answer = [json.movementId, json.phase.id, json.asOf, json.structureDate].joined(separator: "|")
        let kept = state.withLockedValue { s in
            json.units.map { unit in s.parts[answer]?.units[unit.unit.id].flatMap { $0.json == unit ? $0 : nil } }
        }
        var parts: [Part] = []
        parts.reserveCapacity(json.units.count)
        var changed: Set<Int> = []
        for (i, (unit, found)) in zip(json.units, kept).enumerated() {
            if let found { parts.append(found); continue }
            let serial = state.withLockedValue { s in s.serial += 1; return s.serial }
            parts.append(Part(json: unit, bytes: Array(try encoder.encode(unit)), serial: serial))
            changed.insert(i)
        }
        let encodedCount = changed.count
        var buffer = ByteBufferAllocator().buffer(capacity: opening.count + closing.count + parts.reduce(json.units.count) { $0 + $1.bytes.count })
        buffer.writeBytes(opening)
        for (i, part) in parts.enumerated() {
            if i > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            buffer.writeBytes(part.bytes)
        }
        buffer.writeBytes(closing)
        // Each unit's piece is compressed after the unit before it (or the head): kept while that is the same.
        let sameOpening = state.withLockedValue { $0.openings[answer] == opening }
        var gzip: ByteBuffer?
        if let first = Gzip.piece(opening), let last = Gzip.piece(closing), let comma = Self.comma {
            var pieces: [Gzip.Piece] = [first]
            for i in parts.indices {
                if i > 0 { pieces.append(comma) }
                let before = i > 0 ? (parts[i - 1].json.unit.id, parts[i - 1].serial) : ("", 0)
                let fits = parts[i].after.map { $0.unit == before.0 && $0.serial == before.1 } ?? false
                if parts[i].gzip == nil || !fits || (i == 0 && !sameOpening) {
                    parts[i].gzip = Gzip.piece(parts[i].bytes, after: i > 0 ? parts[i - 1].bytes + [UInt8(ascii: ",")] : opening)
                    parts[i].after = before
                    changed.insert(i)
                }
                guard let piece = parts[i].gzip else { break }
                pieces.append(piece)
            }
            pieces.append(last)
            if pieces.count == 2 + parts.count + max(0, parts.count - 1) { gzip = Gzip.join(pieces) }
        }
        let fresh = changed.map { (parts[$0].json.unit.id, parts[$0]) }
        let result = Answer(plain: buffer, gzip: gzip)
        state.withLockedValue { s in
            s.clock += 1
            var units = s.parts[answer]?.units ?? [:]
            s.parts[answer] = nil
            for (id, part) in fresh { units[id] = part }
            s.parts[answer] = (units, s.clock)
            s.encoded += encodedCount
            s.openings[answer] = opening
            while s.parts.count > Self.capacity, let oldest = s.parts.min(by: { $0.value.used < $1.value.used })?.key {
                s.parts[oldest] = nil
            }
            s.bodies[tag] = (result, s.clock)
            while s.bodies.count > Self.capacity, let oldest = s.bodies.min(by: { $0.value.used < $1.value.used })?.key {
                s.bodies[oldest] = nil
            }
        }
        return result
    }
}

extension Application {
    private struct ResultsBodiesKey: StorageKey { typealias Value = ResultsBodies }

    /// Set once in `configure`, before any request.
    var resultsBodies: ResultsBodies? {
        get { storage[ResultsBodiesKey.self] }
        set { storage[ResultsBodiesKey.self] = newValue }
    }
}
