import Foundation
import Testing
@testable import DistillKit

@Suite struct UnbiasedDistillationTests {
    /// Truncated position weights exp(-(r+1)/T), r < n, normalised.
    static func positionProbabilities(_ n: Int, temperature: Double) -> [Double] {
        let w = (0..<n).map { exp(-Double($0 + 1) / temperature) }
        let total = w.reduce(0, +)
        return w.map { $0 / total }
    }

    /// The authors' equal quota with Python's round (half to even) and +1 for the first groups
    /// while short of the total.
    @Test func quota() {
        #expect(UnbiasedDistillation.quota(pairs: 30, groups: 4) == [8, 8, 8, 8])        // round(7.5) = 8: 32 pairs
        #expect(UnbiasedDistillation.quota(pairs: 30, groups: 1) == [30])
        #expect(UnbiasedDistillation.quota(pairs: 30, groups: 7) == [5, 5, 4, 4, 4, 4, 4])
        #expect(UnbiasedDistillation.quota(pairs: 30, groups: 12) == [3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2]) // round(2.5) = 2
        #expect(UnbiasedDistillation.quota(pairs: 10, groups: 4) == [3, 3, 2, 2])
        #expect(UnbiasedDistillation.quota(pairs: 1, groups: 4) == [1, 0, 0, 0])
    }

    @Test func badHyperparametersAreRefused() {
        for bad: [String: ConfigValue] in [["G": .number(0)], ["G": .number(2.5)], ["N": .number(1)], ["T": .number(0)],
                                           ["pairs": .number(0)], ["lambda": .number(-1)], ["T": .string("x")]] {
            #expect(throws: MethodError.self) { try UnbiasedDistillation(hyperparameters: bad) }
        }
        let m = try? UnbiasedDistillation(hyperparameters: ["G": .number(2)])
        #expect(m?.pairsPerGroup == [15, 15])
    }

    /// A pair is two independent draws from the truncated weights p, conditioned on being distinct,
    /// better rank first: P(a, b) = 2 p_a p_b / (1 - Σ p²) for a < b, and position r appears in a
    /// pair with probability 2 p_r (1 - p_r) / (1 - Σ p²).  Checked at the default T = 20 on a
    /// 30-long list, at T = 2 on a 6-long list (the weights differ sharply there) and at T = 0.5 on
    /// a 3-long list (about 3 draws in 4 are ties, so the redraw is what is tested).
    @Test(arguments: [(30, 20.0), (6, 2.0), (3, 0.5)])
    func pairDistribution(length: Int, temperature: Double) {
        let p = Self.positionProbabilities(length, temperature: temperature)
        let w = (0..<length).map { exp(-Double($0 + 1) / temperature) }
        let sampler = CategoricalSampler(weights: w)
        let distinct = 1 - p.map { $0 * $0 }.reduce(0, +)
        var rng = RandomStream(seed: 9, purpose: "test/unkd-pairs")
        let trials = 200_000
        var pairs = [Int](repeating: 0, count: length * length), positions = [Int](repeating: 0, count: length)
        var ordered = true
        for _ in 0..<trials {
            let (a, b) = UnbiasedPairSampler.drawPair(sampler, &rng)
            ordered = ordered && a < b && b < length
            pairs[a * length + b] += 1
            positions[a] += 1; positions[b] += 1
        }
        #expect(ordered, "a pair out of order or out of the list")
        var expected = [Double](repeating: 0, count: length * length)
        for a in 0..<length { for b in (a + 1)..<length { expected[a * length + b] = Double(trials) * 2 * p[a] * p[b] / distinct } }
        SamplerDistributionTests.chiSquareOK(observed: pairs, expected: expected, "pairs L=\(length) T=\(temperature)")
        // Position counts sum to 2 x trials, so each cell's expectation is a share of that.
        SamplerDistributionTests.chiSquareOK(observed: positions, expected: p.map { Double(trials) * 2 * $0 * (1 - $0) / distinct },
                                             "positions L=\(length) T=\(temperature)")
    }

    /// A 2-long list always gives (0, 1), although about half the first draws tie.
    @Test func twoLongList() {
        let sampler = CategoricalSampler(weights: [exp(-1.0 / 20), exp(-2.0 / 20)])
        var rng = RandomStream(seed: 3, purpose: "test/unkd-pairs")
        for _ in 0..<1000 { #expect(UnbiasedPairSampler.drawPair(sampler, &rng) == (0, 1)) }
    }

    /// Hand-made (user, group) lists, G = 2: the quota per group, pairs only from the row of their
    /// group with the better teacher position first, nothing from rows of fewer than 2 items; the
    /// positions of a 3-long row over many epochs follow the pair law; 1 and 2 threads agree.
    @Test func epochDraw() {
        let users = 150, groups = 2, width = 10
        var entries = [Int32](repeating: 0, count: users * groups * width), lengths = [Int32](repeating: 0, count: users * groups)
        for u in 0..<users {
            for g in 0..<groups {
                let row = u * groups + g
                // Lengths cycle through 0, 1, 2, 3, 10; entries are distinct per row: 1000 row + position.
                lengths[row] = Int32([0, 1, 2, 3, 10][(u + g) % 5])
                for k in 0..<Int(lengths[row]) { entries[row * width + k] = Int32(1000 * row + k) }
            }
        }
        let lists = RankedLists(rows: users * groups, width: width, entries: entries, lengths: lengths)
        let sampler = UnbiasedPairSampler(lists: lists, groups: groups, pairsPerGroup: [3, 2], temperature: 20)
        let one = sampler.draw(epoch: 4, seed: 1, purpose: "test/unkd", threads: 1)
        let two = sampler.draw(epoch: 4, seed: 1, purpose: "test/unkd", threads: 2)
        #expect(one.better == two.better && one.worse == two.worse)
        #expect(one.better != sampler.draw(epoch: 5, seed: 1, purpose: "test/unkd", threads: 1).better)
        for u in 0..<users {
            let expectedCount = (0..<groups).map { lists.count(u * groups + $0) >= 2 ? [3, 2][$0] : 0 }.reduce(0, +)
            let (better, worse) = one.pairs(u)
            #expect(better.count == expectedCount)
            for (i, j) in zip(better, worse) {
                let (row, a, b) = (Int(i) / 1000, Int(i) % 1000, Int(j) % 1000)
                #expect(Int(j) / 1000 == row && row / groups == u && a < b && b < lists.count(row))
            }
        }
        // A 3-long row: (u + g) % 5 == 3 for u = 3, g = 0 (3 pairs per epoch).
        let row = 3 * groups
        #expect(lists.count(row) == 3)
        var counts = [Int](repeating: 0, count: 9)
        let epochs = 20_000
        for e in 0..<epochs {
            let d = sampler.draw(epoch: e, seed: 2, purpose: "test/unkd", threads: 1)
            let (better, worse) = d.pairs(3)
            for (i, j) in zip(better, worse) where Int(i) / 1000 == row { counts[(Int(i) % 1000) * 3 + Int(j) % 1000] += 1 }
        }
        let p = Self.positionProbabilities(3, temperature: 20)
        let distinct = 1 - p.map { $0 * $0 }.reduce(0, +)
        var expected = [Double](repeating: 0, count: 9)
        for a in 0..<3 { for b in (a + 1)..<3 { expected[a * 3 + b] = Double(3 * epochs) * 2 * p[a] * p[b] / distinct } }
        SamplerDistributionTests.chiSquareOK(observed: counts, expected: expected, "3-long row through the epoch draw")
    }

    /// The teacher artefact: row u*G + g = user u's unobserved items of group g, best teacher
    /// score first (ties to the lower id), cut at N; 1 and 2 threads agree.
    @Test(arguments: [(5, 1), (1000, 2)])
    func groupListsMatchBruteForce(n: Int, threads: Int) throws {
        let data = Fixtures.interactions(users: 40, items: 60, perUser: 3...20)
        let split = try Split.make(data, protocol: .holdout, seed: 1)
        let teacher = MatrixFactorization(users: 40, items: 60, dimension: 6, initStd: 1, seed: 4)
        let student = MatrixFactorization(users: 40, items: 60, dimension: 2, initStd: 0.1, seed: 5)
        let method = try UnbiasedDistillation(hyperparameters: ["G": .number(3), "N": .number(Double(n))])
        let context = DistillationContext(student: student, teacher: teacher, split: split, seed: 1, threads: threads, training: TrainingConfig())
        try method.prepare(context)
        let lists = try #require(method.sampler?.lists)
        let groups = PopularityGroups(train: split.train, groups: 3)
        #expect(lists.rows == 40 * 3)
        for u in 0..<40 {
            for g in 0..<3 {
                let expected = groups.members[g].filter { !split.train.contains(user: u, item: $0) }
                    .sorted { (teacher.score(user: u, item: Int($0)), -$0) > (teacher.score(user: u, item: Int($1)), -$1) }.prefix(n)
                #expect(Array(lists.row(u * 3 + g)) == Array(expected), "user \(u) group \(g)")
            }
        }
        #expect(context.artefacts?.seconds.keys.contains("unkd-group-top-items-G3-n\(n)-unobserved-popgroups-v1") == true)
    }

    // Student d = 1: user 0 embedding 1, user 1 embedding 2; items 0..3 = 0, 1, 2, 3.
    // Batch rows: users [0, 0, 1] (user 0 in two rows).  Pairs: user 0 (1 over 0): x = 1, and (2 over 3):
    // x = -1; user 1 (0 over 3): x = 2·0 - 2·3 = -6.  -log σ(x) = log(1 + e^-x).
    // Loss = λ [2 · (log(1+e^-1) + log(1+e)) / 2 + 1 · log(1+e^6)] = λ (0.3132617 + 1.3132617 + 6.0024726)
    //      = 0.5 · 7.6289960 = 3.8144980.
    // d/ds_better = λ · rows/pairs · (-σ(-x)): user 0: 0.5 · 2/2 · (-0.2689414) on item 1, +0.1344707 on 0;
    // 0.5 · (-0.7310586) on item 2, +0.3655293 on 3; user 1: 0.5 · 1/1 · (-0.9975274) on item 0, +0.4987637 on 3.
    @Test func lossAndGradientsByHand() throws {
        let split = try Split.make(Interactions(userIDs: ["a", "b"], itemIDs: ["0", "1", "2", "3", "4"], rows: [[0, 1, 4], [2, 3, 4]]),
                                   protocol: .holdout, seed: 1)
        let student = MatrixFactorization(userEmbedding: Matrix(rows: 2, cols: 1, values: [1, 2]),
                                          itemEmbedding: Matrix(rows: 5, cols: 1, values: [0, 1, 2, 3, 9]))
        let method = try UnbiasedDistillation(hyperparameters: ["lambda": .number(0.5)])
        method.draw = UnbiasedPairSampler.Draw(better: RowLists(width: 2, values: [1, 2, 0, 0], counts: [2, 1]),
                                               worse: RowLists(width: 2, values: [0, 3, 3, 0], counts: [2, 1]))
        let context = DistillationContext(student: student, teacher: nil, split: split, seed: 1, threads: 1, training: TrainingConfig())
        let batch = TrainingBatch(epoch: 1, index: 0, users: [0, 0, 1], positives: [4, 4, 4], negatives: [0, 0, 0])
        var g = ScoreGradients()
        let loss = method.addLoss(batch, context, gradients: &g)
        let sp = { (x: Double) in log1p(exp(-x)) }
        #expect(abs(loss - 0.5 * (2 * (sp(1) + sp(-1)) / 2 + sp(-6))) < 1e-5)
        #expect(abs(loss - 3.8144980) < 1e-5)
        #expect(g.users == [0, 0, 0, 0, 1, 1] && g.items == [1, 0, 2, 3, 0, 3])
        let expected: [Double] = [-0.1344707, 0.1344707, -0.3655293, 0.3655293, -0.4987637, 0.4987637]
        for (v, e) in zip(g.values, expected) { #expect(abs(Double(v) - e) < 1e-6) }
        // No draw yet (before the first epoch): nothing.
        var none = ScoreGradients()
        #expect(try UnbiasedDistillation(hyperparameters: [:]).addLoss(batch, context, gradients: &none) == 0 && none.count == 0)
    }
}
