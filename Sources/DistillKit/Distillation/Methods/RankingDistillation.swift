import Foundation

/// `rd`: Ranking Distillation (Tang & Wang, KDD 2018; authors' code graytowne/rank_distill).
/// The teacher's top-K unobserved items π_0..π_{K-1} of each user are extra positives:
///
///     L_D(u) = -Σ_r w_r log σ(s_{u,π_r}),   L = L_BPR + α Σ_{unique batch users} L_D(u),
///
/// with w_r = position importance exp(-r/λ) / Σ_r' exp(-r'/λ) during the warm-up, then times the
/// rank discrepancy tanh(max(μ (r̂ - r), 0)), where r̂ is the student's estimated rank of π_r
/// from n items drawn uniformly (with replacement) from the user's unobserved items each epoch:
/// r̂ = ⌊(|I| - 1) · #{sampled j scored above π_r} / n⌋.  Weights carry no gradient.
///
/// Ranks are 0-based throughout: r = 0..K-1 and r̂ ∈ [0, |I| - 1] (the authors' code uses the
/// same 0-based r in the discrepancy; the position weights do not depend on the base, the shift
/// cancels in their normalisation).
public final class RankingDistillation: DistillationMethod {
    public static let key = "rd"
    public static let summary = "ranking distillation: the teacher's top-K items as position- and discrepancy-weighted extra positives (Tang & Wang, KDD 2018)"
    public static let source = "Tang & Wang: Ranking Distillation, KDD 2018 (arXiv 1809.07428); code github.com/graytowne/rank_distill"
    public static let requiresTeacher = true
    /// `hybrid`: "unnormalised" multiplies the two weights as the authors' code does
    /// (`_weight_renormalize = False`); "renormalised" divides them by their sum over the K items,
    /// as the paper writes.
    public static let hybridChoices = ["unnormalised", "renormalised"]
    public static let defaults: [String: ConfigValue] = [
        "K": .number(10), "lambda": .number(1), "mu": .number(0.1), "n": .number(100), "warmup": .number(10),
        "alpha": .number(1), "hybrid": .string("unnormalised"),
    ]

    public let hyperparameters: [String: ConfigValue]
    let listLength: Int
    let sharpness: Double
    let mu: Double
    let rankSamples: Int
    let warmup: Int
    let alpha: Float
    let renormalise: Bool
    var lists: RankedLists?
    var negatives: UniformNegativeSampler?
    /// This epoch's rank-estimation samples, `rankSamples` per user (nil during the warm-up).
    var samples: [Int32]?
    var sampleCounts: [Int32] = []

    public init(hyperparameters: [String: ConfigValue]) throws {
        let h = try Self.resolve(hyperparameters)
        self.hyperparameters = h
        listLength = try Self.integer(h, "K", in: 1...10_000)
        sharpness = try Self.number(h, "lambda", in: 1e-6...1e9)
        mu = try Self.number(h, "mu", in: 0...1e9)
        rankSamples = try Self.integer(h, "n", in: 1...100_000)
        warmup = try Self.integer(h, "warmup", in: 0...1_000_000)
        alpha = Float(try Self.number(h, "alpha", in: 0...1e6))
        renormalise = try Self.choice(h, "hybrid", Self.hybridChoices) == "renormalised"
    }

    public var deviations: [String] {
        ["the teacher's top-K list is over each user's unobserved items (BPR-MF has no sequential query; the code ranks per training query and removes only the query's targets)",
         "L = L_BPR + alpha * L_D with BPR summed over the batch and L_D summed over its unique users (the code averages over queries with a BCE base loss; the paper writes (1 - alpha) L_R + alpha L_D)",
         "the n rank-estimation samples are drawn once per user per epoch (the code draws them per training query per epoch)",
         "the estimated rank is floor((|I| - 1) * fraction above), 0-based; the code multiplies by its item count, which includes a padding item (|I| + 1)",
         renormalise
            ? "hybrid weights are renormalised over the K items, as the paper (the official code does not renormalise)"
            : "hybrid weights are not renormalised, as the official code (the paper renormalises; hybrid = renormalised)"]
    }

    public func prepare(_ context: DistillationContext) throws {
        lists = try context.requireArtefacts(Self.key).topItemsPerUser(listLength)
        negatives = UniformNegativeSampler(context.split.train)
    }

    public func beginEpoch(_ epoch: Int, _ context: DistillationContext) throws {
        // The trainer's epochs are 1-based: epochs 1...warmup use position weights only (the
        // code's `epoch_num > dynamic_start_epoch`).
        guard epoch > warmup, let negatives else { samples = nil; return }
        let users = context.split.train.userCount, n = rankSamples
        var out = [Int32](repeating: 0, count: users * n), counts = [Int32](repeating: 0, count: users)
        let seed = context.seed, piece = 64
        out.withUnsafeMutableBufferPointer { op in
            counts.withUnsafeMutableBufferPointer { cp in
                let (o, c) = (SendablePointer(op.baseAddress!), SendablePointer(cp.baseAddress!))
                ParallelLoop.forEach(pieces: (users + piece - 1) / piece, threads: context.threads) { p in
                    for u in (p * piece)..<min(users, (p + 1) * piece) {
                        var rng = RandomStream(seed: seed, purpose: "rd/rank-samples", epoch, u)
                        var k = 0
                        while k < n, let j = negatives.draw(user: u, &rng) { o.pointer[u * n + k] = j; k += 1 }
                        c.pointer[u] = Int32(k)
                    }
                }
            }
        }
        samples = out
        sampleCounts = counts
    }

    // MARK: weights (static, so tests can check them by hand)

    /// exp(-r/λ) normalised over r = 0..<count.
    public static func positionWeights(count: Int, lambda: Double) -> [Double] {
        let w = (0..<count).map { exp(-Double($0) / lambda) }
        let total = w.reduce(0, +)
        return w.map { $0 / total }
    }

    /// r̂ = ⌊(|I| - 1) · above / n⌋: the student's estimated 0-based rank of an item that `above`
    /// of `n` uniformly sampled items outscore.
    public static func estimatedRank(above: Int, samples n: Int, items: Int) -> Int {
        (items - 1) * above / n
    }

    /// tanh(max(μ (r̂ - r), 0)).
    public static func discrepancyWeight(estimatedRank: Int, rank: Int, mu: Double) -> Double {
        tanh(max(mu * Double(estimatedRank - rank), 0))
    }

    /// w^a_r · w^b_r, divided by their sum if `renormalise` (all zero stays all zero).
    public static func hybridWeights(position: [Double], discrepancy: [Double], renormalise: Bool) -> [Double] {
        let w = zip(position, discrepancy).map { $0 * $1 }
        guard renormalise else { return w }
        let total = w.reduce(0, +)
        return total > 0 ? w.map { $0 / total } : w
    }

    /// What weighting a row needs, as a value: rows are weighted on any thread.
    struct Weighting: Sendable {
        let sharpness: Double
        let mu: Double
        let renormalise: Bool
        /// Position weights of a full K-item list (shorter lists compute their own).
        let fullList: [Double]
        let rankSamples: Int
        let samples: [Int32]?
        let sampleCounts: [Int32]

        /// User u's weights for the scores `listScores` of its top-K items under the current
        /// student: position weights during the warm-up, hybrid weights after it.
        func weights(user u: Int, listScores: [Float], student: any RankingModel) -> [Double] {
            let position = listScores.count == fullList.count ? fullList
                : RankingDistillation.positionWeights(count: listScores.count, lambda: sharpness)
            guard let samples else { return position }
            let n = Int(sampleCounts[u])
            guard n > 0 else { return position.map { _ in 0 } }
            return withUnsafeTemporaryAllocation(of: Float.self, capacity: n) { sampled in
                for k in 0..<n { sampled[k] = student.score(user: u, item: Int(samples[u * rankSamples + k])) }
                let discrepancy = listScores.enumerated().map { r, s in
                    var above = 0
                    for k in 0..<n where sampled[k] > s { above += 1 }
                    return RankingDistillation.discrepancyWeight(
                        estimatedRank: RankingDistillation.estimatedRank(above: above, samples: n, items: student.itemCount), rank: r, mu: mu)
                }
                return RankingDistillation.hybridWeights(position: position, discrepancy: discrepancy, renormalise: renormalise)
            }
        }
    }

    var weighting: Weighting {
        Weighting(sharpness: sharpness, mu: mu, renormalise: renormalise,
                  fullList: Self.positionWeights(count: listLength, lambda: sharpness), rankSamples: rankSamples,
                  samples: samples, sampleCounts: sampleCounts)
    }

    /// User u's weights under this epoch's samples (tests check them by hand).
    func weights(user u: Int, listScores: [Float], student: any RankingModel) -> [Double] {
        weighting.weights(user: u, listScores: listScores, student: student)
    }

    /// α Σ_r w_r (-log σ(s_{u,π_r})) for fixed weights; appends its score gradients.
    static func addDistillation(user u: Int32, list: ArraySlice<Int32>, weights w: [Double], alpha: Float,
                                student: any RankingModel, into g: inout ScoreGradients) -> Double {
        var loss = 0.0
        for (r, item) in list.enumerated() where w[r] != 0 {
            // -log σ(s) and its derivative -σ(-s), overflow-free.
            let (l, d) = PairwiseLogisticLoss.evaluate(difference: student.score(user: Int(u), item: Int(item)))
            loss += w[r] * Double(l)
            g.append(user: u, item: item, alpha * Float(w[r]) * d)
        }
        return Double(alpha) * loss
    }

    public func addLoss(_ batch: TrainingBatch, _ context: DistillationContext, gradients: inout ScoreGradients) -> Double {
        guard let lists else { return 0 }
        let (users, student, weighting, alpha) = (batch.uniqueUsers, context.student, weighting, alpha)
        return RowParallelGradients.add(rows: users.count, threads: context.threads, entriesPerRow: lists.width, into: &gradients) { range, chunk in
            var loss = 0.0
            for u in users[range] {
                let list = lists.row(Int(u))
                let w = weighting.weights(user: Int(u), listScores: list.map { student.score(user: Int(u), item: Int($0)) }, student: student)
                loss += Self.addDistillation(user: u, list: list, weights: w, alpha: alpha, student: student, into: &chunk)
            }
            return loss
        }
    }
}
