import Foundation

/// A small deterministic generator (SplitMix64): the same demo and the same benchmark data every time, and
/// reproducible property tests.
public struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UUID) {
        let u = seed.uuid
        state = [u.0, u.1, u.2, u.3, u.4, u.5, u.6, u.7].reduce(0) { ($0 << 8) | UInt64($1) }
    }

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
