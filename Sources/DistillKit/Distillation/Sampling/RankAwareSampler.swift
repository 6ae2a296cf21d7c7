import Foundation

/// CD's probabilistic rank-aware sampling (Lee et al., ICDM 2019): a user's distilled items are
/// drawn from a reference ranking of the user's unobserved items (the teacher's or the
/// student's) with
///
///     p(r) ∝ exp(-γ · r / |I_u^-|),   r = 0-based rank among the unobserved items,
///
/// (a 1-based rank gives the same distribution: the shift is a constant factor), without
/// replacement by successive sampling, m_u = min(cap, row length, max(1, round(δ |I_u^-|)))
/// items per user.  The reference ranking is a compact top-N list, so positions below N are
/// never drawn: the distribution is the formula renormalised over the first N positions.
public struct RankAwareSampler: Sendable {
    public let gamma: Double
    public let ratio: Double
    public let cap: Int
    /// |I_u^-| of every user (items minus train degree).
    public let unobserved: [Int]

    public init(train: Interactions, gamma: Double, ratio: Double, cap: Int) {
        precondition(gamma >= 0 && ratio > 0 && cap > 0)
        self.gamma = gamma
        self.ratio = ratio
        self.cap = cap
        unobserved = (0..<train.userCount).map { train.itemCount - train.degree(user: $0) }
    }

    /// How many items user u gets from a reference row of `listLength` entries.  Rounded to
    /// nearest (a ceiling would turn 0.2 × 15 = 3.0000000000000004 into 4), at least one.
    public func sampleSize(user u: Int, listLength: Int) -> Int {
        guard unobserved[u] > 0, listLength > 0 else { return 0 }
        return min(cap, listLength, max(1, Int((ratio * Double(unobserved[u])).rounded())))
    }

    /// Log weights of positions 0..<n for user u: -γ r / |I_u^-|.
    public func logWeights(user u: Int, positions n: Int) -> [Double] {
        let scale = gamma / Double(max(1, unobserved[u]))
        return (0..<n).map { -scale * Double($0) }
    }

    /// User u's items from its reference row, in draw order.
    public func drawRow(_ lists: RankedLists, user u: Int, _ rng: inout RandomStream) -> [Int32] {
        let n = lists.count(u)
        let m = sampleSize(user: u, listLength: n)
        guard m > 0 else { return [] }
        let positions = WeightedSamplingWithoutReplacement.draw(logWeights: logWeights(user: u, positions: n), count: m, &rng)
        return positions.map { lists.entry(u, Int($0)) }
    }

    /// Every user's draw from `lists` (one row per user), in draw order, from streams keyed by
    /// (seed, purpose, epoch, user): the same for any thread count.
    public func draw(_ lists: RankedLists, epoch: Int, seed: UInt64, purpose: String, threads: Int) -> RowLists {
        precondition(lists.rows == unobserved.count)
        return RowLists.fill(rows: lists.rows, widths: [cap], threads: threads) { u in
            var rng = RandomStream(seed: seed, purpose: purpose, epoch, u)
            return [self.drawRow(lists, user: u, &rng)]
        }[0]
    }
}
