import Foundation
import Testing
@testable import DistillKit

@Suite struct PopularityGroupsTests {
    // Degrees [5, 1, 9, 3, 3, 0, 2, 7], G = 3, total 30.  Order: 2(9) 7(7) 0(5) 3(3) 4(3) 6(2) 1(1) 5(0).
    // Group 0, target 30/3 = 10: takes 2 (empty); 7 would give |16·3-30| = 18, not < |9·3-30| = 3: closes at 9.
    // Group 1, target 21/2: takes 7; 0 gives |12·2-21| = 3 < |7·2-21| = 7: takes it; 3 gives |15·2-21| = 9,
    // not < 3: closes at 12.  Group 2 (the last) takes 3, 4, 6, 1, 5: 9.
    @Test func handMadeDegrees() {
        let g = PopularityGroups(degrees: [5, 1, 9, 3, 3, 0, 2, 7], groups: 3)
        #expect(g.count == 3)
        #expect(g.members == [[2], [7, 0], [3, 4, 6, 1, 5]])
        #expect(g.groupOfItem == [1, 2, 0, 2, 2, 2, 2, 1])
        #expect(g.interactions == [9, 12, 9])
        #expect(g.group(of: 7) == 1)
    }

    // Total 155, G = 4: item 0 (100) is more than a share and forms group 0 alone; the 55 left are
    // shared by 3 groups (target 55/3): 1 and 2 (20; adding 3 gives |30·3-55| = 35, not < 5).
    // Then target 35/2: 3, 4 (15; adding 5 ties at |20·2-35| = |15·2-35| = 5, and a tie closes).
    @Test func anUltraPopularItemFormsItsOwnGroup() {
        let g = PopularityGroups(degrees: [100, 10, 10, 10, 5, 5, 5, 5, 5], groups: 4)
        #expect(g.members == [[0], [1, 2], [3, 4], [5, 6, 7, 8]])
        #expect(g.interactions == [100, 20, 15, 20])
    }

    /// Equal degrees: ties in id order, two items per group.
    @Test func tiesGoByItemID() {
        let g = PopularityGroups(degrees: [2, 2, 2, 2, 2, 2, 2, 2], groups: 4)
        #expect(g.members == [[0, 1], [2, 3], [4, 5], [6, 7]])
    }

    /// Every group gets an item while items last; with fewer items than groups the last are empty.
    @Test func fewItems() {
        #expect(PopularityGroups(degrees: [9, 1, 1, 1], groups: 4).members == [[0], [1], [2], [3]])
        #expect(PopularityGroups(degrees: [3, 1], groups: 4).members == [[0], [1], [], []])
        #expect(PopularityGroups(degrees: [0, 0, 0, 0, 0], groups: 2).members == [[0], [1, 2, 3, 4]])
        #expect(PopularityGroups(degrees: [4, 1, 7], groups: 1).members == [[2, 0, 1]])
    }

    /// On random skewed degrees: groups are consecutive in popularity order, non-empty, add up to
    /// the total, and each is within one item's degree of its fair share of what was left.
    @Test(arguments: [1, 2, 3, 4, 7])
    func propertiesOnRandomDegrees(groups: Int) {
        var rng = RandomStream(seed: 3, purpose: "test/popularity-degrees")
        let degrees = (0..<500).map { _ in Int(200 * pow(rng.nextDouble(), 4)) }
        let g = PopularityGroups(degrees: degrees, groups: groups)
        let order = degrees.indices.sorted { degrees[$0] != degrees[$1] ? degrees[$0] > degrees[$1] : $0 < $1 }.map { Int32($0) }
        #expect(g.members.flatMap { $0 } == order)
        #expect(g.members.allSatisfy { !$0.isEmpty })
        #expect(g.interactions.reduce(0, +) == degrees.reduce(0, +))
        var left = degrees.reduce(0, +)
        for k in 0..<(groups - 1) {
            let target = Double(left) / Double(groups - k)
            let largest = g.members[k].map { degrees[Int($0)] }.max()!
            let next = degrees[Int(g.members[k + 1][0])]
            #expect(abs(Double(g.interactions[k]) - target) <= Double(max(largest, next)), "group \(k)")
            left -= g.interactions[k]
        }
        for (k, m) in g.members.enumerated() { for i in m { #expect(g.group(of: i) == k) } }
    }

    @Test func fromTrainInteractions() {
        let data = Fixtures.interactions(users: 30, items: 40, perUser: 2...12)
        #expect(PopularityGroups(train: data, groups: 4) == PopularityGroups(degrees: data.itemDegrees(), groups: 4))
    }

    // Ranked [7, 2, 9, 4, 1], groups of the 8-item example: 2 -> 0, 7 -> 1, 0 -> 1, 3/4/6/1/5 -> 2.
    // Targets {2, 0, 4, 1, 3}: group 0 {2} hit at rank 2: 1/1; group 1 {0} not in the top 3: 0/1;
    // group 2 {4, 1, 3}: at k = 3 none of them (ranks 4, 5): 0/3; at k = 5: 4 and 1, 2/3.
    @Test func recallPerGroupByHand() {
        let g = PopularityGroups(degrees: [5, 1, 9, 3, 3, 0, 2, 7], groups: 3)
        let ranked: [Int32] = [7, 2, 9, 4, 1]
        let targets: Set<Int32> = [2, 0, 4, 1, 3]
        #expect(g.recall(ranked[...], targets: targets, k: 3) == [1, 0, 0])
        #expect(g.recall(ranked[...], targets: targets, k: 5) == [1, 0, 2.0 / 3])
        let none = g.recall(ranked[...], targets: [1], k: 5)
        #expect(none[0].isNaN && none[1].isNaN && none[2] == 1)
    }

    /// A tiny holdout split where the evaluator's group recall is computed by hand (see the
    /// comments): the mean runs over the users with a held-out item in the group only.
    @Test func evaluatorGroupRecallByHand() throws {
        let rows: [[Int32]] = [
            [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 21, 22, 25, 26, 28, 29],
            [0, 1, 2, 4, 6, 9, 14, 22, 27],
            [0, 1, 3, 4, 7, 10, 15, 23, 28],
            [0, 2, 3, 5, 11, 16, 24, 26],
            [1, 2, 4, 6, 12, 17, 20],
            [0, 1, 2, 3, 4, 18, 19, 29],
        ]
        // Items 30..<60 have no interaction at all.
        let data = Interactions(userIDs: (0..<6).map { "u\($0)" }, itemIDs: (0..<60).map { String($0) }, rows: rows)
        let split = try Split.make(data, protocol: .holdout, seed: 1)
        // The split this seed gives (asserted, so the hand computation below stays valid).
        #expect(split.valid.row(0) == [3, 28] && split.test.row(0) == [5, 29])
        #expect(split.valid.row(1) == [1] && split.test.row(1) == [6])
        #expect(split.valid.row(2) == [7] && split.test.row(2) == [0])
        #expect(split.valid.row(3) == [16] && split.test.row(3) == [2])
        #expect(split.valid.row(4) == [12] && split.test.row(4) == [17])
        #expect(split.valid.row(5) == [0] && split.test.row(5) == [2])
        // Train degrees: 1 and 4: 4; 0, 2, 3: 3; 6, 9, 10, 11, 14, 22, 26: 2; sixteen items 1; 16, 17 and
        // 30..<60: 0.  Total 47.  Group 0 (target 11.75): 1, 4, 0 = 11 (2 would give 14: |56-47| = 9,
        // not < |44-47| = 3).  Group 1 (36/3 = 12): 2, 3, 6, 9, 10 = 12.  Group 2 (24/2 = 12): 11, 14,
        // 22, 26, 5, 7, 8, 12 = 12.  Group 3: the rest (13, 15, ..., 16, 17, 30..<60).
        let groups = try #require(Evaluator(split: split).popularityGroups)
        #expect(groups.members[0] == [1, 4, 0] && groups.members[1] == [2, 3, 6, 9, 10])
        #expect(groups.members[2] == [11, 14, 22, 26, 5, 7, 8, 12] && groups.interactions == [11, 12, 12, 12])
        // Scores (d = 1, every user 1): items 0...5 first, then the 30 empty items, then 6..<30,
        // so a held-out item is in the top 20 exactly when its id is at most 5.
        func score(_ i: Int) -> Float {
            if i <= 5 { return Float(100 - i) }
            if i >= 30 { return 90 - 0.01 * Float(i - 30) }
            return Float(50 - i)
        }
        let scores = (0..<60).map(score)
        let model = MatrixFactorization(userEmbedding: Matrix(rows: 6, cols: 1, values: [Float](repeating: 1, count: 6)),
                                        itemEmbedding: Matrix(rows: 60, cols: 1, values: scores))
        // Test: u0 {5 (g2) hit, 29 (g3) miss}, u1 {6 (g1) miss}, u2 {0 (g0) hit}, u3 {2 (g1) hit},
        // u4 {17 (g3) miss}, u5 {2 (g1) hit}.  pop1 = 1 (u2); pop2 = (0 + 1 + 1)/3 over u1, u3, u5;
        // pop3 = 1 (u0); pop4 = (0 + 0)/2 over u0, u4.
        for threads in [1, 2] {
            let test = Evaluator(split: split, blockSize: 2).evaluate(model, part: .test, threads: threads)
            #expect(test.metrics["recall@20/pop1"] == 1)
            #expect(test.metrics["recall@20/pop2"] == 2.0 / 3)
            #expect(test.metrics["recall@20/pop3"] == 1)
            #expect(test.metrics["recall@20/pop4"] == 0)
            // Overall recall@20 is unchanged: u0 1/2, others 0, 1, 1, 0, 1 -> 3.5/6.
            #expect(test.metrics["recall@20"] == 3.5 / 6)
            #expect(test.metricKeys == EvaluationProtocol.holdout.metricKeys)
        }
        // Validation (train masked only): u0 {3 (g1) hit, 28 (g3) miss}, u1 {1 (g0) hit}, u2 {7 (g2) miss},
        // u3 {16 (g3) miss}, u4 {12 (g2) miss}, u5 {0 (g0) hit}.
        let valid = Evaluator(split: split).evaluate(model, part: .validation, threads: 1)
        #expect(valid.metrics["recall@20/pop1"] == 1 && valid.metrics["recall@20/pop2"] == 1)
        #expect(valid.metrics["recall@20/pop3"] == 0 && valid.metrics["recall@20/pop4"] == 0)
    }

    /// Each group's mean runs over the users it is defined for (NaN = no held-out item there); a
    /// group no evaluated user has gets no value rather than a made-up 0.
    @Test func groupMeansSkipUndefinedUsers() throws {
        var perUser: [Double] = [.nan, 1, .nan, 0, .nan, 0.5]   // 3 users x 2 groups
        let means = perUser.withUnsafeMutableBufferPointer { Evaluator.groupMeans(users: 3, groups: 2, perUser: $0.baseAddress!) }
        #expect(means[0] == nil && means[1] == 0.5)
        // And on a random split: a key is present exactly when some test user has an item in its group.
        let data = Fixtures.interactions(users: 30, items: 200, perUser: 3...6, seed: 4)
        let split = try Split.make(data, protocol: .holdout, seed: 1)
        let model = MatrixFactorization(users: 30, items: 200, dimension: 3, initStd: 1, seed: 2)
        let r = Evaluator(split: split).evaluate(model, part: .test, threads: 1)
        let groups = try #require(Evaluator(split: split).popularityGroups)
        for (g, key) in Evaluator.popularityGroupKeys.enumerated() {
            let users = r.users.filter { u in split.test.row(Int(u)).contains { groups.group(of: $0) == g } }
            #expect((r.metrics[key] == nil) == users.isEmpty, "\(key)")
        }
    }

    /// The per-group values are bit-identical for 1 and 2 threads and any block size; LOO-499
    /// reports none.
    @Test func deterministicAndHoldoutOnly() throws {
        let data = Fixtures.interactions(users: 80, items: 120, perUser: 5...25)
        let split = try Split.make(data, protocol: .holdout, seed: 2)
        let model = MatrixFactorization(users: 80, items: 120, dimension: 4, initStd: 1, seed: 5)
        let a = Evaluator(split: split, blockSize: 7).evaluate(model, part: .test, threads: 1)
        let b = Evaluator(split: split, blockSize: 7).evaluate(model, part: .test, threads: 2)
        let c = Evaluator(split: split, blockSize: 256).evaluate(model, part: .test, threads: 2)
        #expect(Set(a.metrics.keys) == Set(EvaluationProtocol.holdout.metricKeys + Evaluator.popularityGroupKeys))
        for key in a.metrics.keys {
            #expect(a.metrics[key]!.bitPattern == b.metrics[key]!.bitPattern && a.metrics[key]!.bitPattern == c.metrics[key]!.bitPattern, "\(key)")
        }
        let loo = try Split.make(Fixtures.interactions(users: 10, items: 600, perUser: 3...10), protocol: .loo499, seed: 2)
        let r = Evaluator(split: loo).evaluate(MatrixFactorization(users: 10, items: 600, dimension: 4, initStd: 1, seed: 5), part: .test, threads: 1)
        #expect(Set(r.metrics.keys) == Set(EvaluationProtocol.loo499.metricKeys))
    }
}
