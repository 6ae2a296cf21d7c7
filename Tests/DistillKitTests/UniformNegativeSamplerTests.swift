import Foundation
import Testing
@testable import DistillKit

/// Negative sampling is bounded for every user and uniform over the unobserved items, on the
/// rejection path and on the by-rank path that takes over for nearly full rows.
@Suite struct UniformNegativeSamplerTests {
    static func rows(items: Int, _ rows: [[Int32]]) -> Interactions {
        Interactions(userIDs: rows.indices.map { "u\($0)" }, itemIDs: (0..<items).map { "i\($0)" }, rows: rows)
    }

    @Test func aUserHoldingTheWholeCatalogueHasNoNegative() {
        let data = Self.rows(items: 3, [[0, 1, 2], [0]])
        let sampler = UniformNegativeSampler(data)
        var rng = RandomStream(seed: 1, purpose: "t")
        #expect(sampler.draw(user: 0, &rng) == nil)
        #expect(data.saturatedUsers == [0])
    }

    /// 396 of 400 items observed: rejection almost always exhausts its budget, so the by-rank
    /// draw does the work; it must still be uniform over the 4 free items.
    @Test func nearlyFullRowsAreSampledUniformlyInBoundedSteps() {
        let free: Set<Int32> = [0, 137, 138, 399]
        let data = Self.rows(items: 400, [(0..<400).map { Int32($0) }.filter { !free.contains($0) }])
        let sampler = UniformNegativeSampler(data)
        var rng = RandomStream(seed: 2, purpose: "t")
        var counts: [Int32: Int] = [:]
        let n = 40_000
        for _ in 0..<n { counts[sampler.draw(user: 0, &rng)!, default: 0] += 1 }
        #expect(Set(counts.keys) == free)
        let e = Double(n) / 4
        let chi2 = counts.values.reduce(0.0) { $0 + pow(Double($1) - e, 2) / e }
        #expect(chi2 < 16.27)   // chi-square(3) at p = 0.001
    }

    @Test func batchesSkipPairsOfUsersWithoutNegatives() {
        let data = Self.rows(items: 3, [[0, 1, 2], [0]])
        var config = TrainingConfig()
        config.negatives = 2
        let trainer = Trainer(config: config, seed: 1, threads: 1)
        let batch = trainer.makeBatch(data, sampler: UniformNegativeSampler(data), userOf: data.userOfPosition,
                                      order: [0, 1, 2, 3], epoch: 1, index: 0)
        #expect(batch.users == [1, 1] && batch.positives == [0, 0] && batch.negatives.allSatisfy { $0 == 1 || $0 == 2 })
    }
}
