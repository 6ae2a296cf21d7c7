import Foundation
import Testing
@testable import DistillKit

@Suite struct RankingMetricsTests {
    // Ranked list [5, 3, 9, 1], targets {3, 1, 7}.
    // Hits at ranks 2 and 4.  DCG@4 = 1/log2(3) + 1/log2(5) = 0.630930 + 0.430677 = 1.061606.
    // IDCG@4 (3 targets) = 1 + 1/log2(3) + 1/2 = 2.130930.  NDCG@4 = 1.061606 / 2.130930 = 0.498189.
    // Recall@4 = 2/3; Recall@2 = 1/3; NDCG@2 = 0.630930 / (1 + 0.630930) = 0.386853.
    @Test func recallAndNDCGByHand() {
        let ranked: [Int32] = [5, 3, 9, 1]
        let t: Set<Int32> = [3, 1, 7]
        #expect(abs(RankingMetrics.recall(ranked[...], targets: t, k: 4) - 2.0 / 3) < 1e-12)
        #expect(abs(RankingMetrics.recall(ranked[...], targets: t, k: 2) - 1.0 / 3) < 1e-12)
        #expect(abs(RankingMetrics.ndcg(ranked[...], targets: t, k: 4) - 0.498189) < 1e-6)
        #expect(abs(RankingMetrics.ndcg(ranked[...], targets: t, k: 2) - 0.386853) < 1e-6)
        // A perfect list has NDCG 1; no hit has 0.
        #expect(RankingMetrics.ndcg([3, 1, 7][...], targets: t, k: 3) == 1)
        #expect(RankingMetrics.ndcg([8, 9][...], targets: t, k: 2) == 0)
    }

    // Rank 3: HR@5 = 1, NDCG@5 = 1/log2(4) = 0.5, MRR@5 = 1/3; HR@2 = NDCG@2 = MRR@2 = 0.
    @Test func leaveOneOutByHand() {
        #expect(RankingMetrics.leaveOneOutValues(rank: 3, cutoffs: [2, 5]) == [0, 1, 0, 0.5, 0, 1.0 / 3])
        #expect(RankingMetrics.ndcg(rank: 1, k: 10) == 1)
    }

    /// The evaluator agrees with a brute-force ranking on a small model, masks train (and for
    /// test, validation) items, and breaks ties by item id.
    @Test func evaluatorMatchesBruteForce() throws {
        let data = Fixtures.interactions(users: 40, items: 60, perUser: 5...20)
        let split = try Split.make(data, protocol: .holdout, seed: 2)
        let model = MatrixFactorization(users: 40, items: 60, dimension: 3, initStd: 1, seed: 5)
        // Force ties: items 10 and 11 identical.
        for c in 0..<3 { model.itemEmbedding[11, c] = model.itemEmbedding[10, c] }
        let r = Evaluator(split: split, listLength: 10, blockSize: 7).evaluate(model, part: .test, threads: 2, keepTopK: true)
        for (k, u32) in r.users.enumerated() {
            let u = Int(u32)
            let excluded = Set(split.train.row(u)).union(split.valid.row(u))
            let expected = (0..<60).map { Int32($0) }.filter { !excluded.contains($0) }
                .sorted { a, b in
                    let sa = model.score(user: u, item: Int(a)), sb = model.score(user: u, item: Int(b))
                    return sa > sb || (sa == sb && a < b)
                }
            #expect(r.topK[k] == Array(expected.prefix(10)))
            let ndcg10 = RankingMetrics.ndcg(expected.prefix(10), targets: Set(split.test.row(u)), k: 10)
            #expect(r.perUser[k * r.metricKeys.count + r.metricKeys.firstIndex(of: "ndcg@10")!] == ndcg10)
        }
    }

    @Test func sampledEvaluatorRanksTargetAmongCandidates() throws {
        let data = Fixtures.interactions(users: 10, items: 600, perUser: 3...10)
        let split = try Split.make(data, protocol: .loo499, seed: 2)
        let model = MatrixFactorization(users: 10, items: 600, dimension: 4, initStd: 1, seed: 5)
        let r = Evaluator(split: split).evaluate(model, part: .test, threads: 1)
        for (k, u32) in r.users.enumerated() {
            let u = Int(u32)
            let t = split.test.row(u).first!
            let st = model.score(user: u, item: Int(t))
            let rank = 1 + split.candidates[(u * 499)..<((u + 1) * 499)].filter { j in
                let s = model.score(user: u, item: Int(j)); return s > st || (s == st && j < t)
            }.count
            #expect(Array(r.perUser[(k * 9)..<(k * 9 + 9)]) == RankingMetrics.leaveOneOutValues(rank: rank, cutoffs: [5, 10, 20]))
        }
    }
}
