import Foundation

/// RRD's per-epoch draw for every row of a teacher's top-N lists (users on the user side, items
/// on the item side): K "interesting" positions without replacement with p(r) ∝ exp(-r/T), kept
/// in teacher order, and L "uninteresting" entries uniformly from those neither observed in
/// train nor in the row's top-N list.
public struct RelaxedRankingSampler: Sendable {
    /// One epoch's draw: each row's interesting entries (teacher order) and uninteresting ones.
    public struct Draw: Sendable {
        public let interesting: RowLists
        public let uninteresting: RowLists

        public func interesting(_ r: Int) -> [Int32] { Array(interesting[r]) }
        public func uninteresting(_ r: Int) -> [Int32] { Array(uninteresting[r]) }
    }

    public let side: RelaxedRankingLoss.Side
    public let lists: RankedLists
    public let interestingCount: Int
    public let uninterestingCount: Int
    public let temperature: Double
    let logWeights: [Double]
    let membership: InteractionMembership
    /// Train degree of each row (user degree on the user side, item degree on the item side).
    let degrees: [Int]
    let columns: Int

    public init(side: RelaxedRankingLoss.Side, lists: RankedLists, train: Interactions, interesting: Int, uninteresting: Int, temperature: Double) {
        self.side = side
        self.lists = lists
        interestingCount = interesting
        uninterestingCount = uninteresting
        self.temperature = temperature
        logWeights = WeightedSamplingWithoutReplacement.rankDecayLogWeights(positions: lists.width, temperature: temperature)
        membership = InteractionMembership(train)
        degrees = side == .user ? (0..<train.userCount).map { train.degree(user: $0) } : train.itemDegrees()
        columns = side == .user ? train.itemCount : train.userCount
    }

    /// Every row's draw for `epoch`, from streams keyed by (seed, purpose, epoch, row): the same
    /// for any thread count.
    public func draw(epoch: Int, seed: UInt64, purpose: String, threads: Int) -> Draw {
        let drawn = RowLists.fill(rows: lists.rows, widths: [interestingCount, uninterestingCount], threads: threads) { r in
            var rng = RandomStream(seed: seed, purpose: purpose, epoch, r)
            let (top, others) = self.drawRow(r, &rng)
            return [top, others]
        }
        return Draw(interesting: drawn[0], uninteresting: drawn[1])
    }

    /// Row r's interesting entries (teacher order) and uninteresting entries.
    func drawRow(_ r: Int, _ rng: inout RandomStream) -> ([Int32], [Int32]) {
        let n = lists.count(r)
        let positions = logWeights.withUnsafeBufferPointer {
            WeightedSamplingWithoutReplacement.draw(logWeights: UnsafeBufferPointer(rebasing: $0[0..<n]), count: interestingCount, &rng)
        }.sorted()
        let top = positions.map { lists.entry(r, Int($0)) }
        let observed: (Int32) -> Bool = side == .user
            ? { [membership] v in membership.contains(user: r, item: v) }
            : { [membership] v in membership.contains(user: Int(v), item: Int32(r)) }
        let others = UniformExclusionSampler.draw(count: uninterestingCount, below: columns, excludedCount: degrees[r] + n, &rng) { v in
            observed(v) || lists.contains(row: r, v)
        }
        return (top, others)
    }
}
