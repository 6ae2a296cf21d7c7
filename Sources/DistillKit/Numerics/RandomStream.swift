/// A counter-based random stream: output n is a bijective mix of (key, n), so a stream is
/// fully determined by its key and never shares state with another stream.
///
/// Keys are derived from (master seed, purpose name, indices) with `RandomStream(seed:purpose:_:)`,
/// so adding a method or reordering runs changes no other stream.  The mixer is SplitMix64's
/// finaliser, which is what makes a plain `RandomStream(state:)` reproduce a SplitMix64 sequence.
public struct RandomStream: Sendable {
    @usableFromInline static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15
    @usableFromInline var state: UInt64

    /// A stream whose outputs are exactly SplitMix64 seeded with `state`.
    @inlinable public init(state: UInt64) { self.state = state }

    /// The stream for `purpose` under `seed`, further split by `indices` (epoch, batch, user, ...).
    public init(seed: UInt64, purpose: String, _ indices: Int...) {
        var key = RandomStream.mix(seed &+ RandomStream.gamma)
        key = RandomStream.mix(key ^ RandomStream.fnv1a(purpose))
        for i in indices { key = RandomStream.mix(key &+ RandomStream.gamma ^ UInt64(bitPattern: Int64(i))) }
        self.state = key
    }

    /// A child stream: the same derivation one level further.
    public func split(_ purpose: String, _ indices: Int...) -> RandomStream {
        var key = RandomStream.mix(state ^ RandomStream.fnv1a(purpose))
        for i in indices { key = RandomStream.mix(key &+ RandomStream.gamma ^ UInt64(bitPattern: Int64(i))) }
        return RandomStream(state: key)
    }

    @inlinable @inline(__always)
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// FNV-1a over UTF-8: a stable hash of purpose names (Swift's `hashValue` is seeded per process).
    public static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= RandomStream.gamma
        return RandomStream.mix(state)
    }

    /// Uniform integer in 0..<n without modulo bias (Lemire's multiply-shift with rejection).
    @inlinable @inline(__always)
    public mutating func nextInt(below n: Int) -> Int {
        precondition(n > 0)
        let bound = UInt64(n)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return Int(m.high)
    }

    /// Uniform Float in [0, 1) with 24 random bits.
    @inlinable @inline(__always)
    public mutating func nextFloat() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Uniform Double in [0, 1) with 53 random bits.
    @inlinable @inline(__always)
    public mutating func nextDouble() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) }

    /// Standard normal by Box-Muller (one value per call; glibc's log/cos are deterministic).
    @inlinable
    public mutating func nextGaussian() -> Double {
        var u = nextDouble()
        while u <= 0 { u = nextDouble() }
        let v = nextDouble()
        return (-2.0 * _log(u)).squareRoot() * _cos(2.0 * Double.pi * v)
    }

    /// Fisher-Yates shuffle, from the last index down with `next() % (k + 1)`: exactly the
    /// split procedure of the accuracy anchors (research/perf-anchors.md §1), so a split made here
    /// can be checked against their digest.  The modulo bias is below 1e-15 for any list we shuffle.
    @inlinable
    public mutating func shuffle<T>(_ a: inout [T]) {
        var k = a.count - 1
        while k > 0 {
            let j = Int(next() % UInt64(k + 1))
            a.swapAt(k, j)
            k -= 1
        }
    }

    /// Gumbel(0, 1) noise.
    @inlinable
    public mutating func nextGumbel() -> Double {
        var u = nextDouble()
        while u <= 0 { u = nextDouble() }
        return -_log(-_log(u))
    }
}

#if canImport(Glibc)
import Glibc
@usableFromInline func _log(_ x: Double) -> Double { Glibc.log(x) }
@usableFromInline func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Foundation
@usableFromInline func _log(_ x: Double) -> Double { Foundation.log(x) }
@usableFromInline func _cos(_ x: Double) -> Double { Foundation.cos(x) }
#endif
