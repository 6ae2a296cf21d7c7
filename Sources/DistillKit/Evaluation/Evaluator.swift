/// Which held-out part to score.
public enum EvaluationPart: String, Sendable { case validation, test }

/// The outcome of evaluating one model on one part of a split.
public struct EvaluationResult: Sendable {
    /// Metric keys in report order (`EvaluationProtocol.metricKeys`); `perUser` has these columns.
    public let metricKeys: [String]
    /// Mean over evaluated users, by key; holdout results also hold the per-popularity-group
    /// recall (`Evaluator.popularityGroupKeys`), each a mean over its own users and omitted when
    /// no evaluated user has a held-out item in that group.
    public let metrics: [String: Double]
    /// Evaluated users (internal ids), ascending.
    public let users: [Int32]
    /// Per-user metric values, `users.count` rows of `metricKeys.count`.
    public let perUser: [Double]
    /// Per-user top-`listLength` items, best first (`users.count` rows); empty unless requested.
    public let topK: [[Int32]]

    public func value(_ key: String) -> Double { metrics[key] ?? .nan }
}

/// Scores models under a split's protocol: full ranking through BLAS on blocks of users with a
/// bounded top-K heap (holdout), or the 1 + 499 candidate ranking (LOO-499).  The users x items
/// score matrix is never materialised.
///
/// Holdout also reports recall@20 inside each of 4 popularity groups of the train split
/// (`PopularityGroups`, "recall@20/pop1" = most popular): for a user with held-out items in
/// group g, hits of group g in the top 20 / held-out items of group g; the metric is the mean over
/// those users only.  (UnKD's code divides by all evaluated users instead.)  LOO-499 has one
/// held-out item per user, so it reports no group metrics.
public struct Evaluator: Sendable {
    public let split: Split
    public let listLength: Int
    public let blockSize: Int
    /// The train split's popularity groups (holdout only).
    public let popularityGroups: PopularityGroups?

    /// Groups and cutoff of the per-group recall (fixed for reporting).
    public static let popularityGroupCount = 4
    public static let popularityGroupCutoff = 20
    /// "recall@20/pop1" ... "recall@20/pop4".
    public static var popularityGroupKeys: [String] {
        (1...popularityGroupCount).map { "recall@\(popularityGroupCutoff)/pop\($0)" }
    }

    /// Every metric a result of protocol `p` can carry: the protocol's metrics, then (holdout)
    /// the per-popularity-group recalls.  Tables, comparisons, plots and claims accept these.
    public static func reportedMetricKeys(_ p: EvaluationProtocol) -> [String] {
        p.metricKeys + (p == .holdout ? popularityGroupKeys : [])
    }

    public init(split: Split, listLength: Int = 50, blockSize: Int = 256) {
        self.split = split
        self.listLength = listLength
        self.blockSize = blockSize
        popularityGroups = split.evaluationProtocol == .holdout
            ? PopularityGroups(train: split.train, groups: Self.popularityGroupCount) : nil
    }

    public func evaluate(_ model: RankingModel, part: EvaluationPart, threads: Int, keepTopK: Bool = false) -> EvaluationResult {
        switch split.evaluationProtocol {
        case .holdout: return fullRanking(model, part: part, threads: threads, keepTopK: keepTopK)
        case .loo499: return sampledRanking(model, part: part, threads: threads, keepTopK: keepTopK)
        }
    }

    func targets(_ part: EvaluationPart) -> Interactions { part == .test ? split.test : split.valid }

    private func fullRanking(_ model: RankingModel, part: EvaluationPart, threads: Int, keepTopK: Bool) -> EvaluationResult {
        let target = targets(part)
        let users = split.evaluatedUsers(target).map { Int32($0) }
        let keys = split.evaluationProtocol.metricKeys
        let cutoffs = split.evaluationProtocol.cutoffs
        let nItems = model.itemCount
        let nKeys = keys.count
        let blocks = (users.count + blockSize - 1) / blockSize
        let perUser = UnsafeMutablePointer<Double>.allocate(capacity: max(1, users.count * nKeys))
        defer { perUser.deallocate() }
        let out = SendablePointer(perUser)
        // Per-user group recall, NaN where the user has no held-out item in the group.
        let nGroups = popularityGroups?.count ?? 0
        let perUserGroup = UnsafeMutablePointer<Double>.allocate(capacity: max(1, users.count * nGroups))
        defer { perUserGroup.deallocate() }
        let groupOut = SendablePointer(perUserGroup)
        let listBox = ListsBox(count: keepTopK ? users.count : 0)
        let (split, listLength, blockSize, groups) = (self.split, self.listLength, self.blockSize, self.popularityGroups)
        let workers = max(1, min(threads, blocks))
        // Parallel blocks each call single-threaded BLAS; one worker lets BLAS use the threads.
        BLAS.setThreads(workers > 1 ? 1 : threads)
        defer { BLAS.setThreads(threads) }
        users.withUnsafeBufferPointer { ub in
            let us = SendableBuffer(ub)
            ParallelLoop.forEach(pieces: workers, threads: workers) { worker in
                let buffer = UnsafeMutablePointer<Float>.allocate(capacity: blockSize * nItems)
                defer { buffer.deallocate() }
                var selector = TopKSelector(k: min(listLength, nItems))
                var ranked: [Int32] = []
                var b = worker
                while b < blocks {
                    let lo = b * blockSize, hi = min(us.buffer.count, lo + blockSize)
                    model.scoreAllItems(users: UnsafeBufferPointer(rebasing: us.buffer[lo..<hi]), into: buffer)
                    for k in lo..<hi {
                        let u = Int(us.buffer[k])
                        let row = buffer + (k - lo) * nItems
                        for i in split.train.row(u) { row[Int(i)] = -.infinity }
                        if part == .test { for i in split.valid.row(u) { row[Int(i)] = -.infinity } }
                        selector.select(row, count: nItems, into: &ranked)
                        let targets = Set(target.row(u))
                        let values = RankingMetrics.holdoutValues(ranked, targets: targets, cutoffs: cutoffs)
                        for (m, v) in values.enumerated() { out.pointer[k * nKeys + m] = v }
                        if let groups {
                            let recalls = groups.recall(ranked[...], targets: targets, k: Self.popularityGroupCutoff)
                            for (g, v) in recalls.enumerated() { groupOut.pointer[k * nGroups + g] = v }
                        }
                        if keepTopK { listBox.set(k, ranked) }
                    }
                    b += workers
                }
            }
        }
        let result = Self.summarise(keys: keys, users: users, perUser: perUser, lists: keepTopK ? listBox.lists : [])
        guard nGroups > 0 else { return result }
        var metrics = result.metrics
        for (key, value) in zip(Self.popularityGroupKeys, Self.groupMeans(users: users.count, groups: nGroups, perUser: perUserGroup)) {
            if let value { metrics[key] = value }
        }
        return EvaluationResult(metricKeys: result.metricKeys, metrics: metrics, users: result.users, perUser: result.perUser,
                                topK: result.topK)
    }

    /// Each group's mean over the users whose value is defined (not NaN), in user order so it is
    /// bit-identical for any thread count; nil for a group no user has.
    static func groupMeans(users n: Int, groups m: Int, perUser: UnsafeMutablePointer<Double>) -> [Double?] {
        (0..<m).map { g in
            var sum = 0.0, count = 0
            for k in 0..<n where !perUser[k * m + g].isNaN { sum += perUser[k * m + g]; count += 1 }
            return count > 0 ? sum / Double(count) : nil
        }
    }

    private func sampledRanking(_ model: RankingModel, part: EvaluationPart, threads: Int, keepTopK: Bool) -> EvaluationResult {
        let target = targets(part)
        let users = split.evaluatedUsers(target).map { Int32($0) }
        let keys = split.evaluationProtocol.metricKeys
        let cutoffs = split.evaluationProtocol.cutoffs
        let nKeys = keys.count
        let perUser = UnsafeMutablePointer<Double>.allocate(capacity: max(1, users.count * nKeys))
        defer { perUser.deallocate() }
        let out = SendablePointer(perUser)
        let listBox = ListsBox(count: keepTopK ? users.count : 0)
        let (split, listLength) = (self.split, self.listLength)
        let pieceSize = 64
        let pieces = (users.count + pieceSize - 1) / pieceSize
        users.withUnsafeBufferPointer { ub in
            let us = SendableBuffer(ub)
            ParallelLoop.forEach(pieces: pieces, threads: threads) { p in
                var selector = TopKSelector(k: listLength)
                var ranked: [Int32] = []
                for k in (p * pieceSize)..<min(us.buffer.count, (p + 1) * pieceSize) {
                    let u = Int(us.buffer[k])
                    let t = target.row(u).first!
                    let ts = model.score(user: u, item: Int(t))
                    var rank = 1
                    let base = u * Split.looNegatives
                    if keepTopK { selector.reset(); selector.offer(ts, t) }
                    for c in 0..<Split.looNegatives {
                        let j = split.candidates[base + c]
                        let s = model.score(user: u, item: Int(j))
                        if s > ts || (s == ts && j < t) { rank += 1 }
                        if keepTopK { selector.offer(s, j) }
                    }
                    let values = RankingMetrics.leaveOneOutValues(rank: rank, cutoffs: cutoffs)
                    for (m, v) in values.enumerated() { out.pointer[k * nKeys + m] = v }
                    if keepTopK { selector.drain(into: &ranked); listBox.set(k, ranked) }
                }
            }
        }
        return Self.summarise(keys: keys, users: users, perUser: perUser, lists: keepTopK ? listBox.lists : [])
    }

    /// Means in user order (sequential, so bit-identical for any thread count).
    static func summarise(keys: [String], users: [Int32], perUser: UnsafeMutablePointer<Double>, lists: [[Int32]]) -> EvaluationResult {
        let n = users.count, m = keys.count
        var sums = [Double](repeating: 0, count: m)
        for k in 0..<n { for j in 0..<m { sums[j] += perUser[k * m + j] } }
        var metrics: [String: Double] = [:]
        for (j, key) in keys.enumerated() { metrics[key] = n > 0 ? sums[j] / Double(n) : 0 }
        return EvaluationResult(metricKeys: keys, metrics: metrics, users: users,
                                perUser: Array(UnsafeBufferPointer(start: perUser, count: n * m)), topK: lists)
    }
}

/// Per-user lists written from parallel workers into distinct slots.
/// Raw storage, so that concurrent writes to distinct slots never form overlapping Swift accesses.
final class ListsBox: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<[Int32]>
    private let count: Int
    init(count: Int) {
        self.count = count
        storage = .allocate(capacity: max(1, count))
        storage.initialize(repeating: [], count: max(1, count))
    }
    deinit { storage.deinitialize(count: max(1, count)); storage.deallocate() }
    func set(_ k: Int, _ l: [Int32]) { storage[k] = l }
    var lists: [[Int32]] { Array(UnsafeBufferPointer(start: storage, count: count)) }
}
