import Foundation

/// DCD's rank discrepancy between a teacher's top-N lists and the student (users' top items on the
/// user side, items' top users on the item side), and the per-batch draws it drives.
///
/// A refresh scores each row's N list entries with the student and ranks them *within the list*
/// (D1: not over the whole catalogue).  For the entry at teacher position k with student rank
/// r_S(k), δ = r_S(k) - k; the entry is under-estimated with weight tanh(max(ε δ, 0)) and
/// over-estimated with weight tanh(max(-ε δ, 0)).  Only the student ranks are kept (rows × N
/// Int32); the weights are a table lookup on |δ|.
public struct RankDiscrepancySampler: Sendable {
    /// One batch's draw for the rows asked for: the q-th requested row's under- and
    /// over-estimated entries.
    public struct Draw: Sendable {
        public let under: RowLists
        public let over: RowLists

        public func under(_ q: Int) -> [Int32] { Array(under[q]) }
        public func over(_ q: Int) -> [Int32] { Array(over[q]) }
    }

    public let side: RelaxedRankingLoss.Side
    public let lists: RankedLists
    /// p_n: entries drawn per row for each of the two lists.
    public let count: Int
    public let epsilon: Double
    /// tanh(ε d) for gaps d = 0..<width.
    let weightOfGap: [Double]
    /// The student's rank within row r's list of the entry at teacher position k, at
    /// `r * lists.width + k`; nil before the first refresh.
    public internal(set) var studentRanks: [Int32]? {
        didSet { corrections = studentRanks.map { CorrectionWeights(ranks: $0, lists: lists, weightOfGap: weightOfGap) } }
    }
    /// The weights the ranks give, as running sums per row: between refreshes every batch draws
    /// from them by binary search.
    var corrections: CorrectionWeights?

    /// Per row r, at `r * width + k`, the running sums over teacher positions 0...k of the
    /// under-estimation weights and of the over-estimation weights, and per row how many of
    /// each are positive.
    struct CorrectionWeights: Sendable {
        let width: Int
        let under: [Double]
        let over: [Double]
        let underPositives: [Int32]
        let overPositives: [Int32]

        init(ranks: [Int32], lists: RankedLists, weightOfGap: [Double]) {
            let rows = lists.rows, width = lists.width
            var under = [Double](repeating: 0, count: rows * width), over = under
            var underPositives = [Int32](repeating: 0, count: rows), overPositives = underPositives
            for r in 0..<rows {
                var su = 0.0, so = 0.0
                for k in 0..<lists.count(r) {
                    let delta = Int(ranks[r * width + k]) - k
                    if delta > 0 { let next = su + weightOfGap[delta]; if next > su { underPositives[r] += 1 }; su = next }
                    if delta < 0 { let next = so + weightOfGap[-delta]; if next > so { overPositives[r] += 1 }; so = next }
                    under[r * width + k] = su
                    over[r * width + k] = so
                }
            }
            self.width = width
            self.under = under
            self.over = over
            self.underPositives = underPositives
            self.overPositives = overPositives
        }

        /// Up to `count` positions of row r's list (n entries) drawn without replacement.
        func draw(_ sums: [Double], positives: Int32, row r: Int, entries n: Int, count: Int, _ rng: inout RandomStream) -> [Int32] {
            sums.withUnsafeBufferPointer { s in
                WeightedSamplingWithoutReplacement.drawSequential(
                    runningSums: UnsafeBufferPointer(rebasing: s[(r * width)..<(r * width + n)]), positives: Int(positives), count: count, &rng)
            }
        }
    }

    public init(side: RelaxedRankingLoss.Side, lists: RankedLists, count: Int, epsilon: Double) {
        precondition(count > 0 && epsilon > 0 && epsilon.isFinite)
        self.side = side
        self.lists = lists
        self.count = count
        self.epsilon = epsilon
        weightOfGap = (0..<max(1, lists.width)).map { tanh(epsilon * Double($0)) }
    }

    // MARK: refresh

    /// Rank of every position of `scores` when sorted by descending score (0 = best), ties to
    /// the lower position (the teacher's better entry); NaN ranks last.
    public static func withinListRanks(_ scores: [Float]) -> [Int32] {
        let key = scores.map { $0.isNaN ? -Float.infinity : $0 }
        let order = (0..<key.count).sorted { a, b in key[a] > key[b] || (key[a] == key[b] && a < b) }
        var ranks = [Int32](repeating: 0, count: key.count)
        for (rank, position) in order.enumerated() { ranks[position] = Int32(rank) }
        return ranks
    }

    /// Re-ranks every row's list with `model`'s own deterministic scorer.  Rows are cut into
    /// fixed pieces, each writing only its own rows, so the ranks are the same for any thread count.
    public mutating func refresh(_ model: any RankingModel, threads: Int) {
        let rows = lists.rows, width = lists.width
        var ranks = [Int32](repeating: 0, count: rows * width)
        let piece = 64
        let (lists, side) = (self.lists, self.side)
        ranks.withUnsafeMutableBufferPointer { rp in
            let out = SendablePointer(rp.baseAddress!)
            ParallelLoop.forEach(pieces: (rows + piece - 1) / piece, threads: threads) { p in
                for r in (p * piece)..<min(rows, (p + 1) * piece) {
                    let scores = lists.row(r).map { e in
                        side == .user ? model.score(user: r, item: Int(e)) : model.score(user: Int(e), item: r)
                    }
                    for (k, rank) in Self.withinListRanks(scores).enumerated() { out.pointer[r * width + k] = rank }
                }
            }
        }
        studentRanks = ranks
    }

    // MARK: weights

    /// Row r's under- and over-estimation weights by teacher position (tests, records).
    public func weights(row r: Int) -> (under: [Double], over: [Double]) {
        guard let ranks = studentRanks else { return ([], []) }
        var under: [Double] = [], over: [Double] = []
        for k in 0..<lists.count(r) {
            let delta = Double(Int(ranks[r * lists.width + k]) - k)
            under.append(tanh(max(epsilon * delta, 0)))
            over.append(tanh(max(-epsilon * delta, 0)))
        }
        return (under, over)
    }

    // MARK: draws

    /// Row r's corrections: up to p_n under-estimated entries drawn without replacement by their
    /// weights, in teacher order, and up to p_n over-estimated entries, in draw order.  A row
    /// with fewer positive weights than p_n gives all of them (D2).
    public func drawRow(_ r: Int, _ rng: inout RandomStream) -> (under: [Int32], over: [Int32]) {
        guard let c = corrections else { return ([], []) }
        let n = lists.count(r)
        // Per batch and row: k binary searches on the refresh's running sums, not n weights.
        let underPositions = c.draw(c.under, positives: c.underPositives[r], row: r, entries: n, count: count, &rng).sorted()
        let overPositions = c.draw(c.over, positives: c.overPositives[r], row: r, entries: n, count: count, &rng)
        return (underPositions.map { lists.entry(r, Int($0)) }, overPositions.map { lists.entry(r, Int($0)) })
    }

    /// The draws for `rows` (a batch's unique users or items) in batch `batch` of `epoch`, each
    /// row from a stream keyed by (seed, purpose, epoch, batch, row): the same for any thread
    /// count and any order of rows.
    public func draw(rows: [Int32], epoch: Int, batch: Int, seed: UInt64, purpose: String, threads: Int) -> Draw {
        let drawn = RowLists.fill(rows: rows.count, widths: [count, count], threads: threads, piece: 16) { q in
            var rng = RandomStream(seed: seed, purpose: purpose, epoch, batch, Int(rows[q]))
            let (under, over) = self.drawRow(Int(rows[q]), &rng)
            return [under, over]
        }
        return Draw(under: drawn[0], over: drawn[1])
    }
}
