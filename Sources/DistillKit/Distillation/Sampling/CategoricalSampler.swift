/// Draws with replacement from a fixed discrete distribution by inverse CDF (binary search over
/// the cumulative weights): UnKD's rank pairs.
public struct CategoricalSampler: Sendable {
    /// Cumulative weights, last = total.
    public let cumulative: [Double]

    /// `weights` must be finite, non-negative and not all zero.
    public init(weights: [Double]) {
        precondition(!weights.isEmpty && weights.allSatisfy { $0 >= 0 && $0.isFinite })
        var c = [Double](repeating: 0, count: weights.count)
        var s = 0.0
        for (k, w) in weights.enumerated() { s += w; c[k] = s }
        precondition(s > 0, "all weights are zero")
        cumulative = c
    }

    public var count: Int { cumulative.count }

    /// Probability of index k (for tests and records).
    public func probability(_ k: Int) -> Double {
        (cumulative[k] - (k == 0 ? 0 : cumulative[k - 1])) / cumulative[cumulative.count - 1]
    }

    /// One index; zero-weight indices are never returned.
    public func draw(_ rng: inout RandomStream) -> Int {
        let x = rng.nextDouble() * cumulative[cumulative.count - 1]
        // First k with cumulative[k] > x.
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > x { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}
