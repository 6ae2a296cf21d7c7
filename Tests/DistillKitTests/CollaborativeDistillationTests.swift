import Foundation
import Testing
@testable import DistillKit

@Suite struct CollaborativeDistillationTests {
    /// q = σ((t + T2) / T1).
    @Test func softTargetByHand() {
        #expect(abs(CollaborativeDistillation.softTarget(teacherLogit: 0, T1: 1, T2: 1) - 0.7310585786300049) < 1e-12)     // σ(1)
        #expect(abs(CollaborativeDistillation.softTarget(teacherLogit: -3, T1: 2, T2: 1) - 0.2689414213699951) < 1e-12)    // σ(-1)
        #expect(CollaborativeDistillation.softTarget(teacherLogit: 1, T1: 0.5, T2: -1) == 0.5)                              // σ(0)
        #expect(CollaborativeDistillation.softTarget(teacherLogit: 1e4, T1: 1, T2: 1) == 1)
        #expect(CollaborativeDistillation.softTarget(teacherLogit: -1e4, T1: 1, T2: 1) == 0)
    }

    /// BCE(σ(s), q) = -[q log σ(s) + (1-q) log(1 - σ(s))] and d/ds = σ(s) - q:
    /// s = 0, q = σ(1): log 2 and 1/2 - σ(1);
    /// s = 2, q = 1/4: -(¼ log σ(2) + ¾ log σ(-2)) = 1.6269280110429727 and σ(2) - ¼ = 0.6307970779778823;
    /// s = -50, q = 0.3: 15 (+ log(1 + e^-50)) and -0.3 (+ σ(-50)).
    @Test func binaryCrossEntropyAndGradientByHand() {
        let a = CollaborativeDistillation.softBinaryCrossEntropy(logit: 0, target: Float(0.7310585786300049))
        #expect(abs(a.loss - log(2)) < 1e-7 && abs(Double(a.gradient) - (0.5 - 0.7310585786300049)) < 1e-7)
        let b = CollaborativeDistillation.softBinaryCrossEntropy(logit: 2, target: 0.25)
        #expect(abs(b.loss - 1.6269280110429727) < 1e-7 && abs(Double(b.gradient) - 0.6307970779778823) < 1e-7)
        let c = CollaborativeDistillation.softBinaryCrossEntropy(logit: -50, target: 0.3)
        #expect(abs(c.loss - 15) < 1e-5 && abs(Double(c.gradient) + 0.3) < 1e-7)
        let d = CollaborativeDistillation.softBinaryCrossEntropy(logit: 1e4, target: 0.5)
        #expect(d.loss.isFinite && abs(d.loss - 5e3) < 1e-3 && d.gradient == 0.5)
        // The derivative against central differences of the loss, over a range of logits and targets.
        for s in stride(from: -6.0, through: 6.0, by: 1.5) {
            for q in [0.0, 0.1, 0.5, 0.93, 1.0] {
                let f = { (x: [Double]) in CollaborativeDistillation.softBinaryCrossEntropy(logit: Float(x[0]), target: Float(q)).loss }
                let fd = FiniteDifference.gradient(f, at: [s], step: 1e-3)[0]
                let g = Double(CollaborativeDistillation.softBinaryCrossEntropy(logit: Float(s), target: Float(q)).gradient)
                #expect(abs(g - fd) < 1e-4, "s \(s), q \(q): \(g) vs \(fd)")
            }
        }
    }

    /// One user with 70 unobserved items of 80 and a reference list of 40 positions whose entry
    /// at position r is item r: the first draw is position r with probability
    /// exp(-γ r / 70) / Σ_{r' < 40} exp(-γ r' / 70), and the ordered pair (i, j) with
    /// p_i p_j / (1 - p_i) (successive sampling).
    @Test func rankAwareSamplerFollowsTheFormula() {
        let train = Interactions(userIDs: ["a"], itemIDs: (0..<80).map { "i\($0)" }, rows: [(70..<80).map { Int32($0) }])
        let n = 40, gamma = 20.0
        let lists = RankedLists(rows: 1, width: n, entries: (0..<Int32(n)).map { $0 }, lengths: [Int32(n)])
        let p: [Double] = {
            let w = (0..<n).map { exp(-gamma * Double($0) / 70) }
            let z = w.reduce(0, +)
            return w.map { $0 / z }
        }()
        let sampler = RankAwareSampler(train: train, gamma: gamma, ratio: 0.2, cap: 2)
        #expect(sampler.unobserved == [70] && sampler.sampleSize(user: 0, listLength: n) == 2)
        var first = [Int](repeating: 0, count: n), pairs = [Int](repeating: 0, count: n * n)
        let trials = 120_000
        for t in 0..<trials {
            var rng = RandomStream(seed: 6, purpose: "test/rank-aware", t)
            let d = sampler.drawRow(lists, user: 0, &rng)
            #expect(d.count == 2 && d[0] != d[1])
            first[Int(d[0])] += 1
            pairs[Int(d[0]) * n + Int(d[1])] += 1
        }
        SamplerDistributionTests.chiSquareOK(observed: first, expected: p.map { Double(trials) * $0 }, "first draw")
        // Pairs among the 8 best positions (the others are too rare for a chi-square cell),
        // everything else pooled into one cell.
        let top = 8
        var observed: [Int] = [], expected: [Double] = []
        var restObserved = trials, restExpected = Double(trials)
        for i in 0..<top {
            for j in 0..<top where i != j {
                let e = Double(trials) * p[i] * p[j] / (1 - p[i])
                observed.append(pairs[i * n + j]); expected.append(e)
                restObserved -= pairs[i * n + j]; restExpected -= e
            }
        }
        observed.append(restObserved); expected.append(restExpected)
        SamplerDistributionTests.chiSquareOK(observed: observed, expected: expected, "ordered pairs")
    }

    /// m_u = min(cap, row length, max(1, round(δ |I_u^-|))).
    @Test func sampleSizes() {
        let train = Interactions(userIDs: ["a", "b", "c", "d"], itemIDs: (0..<20).map { "i\($0)" },
                                 rows: [[0, 1, 2, 3, 4], [], (0..<19).map { Int32($0) }, (0..<20).map { Int32($0) }])
        let s = RankAwareSampler(train: train, gamma: 1, ratio: 0.2, cap: 100)
        #expect(s.unobserved == [15, 20, 1, 0])
        #expect(s.sampleSize(user: 0, listLength: 15) == 3)      // 0.2 × 15 = 3.0000000000000004
        #expect(s.sampleSize(user: 1, listLength: 20) == 4)
        #expect(s.sampleSize(user: 1, listLength: 2) == 2)       // the reference row is shorter
        #expect(s.sampleSize(user: 2, listLength: 1) == 1)       // at least one
        #expect(s.sampleSize(user: 3, listLength: 0) == 0)
        #expect(RankAwareSampler(train: train, gamma: 1, ratio: 1, cap: 7).sampleSize(user: 1, listLength: 20) == 7)
    }

    static func world() throws -> (Split, MatrixFactorization, MatrixFactorization) {
        let data = Fixtures.interactions(users: 50, items: 70, perUser: 3...15, seed: 5)
        let split = try Split.make(data, protocol: .holdout, seed: 5)
        let teacher = MatrixFactorization(users: 50, items: 70, dimension: 6, initStd: 1, seed: 6)
        let student = MatrixFactorization(users: 50, items: 70, dimension: 2, initStd: 1, seed: 7)
        return (split, teacher, student)
    }

    /// The n best unobserved items of user u under `model`, as a set (brute force).
    static func top(_ model: any RankingModel, _ train: Interactions, user u: Int, _ n: Int) -> Set<Int32> {
        Set((0..<Int32(train.itemCount)).filter { !train.contains(user: u, item: $0) }
            .sorted { (model.score(user: u, item: Int($0)), -$0) > (model.score(user: u, item: Int($1)), -$1) }.prefix(n))
    }

    /// With N = 3 and δ = 1 a user's whole reference top-3 is drawn: the teacher's for `cd`
    /// (fixed across epochs), the student's current one for `cd-sg` (follows the student).
    @Test(arguments: [CollaborativeDistillation.key, StudentGuidedCollaborativeDistillation.key])
    func referenceRankingDecidesTheSamples(key: String) throws {
        let (split, teacher, student) = try Self.world()
        let method = try MethodRegistry.make(key, hyperparameters: ["N": .number(3), "delta": .number(1)]) as! CollaborativeDistillation
        let context = DistillationContext(student: student, teacher: teacher, split: split, seed: 1, threads: 2, training: TrainingConfig())
        try method.prepare(context)
        for epoch in 1...2 {
            try method.beginEpoch(epoch, context)
            let draw = try #require(method.draw)
            let reference: any RankingModel = key == "cd" ? teacher : student
            for u in 0..<50 { #expect(Set(draw[u]) == Self.top(reference, split.train, user: u, 3), "\(key) epoch \(epoch) user \(u)") }
            // Move the student between epochs: cd-sg must follow it.
            for r in 0..<student.itemEmbedding.rows { student.itemEmbedding[r, 0] = -student.itemEmbedding[r, 0] }
        }
    }

    /// Defaults: every user draws min(100, round(0.2 |I_u^-|)) distinct unobserved items from the
    /// reference top-500; the batch loss is λ Σ BCE(σ(s_ui), σ(t_ui + 1)) over the batch's unique
    /// users, with gradient λ (σ(s_ui) - q_ui) per sampled item.
    @Test(arguments: [CollaborativeDistillation.key, StudentGuidedCollaborativeDistillation.key])
    func lossAndGradientsFromTheDraw(key: String) throws {
        let (split, teacher, student) = try Self.world()
        let method = try MethodRegistry.make(key) as! CollaborativeDistillation
        let context = DistillationContext(student: student, teacher: teacher, split: split, seed: 1, threads: 1, training: TrainingConfig())
        try method.prepare(context)
        try method.beginEpoch(4, context)
        let draw = try #require(method.draw)
        for u in 0..<50 {
            let items = Array(draw[u]), m = 70 - split.train.degree(user: u)
            #expect(items.count == min(100, Int((0.2 * Double(m)).rounded())))
            #expect(Set(items).count == items.count && items.allSatisfy { !split.train.contains(user: u, item: $0) })
        }
        let users: [Int32] = [3, 8, 3, 41]
        let batch = TrainingBatch(epoch: 4, index: 0, users: users, positives: users.map { _ in 0 }, negatives: users.map { _ in 1 })
        var g = ScoreGradients()
        let loss = method.addLoss(batch, context, gradients: &g)
        var expected = 0.0, entries: [(Int32, Int32, Double)] = []
        let sigma = { (x: Double) in 1 / (1 + exp(-x)) }
        for u: Int32 in [3, 8, 41] {
            for i in draw[Int(u)] {
                let q = sigma(Double(teacher.score(user: Int(u), item: Int(i))) + 1)
                let p = sigma(Double(student.score(user: Int(u), item: Int(i))))
                expected += 0.5 * -(q * log(p) + (1 - q) * log(1 - p))
                entries.append((u, i, 0.5 * (p - q)))
            }
        }
        #expect(abs(loss - expected) < 1e-5 * expected)
        #expect(g.count == entries.count)
        for (k, (u, i, d)) in entries.enumerated() {
            #expect(g.users[k] == u && g.items[k] == i && abs(Double(g.values[k]) - d) < 1e-6)
        }
    }

    @Test func bothVariantsShareTheirSettingsAndRecordTheirDifference() throws {
        #expect(CollaborativeDistillation.defaults == StudentGuidedCollaborativeDistillation.defaults)
        #expect(CollaborativeDistillation.reference == .teacher && StudentGuidedCollaborativeDistillation.reference == .student)
        let tg = try CollaborativeDistillation(hyperparameters: [:]), sg = try StudentGuidedCollaborativeDistillation(hyperparameters: [:])
        #expect(sg.deviations.count == tg.deviations.count + 1 && sg.deviations.last!.contains("once per epoch"))
        #expect(tg.deviations.contains { $0.contains("unverified") })
        do {
            _ = try StudentGuidedCollaborativeDistillation(hyperparameters: ["delta": .number(0)])
            Issue.record("delta = 0 accepted")
        } catch let e as MethodError {
            #expect(e.description.contains("'cd-sg'"))   // errors name the variant
        }
    }
}
