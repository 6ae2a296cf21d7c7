import Foundation
import Testing
@testable import DistillKit

/// DCD: within-list student ranks, tanh discrepancy weights, the correction draws, the refresh
/// schedule and thread independence.  (Gradients: MethodConformanceTests' finite differences.)
@Suite struct DualCorrectionDistillationTests {
    /// d = 1 student: users 1, -1, 0.5; items 0.1, 0.9, 0.5, 0.2, 0.7 (score = product).
    static func tinyStudent() -> MatrixFactorization {
        MatrixFactorization(userEmbedding: Matrix(rows: 3, cols: 1, values: [1, -1, 0.5]),
                            itemEmbedding: Matrix(rows: 5, cols: 1, values: [0.1, 0.9, 0.5, 0.2, 0.7]))
    }

    /// User 0's teacher list is items 3, 1, 4, 0 (item 2 left out); the other users have none.
    static let userLists = RankedLists(rows: 3, width: 4, entries: [3, 1, 4, 0] + [Int32](repeating: 0, count: 8), lengths: [4, 0, 0])
    /// Item 1's teacher list is users 2, 1, 0; the other items have none.
    static let itemLists = RankedLists(rows: 5, width: 3, entries: [0, 0, 0, 2, 1, 0] + [Int32](repeating: 0, count: 9), lengths: [0, 3, 0, 0, 0])

    @Test func withinListRanksSortByScoreWithTiesToTheTeacherOrder() {
        #expect(RankDiscrepancySampler.withinListRanks([0.1, 0.9, 0.5, 0.2]) == [3, 0, 1, 2])
        #expect(RankDiscrepancySampler.withinListRanks([1, 2, 2, 0]) == [2, 0, 1, 3])
        #expect(RankDiscrepancySampler.withinListRanks([.nan, 1]) == [1, 0])
        #expect(RankDiscrepancySampler.withinListRanks([]) == [])
    }

    /// User 0: student scores of items 3, 1, 4, 0 are 0.2, 0.9, 0.7, 0.1, so within the list the
    /// student ranks them 2, 0, 1, 3 (not 3, 0, 1, 4 as over the whole catalogue, D1): δ = 2, -1,
    /// -1, 0; with ε = 0.5 item 3 is under-estimated by tanh(1) and items 1, 4 over-estimated by
    /// tanh(0.5).  Item 1: scores of users 2, 1, 0 are 0.45, -0.9, 0.9, ranks 1, 2, 0, δ = 1, 1,
    /// -2: users 2, 1 under by tanh(0.5), user 0 over by tanh(1).
    @Test func handComputedRanksAndWeights() {
        let student = Self.tinyStudent()
        let tanh1 = 0.7615941559557649, tanhHalf = 0.46211715726000974
        var users = RankDiscrepancySampler(side: .user, lists: Self.userLists, count: 40, epsilon: 0.5)
        users.refresh(student, threads: 1)
        #expect(Array(users.studentRanks![0..<4]) == [2, 0, 1, 3])
        let (uu, uo) = users.weights(row: 0)
        #expect(zip(uu, [tanh1, 0, 0, 0]).allSatisfy { abs($0 - $1) < 1e-15 }, "\(uu)")
        #expect(zip(uo, [0, tanhHalf, tanhHalf, 0]).allSatisfy { abs($0 - $1) < 1e-15 }, "\(uo)")
        #expect(abs(users.weightOfGap[2] - tanh1) < 1e-15 && users.weightOfGap[0] == 0)

        var items = RankDiscrepancySampler(side: .item, lists: Self.itemLists, count: 40, epsilon: 0.5)
        items.refresh(student, threads: 1)
        #expect(Array(items.studentRanks![3..<6]) == [1, 2, 0])
        let (iu, io) = items.weights(row: 1)
        #expect(zip(iu, [tanhHalf, tanhHalf, 0]).allSatisfy { abs($0 - $1) < 1e-15 }, "\(iu)")
        #expect(zip(io, [0, 0, tanh1]).allSatisfy { abs($0 - $1) < 1e-15 }, "\(io)")

        // D2: p_n = 40 but fewer positive weights: every positive entry, under in teacher order.
        var rng = RandomStream(seed: 1, purpose: "test/dcd")
        let (u, o) = users.drawRow(0, &rng)
        #expect(u == [3] && o.count == 2 && Set(o) == [1, 4])
        let (iu2, io2) = items.drawRow(1, &rng)
        #expect(iu2 == [2, 1] && io2 == [0])
        // Rows without a list (or without discrepancy) draw nothing.
        #expect(users.drawRow(1, &rng) == ([], []))
    }

    /// A row whose student order equals the teacher's has no correction, and adds no loss.
    @Test func agreementGivesNothing() {
        let student = Self.tinyStudent()
        // User 0's items by student score: 1, 4, 2, 3, 0.
        let lists = RankedLists(rows: 1, width: 5, entries: [1, 4, 2, 3, 0], lengths: [5])
        var s = RankDiscrepancySampler(side: .user, lists: lists, count: 3, epsilon: 0.1)
        s.refresh(student, threads: 1)
        #expect(s.studentRanks! == [0, 1, 2, 3, 4])
        var rng = RandomStream(seed: 2, purpose: "test/dcd")
        #expect(s.drawRow(0, &rng) == ([], []))
    }

    /// One row of 10 with student ranks 4, 0, 1, 9, 2, 3, 8, 5, 6, 7: δ = 4, -1, -1, 6, -2, -2, 2,
    /// -2, -2, -2.  Under: the (only) draw with p_n = 1 lands on position k with probability
    /// tanh(ε δ_k) / Σ; over: the first of p_n = 3 draws likewise with tanh(-ε δ_k).  Under lists
    /// with p_n = 2 are in teacher order; with p_n = 5 they are all three positives.
    @Test func drawsFollowSuccessiveSamplingOnTheTanhWeights() {
        let entries: [Int32] = [50, 51, 52, 53, 54, 55, 56, 57, 58, 59]
        let lists = RankedLists(rows: 1, width: 10, entries: entries, lengths: [10])
        let ranks: [Int32] = [4, 0, 1, 9, 2, 3, 8, 5, 6, 7]
        let delta = (0..<10).map { Double(Int(ranks[$0]) - $0) }
        let eps = 0.1
        let underW = delta.map { tanh(max(eps * $0, 0)) }, overW = delta.map { tanh(max(-eps * $0, 0)) }
        func sampler(_ count: Int) -> RankDiscrepancySampler {
            var s = RankDiscrepancySampler(side: .user, lists: lists, count: count, epsilon: eps)
            s.studentRanks = ranks
            return s
        }
        let (one, three, two, five) = (sampler(1), sampler(3), sampler(2), sampler(5))
        #expect(one.weights(row: 0).under == underW && one.weights(row: 0).over == overW)
        let trials = 60_000
        var underFirst = [Int](repeating: 0, count: 10), overFirst = [Int](repeating: 0, count: 10)
        for t in 0..<trials {
            var rng = RandomStream(seed: 7, purpose: "test/dcd-under", t)
            let (u, _) = one.drawRow(0, &rng)
            #expect(u.count == 1)
            underFirst[Int(u[0] - 50)] += 1
            var rng2 = RandomStream(seed: 7, purpose: "test/dcd-over", t)
            let (_, o) = three.drawRow(0, &rng2)
            #expect(o.count == 3 && Set(o).count == 3)
            overFirst[Int(o[0] - 50)] += 1
        }
        let (su, so) = (underW.reduce(0, +), overW.reduce(0, +))
        SamplerDistributionTests.chiSquareOK(observed: underFirst, expected: underW.map { Double(trials) * $0 / su }, "dcd under-estimation draw")
        SamplerDistributionTests.chiSquareOK(observed: overFirst, expected: overW.map { Double(trials) * $0 / so }, "dcd over-estimation first draw")
        for t in 0..<200 {
            var rng = RandomStream(seed: 8, purpose: "test/dcd-order", t)
            let (u, o) = two.drawRow(0, &rng)
            #expect(u.count == 2 && u[0] < u[1] && Set(u).isSubset(of: [50, 53, 56]) && o.count == 2)
        }
        var rng = RandomStream(seed: 9, purpose: "test/dcd-short")
        #expect(five.drawRow(0, &rng).under == [50, 53, 56])
    }

    /// The 530 x 620 world of the conformance tests: refreshed ranks and batch draws are the same
    /// for 1 and 2 threads, and each row's ranks are the brute-force within-list ranks.
    @Test func refreshAndDrawsAreIdenticalForOneAndTwoThreads() throws {
        let (users, items) = (530, 620)
        let data = Fixtures.interactions(users: users, items: items, perUser: 4...10, seed: 9)
        let teacher = MatrixFactorization(users: users, items: items, dimension: 6, initStd: 1, seed: 8)
        let student = MatrixFactorization(users: users, items: items, dimension: 2, initStd: 0.6, seed: 9)
        let artefacts = TeacherArtefacts(teacher: teacher, train: data, threads: 1)
        for (side, lists) in [(RelaxedRankingLoss.Side.user, try artefacts.topItemsPerUser(500)),
                              (.item, try artefacts.topUsersPerItem(500))] {
            var one = RankDiscrepancySampler(side: side, lists: lists, count: 40, epsilon: 0.1), two = one
            one.refresh(student, threads: 1)
            two.refresh(student, threads: 2)
            #expect(one.studentRanks! == two.studentRanks!, "\(side)")
            for r in stride(from: 0, to: lists.rows, by: 97) {
                let scores = lists.row(r).map { side == .user ? student.score(user: r, item: Int($0)) : student.score(user: Int($0), item: r) }
                let order = (0..<scores.count).sorted { (scores[$0], -$0) > (scores[$1], -$1) }
                let ranks = one.studentRanks![(r * lists.width)..<(r * lists.width + lists.count(r))]
                for (rank, k) in order.enumerated() { #expect(ranks[ranks.startIndex + k] == Int32(rank)) }
            }
            let rows = (0..<Int32(lists.rows)).filter { $0 % 3 == 1 }
            let a = one.draw(rows: rows, epoch: 4, batch: 2, seed: 5, purpose: "dcd/test", threads: 1)
            let b = two.draw(rows: rows, epoch: 4, batch: 2, seed: 5, purpose: "dcd/test", threads: 2)
            #expect(a.under == b.under && a.over == b.over)
            #expect(a.under.counts.allSatisfy { $0 == 40 } && a.over.counts.allSatisfy { $0 == 40 })
            // Keyed by row: a row drawn alone or among others gets the same draw.
            let alone = one.draw(rows: [rows[5]], epoch: 4, batch: 2, seed: 5, purpose: "dcd/test", threads: 1)
            #expect(alone.under(0) == a.under(5) && alone.over(0) == a.over(5))
        }
    }

    /// The first refresh comes before epoch 1's batches, then every `refresh_every` epochs
    /// (1, 4, 7, ...); an epoch entered with no refresh yet refreshes.
    @Test func refreshSchedule() throws {
        let (users, items) = (60, 80)
        let data = Fixtures.interactions(users: users, items: items, perUser: 3...8, seed: 2)
        let split = try Split.make(data, protocol: .holdout, seed: 2)
        let teacher = MatrixFactorization(users: users, items: items, dimension: 4, initStd: 1, seed: 1)
        let student = MatrixFactorization(users: users, items: items, dimension: 2, initStd: 1, seed: 2)
        let method = try DualCorrectionDistillation(hyperparameters: ["N": .number(30), "p_n": .number(5)])
        let context = DistillationContext(student: student, teacher: teacher, split: split, seed: 1, threads: 1, training: TrainingConfig())
        try method.prepare(context)
        #expect(method.userSide!.studentRanks == nil)
        try method.beginEpoch(1, context)
        let first = method.userSide!.studentRanks!, firstItems = method.itemSide!.studentRanks!
        // Reverse every user's preferences: a refresh would change the ranks.
        for u in 0..<users { for c in 0..<2 { student.userEmbedding[u, c] = -student.userEmbedding[u, c] } }
        for epoch in [2, 3] {
            try method.beginEpoch(epoch, context)
            #expect(method.userSide!.studentRanks! == first && method.refreshedAt == 1)
        }
        try method.beginEpoch(4, context)
        #expect(method.userSide!.studentRanks! != first && method.itemSide!.studentRanks! != firstItems && method.refreshedAt == 4)

        let late = try DualCorrectionDistillation(hyperparameters: ["N": .number(30), "p_n": .number(5), "refresh_every": .number(2)])
        try late.prepare(context)
        try late.beginEpoch(4, context)
        #expect(late.refreshedAt == 4)
        try late.beginEpoch(5, context)
        #expect(late.refreshedAt == 5)
    }

    /// Each side alone against finite differences (the conformance test checks their sum): the
    /// item-side gradients land on the drawn users' embeddings and the fixed item's.
    @Test(arguments: ["lambda_U", "lambda_I"])
    func eachSideMatchesFiniteDifferences(silenced: String) throws {
        let world = try MethodGradientWorld()
        let method = try DualCorrectionDistillation(hyperparameters: [silenced: .number(0)])
        let context = world.context(for: method)
        try method.prepare(context)
        try method.beginEpoch(1, context)
        let batch = world.batch(epoch: 1)
        var g = ScoreGradients()
        #expect(method.addLoss(batch, context, gradients: &g) > 0)
        let analytic = world.analytic(g)
        #expect(analytic.scale > 0)
        let bad = world.mismatches(analytic) {
            var scratch = ScoreGradients()
            return method.addLoss(batch, context, gradients: &scratch)
        }
        #expect(bad.isEmpty, "\(silenced) = 0: \(bad.prefix(5).joined(separator: "; "))")
    }

    @Test func badValuesAreRefused() {
        for bad: [String: ConfigValue] in [["p_n": .number(600)], ["eps": .number(0)], ["refresh_every": .number(0)],
                                           ["lambda_U": .number(-1)], ["N": .number(2.5)]] {
            #expect(throws: MethodError.self) { try DualCorrectionDistillation(hyperparameters: bad) }
        }
    }
}
