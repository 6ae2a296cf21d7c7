import Foundation
import Testing
@testable import DistillKit

@Suite struct RankingDistillationTests {
    /// exp(-r/λ) normalised, r = 0-based: K = 3, λ = 1 gives (1, e^-1, e^-2) / (1 + e^-1 + e^-2);
    /// K = 4, λ = 2 gives (1, e^-1/2, e^-1, e^-3/2) / their sum.
    @Test func positionWeightsByHand() {
        let a = RankingDistillation.positionWeights(count: 3, lambda: 1)
        for (w, e) in zip(a, [0.6652409557748218, 0.24472847105479764, 0.09003057317038046]) { #expect(abs(w - e) < 1e-12) }
        let b = RankingDistillation.positionWeights(count: 4, lambda: 2)
        for (w, e) in zip(b, [0.45505423392341127, 0.27600434470659363, 0.16740509727844333, 0.1015363240915518]) {
            #expect(abs(w - e) < 1e-12)
        }
    }

    /// r̂ = ⌊(|I| - 1) · above / n⌋.
    @Test func estimatedRankByHand() {
        #expect(RankingDistillation.estimatedRank(above: 0, samples: 10, items: 101) == 0)
        #expect(RankingDistillation.estimatedRank(above: 3, samples: 10, items: 101) == 30)
        #expect(RankingDistillation.estimatedRank(above: 10, samples: 10, items: 101) == 100)   // the last 0-based rank
        #expect(RankingDistillation.estimatedRank(above: 2, samples: 7, items: 50) == 14)      // 98/7 = 14
        #expect(RankingDistillation.estimatedRank(above: 3, samples: 7, items: 50) == 21)      // 147/7 = 21
        #expect(RankingDistillation.estimatedRank(above: 2, samples: 5, items: 12) == 4)       // 22/5 = 4.4
        #expect(RankingDistillation.estimatedRank(above: 1, samples: 100, items: 1682) == 16)  // 16.81
    }

    /// tanh(max(μ (r̂ - r), 0)).
    @Test func discrepancyWeightsByHand() {
        #expect(abs(RankingDistillation.discrepancyWeight(estimatedRank: 30, rank: 0, mu: 0.1) - 0.9950547536867305) < 1e-12)
        #expect(abs(RankingDistillation.discrepancyWeight(estimatedRank: 12, rank: 2, mu: 0.1) - 0.7615941559557649) < 1e-12)
        #expect(RankingDistillation.discrepancyWeight(estimatedRank: 2, rank: 2, mu: 0.1) == 0)
        #expect(RankingDistillation.discrepancyWeight(estimatedRank: 0, rank: 5, mu: 0.1) == 0)   // student ranks it higher
    }

    /// w^a · w^b as the code, and renormalised over the K items as the paper; all-zero stays zero.
    @Test func hybridWeightsWithAndWithoutRenormalisation() {
        let position = [0.6652409557748218, 0.24472847105479764, 0.09003057317038046]
        let discrepancy = [0.3799489622552249, 0.0, 0.5370495669980353]   // tanh 0.4, 0, tanh 0.6
        let code = RankingDistillation.hybridWeights(position: position, discrepancy: discrepancy, renormalise: false)
        for (w, e) in zip(code, [0.2527576107963175, 0.0, 0.04835088033773776]) { #expect(abs(w - e) < 1e-12) }
        let paper = RankingDistillation.hybridWeights(position: position, discrepancy: discrepancy, renormalise: true)
        for (w, e) in zip(paper, [0.8394237234704495, 0.0, 0.1605762765295505]) { #expect(abs(w - e) < 1e-12) }
        #expect(RankingDistillation.hybridWeights(position: position, discrepancy: [0, 0, 0], renormalise: true) == [0, 0, 0])
    }

    /// A hand-made world: user 0 has observed item 0 only (12 items, so |I| - 1 = 11); the
    /// teacher (d = 1) ranks 5, 3, 7 first among the others; the student (d = 1, p_0 = 1) scores
    ///   item:  1    2    3    4    5    6    7    8
    ///   s:     1    3    5   -2   0.5   0   -1   0.5
    /// and the rank samples are {1, 2, 4, 6, 8} (n = 5).  Items scored strictly above:
    /// π_0 = 5 (0.5): {1, 2} → r̂ = ⌊11·2/5⌋ = 4, w^b = tanh(0.1·(4-0)) = tanh 0.4 (item 8 ties, not counted);
    /// π_1 = 3 (5):   {}     → r̂ = 0,            w^b = 0;
    /// π_2 = 7 (-1):  {1, 2, 6, 8} → r̂ = ⌊44/5⌋ = 8, w^b = tanh(0.1·(8-2)) = tanh 0.6.
    static func handWorld(hybrid: String) throws -> (RankingDistillation, DistillationContext) {
        let items = 12
        var rows: [[Int32]] = [[0], [9, 10, 11]]
        let data = Interactions(userIDs: ["a", "b"], itemIDs: (0..<items).map { "i\($0)" }, rows: rows)
        let split = try Split.make(data, protocol: .holdout, seed: 1)
        rows = (0..<2).map { Array(split.train.row($0)) }
        #expect(rows[0] == [0])
        let teacher = MatrixFactorization(users: 2, items: items, dimension: 1, initStd: 0, seed: 1)
        teacher.userEmbedding[0, 0] = 1; teacher.userEmbedding[1, 0] = 1
        for (i, q) in [(0, 100), (5, 10), (3, 9), (7, 8)] as [(Int, Float)] { teacher.itemEmbedding[i, 0] = q }
        let student = MatrixFactorization(users: 2, items: items, dimension: 1, initStd: 0, seed: 1)
        student.userEmbedding[0, 0] = 1
        for (i, s) in [(1, 1), (2, 3), (3, 5), (4, -2), (5, 0.5), (6, 0), (7, -1), (8, 0.5)] as [(Int, Float)] {
            student.itemEmbedding[i, 0] = s
        }
        let method = try RankingDistillation(hyperparameters: ["K": .number(3), "n": .number(5), "hybrid": .string(hybrid)])
        let context = DistillationContext(student: student, teacher: teacher, split: split, seed: 1, threads: 1, training: TrainingConfig())
        try method.prepare(context)
        #expect(Array(method.lists!.row(0)) == [5, 3, 7])
        try method.beginEpoch(11, context)   // after the warm-up of 10 epochs
        method.samples = [1, 2, 4, 6, 8, 0, 0, 0, 0, 0]
        method.sampleCounts = [5, 0]
        return (method, context)
    }

    static func batch(_ users: [Int32]) -> TrainingBatch {
        TrainingBatch(epoch: 11, index: 0, users: users, positives: users.map { _ in 0 }, negatives: users.map { _ in 0 })
    }

    @Test(arguments: [("unnormalised", [0.2527576107963175, 0.0, 0.04835088033773776], 0.1833239245602165),
                      ("renormalised", [0.8394237234704495, 0.0, 0.1605762765295505], 0.6088301391626968)])
    func handMadeUserAfterWarmUp(hybrid: String, weights: [Double], loss: Double) throws {
        let (method, context) = try Self.handWorld(hybrid: hybrid)
        let scores: [Float] = [0.5, 5, -1]
        let w = method.weights(user: 0, listScores: scores, student: context.student)
        for (a, e) in zip(w, weights) { #expect(abs(a - e) < 1e-12) }
        // Loss Σ w_r log(1 + e^{-s_r}); gradient -w_r σ(-s_r) (α = 1); a zero weight adds nothing.
        var g = ScoreGradients()
        let value = method.addLoss(Self.batch([0]), context, gradients: &g)
        #expect(abs(value - loss) < 1e-6)
        #expect(g.users == [0, 0] && g.items == [5, 7])
        let sigma = { (x: Double) in 1 / (1 + exp(-x)) }
        #expect(abs(Double(g.values[0]) + weights[0] * sigma(-0.5)) < 1e-6)
        #expect(abs(Double(g.values[1]) + weights[2] * sigma(1)) < 1e-6)
    }

    /// During the warm-up (epochs 1...10) only the position weights count, and no rank samples
    /// are drawn.
    @Test func warmUpUsesPositionWeightsOnly() throws {
        let (method, context) = try Self.handWorld(hybrid: "unnormalised")
        try method.beginEpoch(10, context)
        #expect(method.samples == nil)
        var g = ScoreGradients()
        let value = method.addLoss(Self.batch([0, 0]), context, gradients: &g)
        #expect(abs(value - 0.4352525654851279) < 1e-6)   // Σ w^a_r log(1 + e^{-s_r}), user counted once
        #expect(g.items == [5, 3, 7])
    }

    /// After the warm-up every user gets n samples, all unobserved, with replacement allowed.
    @Test func rankSamplesAreUnobserved() throws {
        let data = Fixtures.interactions(users: 40, items: 60, perUser: 3...20)
        let split = try Split.make(data, protocol: .holdout, seed: 2)
        let teacher = MatrixFactorization(users: 40, items: 60, dimension: 4, initStd: 1, seed: 1)
        let student = MatrixFactorization(users: 40, items: 60, dimension: 2, initStd: 1, seed: 2)
        let method = try RankingDistillation(hyperparameters: ["warmup": .number(0)])
        let context = DistillationContext(student: student, teacher: teacher, split: split, seed: 3, threads: 2, training: TrainingConfig())
        try method.prepare(context)
        try method.beginEpoch(1, context)
        let samples = try #require(method.samples)
        for u in 0..<40 {
            #expect(method.sampleCounts[u] == 100)
            for k in 0..<100 { #expect(!split.train.contains(user: u, item: samples[u * 100 + k])) }
        }
    }

    /// The conformance test checks the gradient at epoch 3, inside the warm-up; this checks it
    /// after the warm-up, with the hybrid weights held at their values (they are detached: a
    /// finite difference would otherwise see their jumps when a perturbation reorders scores).
    @Test(arguments: ["unnormalised", "renormalised"])
    func gradientAfterWarmUpMatchesFiniteDifferences(hybrid: String) throws {
        let world = try MethodGradientWorld()
        let student = world.student
        let method = try RankingDistillation(hyperparameters: ["hybrid": .string(hybrid)])
        let context = world.context(for: method)
        try method.prepare(context)
        try method.beginEpoch(11, context)
        let batch = world.batch(epoch: 11)
        let lists = try #require(method.lists)
        let frozen = batch.uniqueUsers.map { u in
            method.weights(user: Int(u), listScores: lists.row(Int(u)).map { student.score(user: Int(u), item: Int($0)) }, student: student)
        }
        // The discrepancy did something: some weights vanish, none exceeds its position weight.
        let position = RankingDistillation.positionWeights(count: 10, lambda: 1)
        #expect(frozen.contains { $0.contains(0) } && frozen.contains { $0.contains { $0 > 0 } })
        if hybrid == "unnormalised" { #expect(frozen.allSatisfy { zip($0, position).allSatisfy { $0 <= $1 } }) }
        var g = ScoreGradients()
        _ = method.addLoss(batch, context, gradients: &g)
        let analytic = world.analytic(g)
        #expect(analytic.scale > 0)
        let bad = world.mismatches(analytic) {
            var scratch = ScoreGradients()
            return zip(batch.uniqueUsers, frozen).reduce(0) { $0 + RankingDistillation.addDistillation(user: $1.0, list: lists.row(Int($1.0)), weights: $1.1, alpha: 1, student: student, into: &scratch) }
        }
        #expect(bad.isEmpty, "\(bad.prefix(5).joined(separator: "; "))")
    }

    @Test func badSettingsAreRefusedAndTheSwitchIsRecorded() throws {
        #expect(throws: MethodError.self) { try RankingDistillation(hyperparameters: ["hybrid": .string("paper")]) }
        #expect(throws: MethodError.self) { try RankingDistillation(hyperparameters: ["K": .number(0)]) }
        #expect(throws: MethodError.self) { try RankingDistillation(hyperparameters: ["n": .number(2.5)]) }
        let code = try RankingDistillation(hyperparameters: [:]), paper = try RankingDistillation(hyperparameters: ["hybrid": .string("renormalised")])
        #expect(code.deviations.contains { $0.contains("not renormalised") })
        #expect(paper.deviations.contains { $0.contains("are renormalised") })
    }
}
