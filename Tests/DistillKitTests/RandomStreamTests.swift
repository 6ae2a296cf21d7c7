import Foundation
import Testing
@testable import DistillKit

/// Samplers against their distributions (chi-square with generous critical values, fixed seeds).
@Suite struct RandomStreamTests {
    @Test func uniformIntegersAreUniform() {
        var r = RandomStream(seed: 3, purpose: "uniform-test")
        let k = 10, n = 100_000
        var counts = [Int](repeating: 0, count: k)
        for _ in 0..<n { counts[r.nextInt(below: k)] += 1 }
        let e = Double(n) / Double(k)
        let chi2 = counts.reduce(0.0) { $0 + pow(Double($1) - e, 2) / e }
        #expect(chi2 < 27.9)   // chi-square(9) at p = 0.001
    }

    @Test func gaussianHasUnitMoments() {
        var r = RandomStream(seed: 4, purpose: "gauss-test")
        let xs = (0..<200_000).map { _ in r.nextGaussian() }
        let mean = xs.reduce(0, +) / Double(xs.count)
        let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(xs.count - 1)
        #expect(abs(mean) < 0.01)          // 4.5 standard errors
        #expect(abs(variance - 1) < 0.015)
        // P(|x| < 1) = 0.6827
        let inside = Double(xs.filter { abs($0) < 1 }.count) / Double(xs.count)
        #expect(abs(inside - 0.6827) < 0.005)
    }

    @Test func powerLawSamplerFollowsItsWeights() {
        let s = PowerLawSampler(count: 5, exponent: 1)
        var r = RandomStream(seed: 5, purpose: "powerlaw-test")
        let n = 100_000
        var counts = [Int](repeating: 0, count: 5)
        for _ in 0..<n { counts[s.sample(&r)] += 1 }
        let w = (1...5).map { 1.0 / Double($0) }, z = w.reduce(0, +)
        let chi2 = (0..<5).reduce(0.0) { acc, i in let e = Double(n) * w[i] / z; return acc + pow(Double(counts[i]) - e, 2) / e }
        #expect(chi2 < 18.5)   // chi-square(4) at p = 0.001
    }

    @Test func shuffleIsAUniformPermutation() {
        var r = RandomStream(seed: 6, purpose: "shuffle-test")
        var counts: [[Int]: Int] = [:]
        for _ in 0..<60_000 { var a = [0, 1, 2]; r.shuffle(&a); counts[a, default: 0] += 1 }
        #expect(counts.count == 6)
        let chi2 = counts.values.reduce(0.0) { $0 + pow(Double($1) - 10_000, 2) / 10_000 }
        #expect(chi2 < 20.5)   // chi-square(5) at p = 0.001
    }

    /// Negative sampling draws only unobserved items, uniformly among them.
    @Test func negativesAreUniformOverUnobservedItems() throws {
        let data = Fixtures.interactions(users: 1, items: 8, perUser: 3...3)
        var config = TrainingConfig()
        config.negatives = 20_000
        config.batchSize = 1
        let trainer = Trainer(config: config, seed: 1, threads: 1)
        let batch = trainer.makeBatch(data, sampler: UniformNegativeSampler(data), userOf: data.userOfPosition, order: [0], epoch: 1, index: 0)
        var counts = [Int](repeating: 0, count: 8)
        for j in batch.negatives { counts[Int(j)] += 1 }
        for i in data.row(0) { #expect(counts[Int(i)] == 0) }
        let e = 20_000.0 / 5
        let chi2 = (0..<8).filter { !data.contains(user: 0, item: Int32($0)) }.reduce(0.0) { $0 + pow(Double(counts[$1]) - e, 2) / e }
        #expect(chi2 < 18.5)   // chi-square(4) at p = 0.001
    }
}
