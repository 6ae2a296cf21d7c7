import Foundation
import Testing
@testable import DistillKit

/// Every sampler against the distribution it claims, over many draws with a fixed seed: a
/// chi-square statistic below df + 4·sqrt(2·df) (far in the tail for a correct sampler; a
/// wrong formula fails by orders of magnitude).
@Suite struct SamplerDistributionTests {
    static func chiSquareOK(observed: [Int], expected: [Double], _ label: String) {
        var chi = 0.0, df = -1
        for (o, e) in zip(observed, expected) {
            if e == 0 { #expect(o == 0, "\(label): impossible outcome drawn \(o) times"); continue }
            chi += (Double(o) - e) * (Double(o) - e) / e
            df += 1
        }
        let bound = Double(df) + 4 * (2 * Double(df)).squareRoot()
        #expect(chi < bound, "\(label): chi-square \(chi) over \(df) degrees of freedom (bound \(bound))")
    }

    /// Successive sampling, whichever way it is drawn: the first draw is p_i = w_i / W, the
    /// ordered pair (i, j) is w_i / W · w_j / (W - w_i); a zero weight is never drawn.
    static func checkSuccessiveSampling(_ label: String, seed: UInt64, _ draw: ([Double], inout RandomStream) -> [Int32]) {
        let w: [Double] = [4, 2, 1, 0, 0.5, 2.5]
        let W = w.reduce(0, +)
        var rng = RandomStream(seed: seed, purpose: "test/\(label)")
        let trials = 120_000
        var pairs = [Int](repeating: 0, count: 36), first = [Int](repeating: 0, count: 6)
        for _ in 0..<trials {
            let d = draw(w, &rng)
            #expect(d.count == 2 && d[0] != d[1])
            first[Int(d[0])] += 1
            pairs[Int(d[0]) * 6 + Int(d[1])] += 1
        }
        chiSquareOK(observed: first, expected: w.map { Double(trials) * $0 / W }, "\(label): first draw")
        var expected = [Double](repeating: 0, count: 36)
        for i in 0..<6 { for j in 0..<6 where i != j { expected[i * 6 + j] = Double(trials) * w[i] / W * w[j] / (W - w[i]) } }
        chiSquareOK(observed: pairs, expected: expected, "\(label): ordered pairs")
    }

    @Test func gumbelTopKFollowsSuccessiveSampling() {
        Self.checkSuccessiveSampling("gumbel-top-k", seed: 11) { w, rng in
            WeightedSamplingWithoutReplacement.draw(logWeights: w.map { $0 > 0 ? log($0) : -Double.infinity }, count: 2, &rng)
        }
    }

    /// The Fenwick-tree sampler: the same laws; every positive weight once when asked for more
    /// than there are, and a tiny weight next to huge ones is still drawn exactly once.
    @Test func fenwickSamplerFollowsSuccessiveSampling() {
        Self.checkSuccessiveSampling("fenwick", seed: 12) { w, rng in
            WeightedSamplingWithoutReplacement.drawSequential(weights: w, count: 2, &rng)
        }
        var rng = RandomStream(seed: 13, purpose: "test/fenwick-edges")
        let all = WeightedSamplingWithoutReplacement.drawSequential(weights: [0, 1e-12, 0, 1e6, 3, 1e6], count: 10, &rng)
        #expect(Set(all) == [1, 3, 4, 5] && all.count == 4)
        #expect(WeightedSamplingWithoutReplacement.drawSequential(weights: [0, 0], count: 3, &rng).isEmpty)
    }

    /// Running sums of weights, and how many weights are positive (the running-sums sampler's input).
    static func runningSums(_ w: [Double]) -> ([Double], Int) {
        var s = 0.0
        return (w.map { s += $0; return s }, w.filter { $0 > 0 }.count)
    }

    /// The running-sums sampler (DCD's batches): the same laws, by binary search with repeats
    /// redrawn.  The second check forces its fallback: after one of two heavy weights is drawn,
    /// a third draw among tiny weights repeats far more than 4k + 16 times.
    @Test func runningSumsSamplerFollowsSuccessiveSampling() {
        Self.checkSuccessiveSampling("running-sums", seed: 14) { w, rng in
            let (s, positives) = Self.runningSums(w)
            return s.withUnsafeBufferPointer { WeightedSamplingWithoutReplacement.drawSequential(runningSums: $0, positives: positives, count: 2, &rng) }
        }
        // Weights 1e6, 1e6, 1, 2, 0: three draws; the third is 1 or 2 with odds 1 : 2.
        let w: [Double] = [1e6, 1e6, 1, 2, 0]
        let (s, positives) = Self.runningSums(w)
        var third = [Int](repeating: 0, count: 5)
        let trials = 30_000
        for t in 0..<trials {
            var rng = RandomStream(seed: 15, purpose: "test/running-sums-fallback", t)
            let d = s.withUnsafeBufferPointer { WeightedSamplingWithoutReplacement.drawSequential(runningSums: $0, positives: positives, count: 3, &rng) }
            #expect(d.count == 3 && Set(d).count == 3 && !d.contains(4))
            third[Int(d[2])] += 1
        }
        // P(third = i) for i in {2, 3}: the first two are almost surely the heavy ones.
        Self.chiSquareOK(observed: Array(third[2...3]), expected: [Double(trials) / 3, 2 * Double(trials) / 3], "running-sums fallback")
        var rng = RandomStream(seed: 16, purpose: "test/running-sums-edges")
        let all = s.withUnsafeBufferPointer { WeightedSamplingWithoutReplacement.drawSequential(runningSums: $0, positives: positives, count: 10, &rng) }
        #expect(Set(all) == [0, 1, 2, 3] && all.count == 4)
    }

    @Test func weightedWithoutReplacementReturnsEveryPositiveWhenShort() {
        var rng = RandomStream(seed: 1, purpose: "test")
        let d = WeightedSamplingWithoutReplacement.draw(logWeights: [-.infinity, 0, -.infinity, -3], count: 5, &rng)
        #expect(Set(d) == [1, 3] && d.count == 2)
    }

    /// RRD's position weights exp(-r/T): the first of K draws lands on position r with
    /// probability exp(-r/T) / Σ exp(-r'/T).
    @Test func rankDecayPositions() {
        let n = 30, t = 4.0
        let logW = WeightedSamplingWithoutReplacement.rankDecayLogWeights(positions: n, temperature: t)
        #expect(logW[0] == 0 && abs(logW[8] + 2) < 1e-12)
        let z = (0..<n).map { exp(-Double($0) / t) }.reduce(0, +)
        var rng = RandomStream(seed: 2, purpose: "test/rank-decay")
        var first = [Int](repeating: 0, count: n)
        let trials = 60_000
        for _ in 0..<trials { first[Int(WeightedSamplingWithoutReplacement.draw(logWeights: logW, count: 5, &rng)[0])] += 1 }
        Self.chiSquareOK(observed: first, expected: (0..<n).map { Double(trials) * exp(-Double($0) / t) / z }, "rank decay")
    }

    @Test func categoricalMatchesItsWeights() {
        let w: [Double] = [0, 3, 1, 0, 6, 0.25]
        let s = CategoricalSampler(weights: w)
        #expect(abs(s.probability(4) - 6 / 10.25) < 1e-12)
        var rng = RandomStream(seed: 5, purpose: "test/categorical")
        var counts = [Int](repeating: 0, count: w.count)
        let trials = 100_000
        for _ in 0..<trials { counts[s.draw(&rng)] += 1 }
        Self.chiSquareOK(observed: counts, expected: w.map { Double(trials) * $0 / 10.25 }, "categorical")
    }

    /// Each allowed value is in a draw of k distinct values of m allowed with probability k/m;
    /// excluded values never appear; the exact fallback (almost everything excluded) is uniform too.
    @Test(arguments: [(20, 12, 3), (1000, 995, 2)])
    func uniformExclusion(n: Int, excludedCount: Int, k: Int) {
        // Excluded: the first `excludedCount` values of a fixed permutation.
        var perm = (0..<Int32(n)).map { $0 }
        var setup = RandomStream(seed: 7, purpose: "test/exclusion-set")
        setup.shuffle(&perm)
        let excluded = Set(perm[0..<excludedCount])
        var rng = RandomStream(seed: 8, purpose: "test/exclusion")
        var counts = [Int](repeating: 0, count: n)
        let trials = 40_000
        for _ in 0..<trials {
            let d = UniformExclusionSampler.draw(count: k, below: n, excludedCount: excludedCount, &rng) { excluded.contains($0) }
            #expect(d.count == k && Set(d).count == k)
            for v in d { counts[Int(v)] += 1 }
        }
        let m = n - excludedCount
        let expected = (0..<Int32(n)).map { excluded.contains($0) ? 0 : Double(trials * k) / Double(m) }
        Self.chiSquareOK(observed: counts, expected: expected, "uniform outside a set of \(excludedCount)/\(n)")
    }

    @Test func uniformExclusionReturnsAllAllowedWhenShort() {
        var rng = RandomStream(seed: 1, purpose: "test")
        let d = UniformExclusionSampler.draw(count: 10, below: 6, excludedCount: 3, &rng) { $0 % 2 == 0 }
        #expect(Set(d) == [1, 3, 5] && d.count == 3)
    }
}
