import Foundation
import Testing
@testable import DistillKit

@Suite struct RelaxedRankingLossTests {
    /// The definition, summed naively in Double (fine for moderate scores).
    static func naive(_ list: [Double], _ below: [Double]) -> Double {
        var loss = 0.0
        for k in list.indices {
            let denominator = list[k...].map(exp).reduce(0, +) + below.map(exp).reduce(0, +)
            loss -= list[k] - log(denominator)
        }
        return loss
    }

    /// Hand-computed: list (a, b) above {c} with scores (1, 0, 0):
    /// loss = [log(e + 1 + 1) - 1] + [log(1 + 1) - 0].
    @Test func handComputedValue() {
        let (loss, gl, gb) = RelaxedRankingLoss.evaluate(list: [1, 0], below: [0])
        let expected = (log(M_E + 2) - 1) + log(2)
        #expect(abs(loss - expected) < 1e-12)
        // d/da = e/(e+2) - 1; d/db = 1/(e+2) + 1/2 - 1; d/dc = 1/(e+2) + 1/2.
        #expect(abs(Double(gl[0]) - (M_E / (M_E + 2) - 1)) < 1e-6)
        #expect(abs(Double(gl[1]) - (1 / (M_E + 2) - 0.5)) < 1e-6)
        #expect(abs(Double(gb[0]) - (1 / (M_E + 2) + 0.5)) < 1e-6)
    }

    @Test(arguments: [1.0, 5.0, 80.0])
    func gradientMatchesFiniteDifferences(scale: Double) {
        var rng = RandomStream(seed: 3, purpose: "test/pl", Int(scale))
        for trial in 0..<20 {
            let k = 1 + rng.nextInt(below: 8), l = rng.nextInt(below: 8)
            // Scores spread over ±scale, some pushed to the extremes.
            let scores = (0..<(k + l)).map { _ -> Float in
                let u = rng.nextDouble()
                return Float(u < 0.1 ? scale : u < 0.2 ? -scale : (2 * rng.nextDouble() - 1) * scale)
            }
            let list = Array(scores[0..<k]), below = Array(scores[k...])
            let (loss, gl, gb) = RelaxedRankingLoss.evaluate(list: list, below: below)
            #expect(loss.isFinite && loss >= -1e-9, "trial \(trial): loss \(loss)")
            #expect((gl + gb).allSatisfy { $0.isFinite }, "trial \(trial)")
            // Finite differences of the Float implementation's own value, in Double of the scores.
            let f: ([Double]) -> Double = { x in
                RelaxedRankingLoss.evaluate(list: x[0..<k].map { Float($0) }, below: x[k...].map { Float($0) }).loss
            }
            // A step the Float scores can resolve at this magnitude.
            let step = scale >= 80 ? 0.05 : 1e-2
            let fd = FiniteDifference.gradient(f, at: scores.map(Double.init), step: step)
            for (j, (a, n)) in zip(gl + gb, fd).enumerated() {
                #expect(abs(Double(a) - n) < 2e-3 + 1e-3 * abs(n), "trial \(trial), entry \(j) of \(k)+\(l): analytic \(a), fd \(n)")
            }
            if scale <= 5 {
                #expect(abs(loss - Self.naive(list.map(Double.init), below.map(Double.init))) < 1e-6 * max(1, loss))
            }
        }
    }

    /// Scores far beyond exp's range: the loss is the score gaps, gradients are exact 0/±1.
    @Test func extremeScoresStayFinite() {
        let (loss, gl, gb) = RelaxedRankingLoss.evaluate(list: [1e4, -1e4], below: [0, 3e4])
        // Terms: log(e^1e4 + e^-1e4 + 1 + e^3e4) - 1e4 = 2e4, log(e^-1e4 + 1 + e^3e4) + 1e4 = 4e4.
        #expect(abs(loss - 6e4) < 1)
        #expect(gl == [-1, -1] && gb[0] == 0 && gb[1] == 2)
    }

    /// Scores up to ±300 stay on the shifted-sum path, ±1e4 take the log-domain one; both give
    /// the definition's value where it can be computed.
    @Test func bothNumericPathsAgreeWithTheDefinition() {
        var rng = RandomStream(seed: 21, purpose: "test/pl-paths")
        for _ in 0..<50 {
            let list = (0..<5).map { _ in Float(2 * rng.nextDouble() - 1) * 3 }, below = (0..<4).map { _ in Float(2 * rng.nextDouble() - 1) * 3 }
            let (loss, _, _) = RelaxedRankingLoss.evaluate(list: list, below: below)
            #expect(abs(loss - Self.naive(list.map(Double.init), below.map(Double.init))) < 1e-9 * max(1, loss))
        }
        // 650 apart: exp(-650) underflows the shifted sums, so the log-domain path answers.
        let (loss, gl, gb) = RelaxedRankingLoss.evaluate(list: [0, -650], below: [])
        #expect(abs(loss - 0) < 1e-9 && gl == [0, 0] && gb.isEmpty)
        let (l2, g2, _) = RelaxedRankingLoss.evaluate(list: [-650, 0], below: [])
        #expect(abs(l2 - 650) < 1e-6 && g2 == [-1, 1])
    }

    /// Gradients of a list sum to zero over list + below (the loss is shift-invariant).
    @Test func shiftInvariance() {
        let (l1, g1, b1) = RelaxedRankingLoss.evaluate(list: [3, -2, 0.5], below: [1, 7])
        let (l2, _, _) = RelaxedRankingLoss.evaluate(list: [13, 8, 10.5], below: [11, 17])
        #expect(abs(l1 - l2) < 1e-5)
        #expect(abs((g1 + b1).reduce(0, +)) < 1e-5)
    }

    @Test func emptyListIsZero() {
        let (loss, gl, gb) = RelaxedRankingLoss.evaluate(list: [], below: [1, 2])
        #expect(loss == 0 && gl.isEmpty && gb == [0, 0])
    }

    /// `add` scores through the model and weights the gradient entries.
    @Test func addAppendsWeightedEntriesForBothSides() {
        let m = MatrixFactorization(users: 4, items: 6, dimension: 3, initStd: 0.5, seed: 1)
        var g = ScoreGradients()
        let loss = RelaxedRankingLoss.add(m, side: .item, fixed: 2, list: [0, 3], below: [1], weight: 0.5, into: &g)
        let direct = RelaxedRankingLoss.evaluate(list: [m.score(user: 0, item: 2), m.score(user: 3, item: 2)], below: [m.score(user: 1, item: 2)])
        #expect(abs(loss - 0.5 * direct.loss) < 1e-9)
        #expect(g.users == [0, 3, 1] && g.items == [2, 2, 2])
        #expect(g.values == (direct.list + direct.below).map { 0.5 * $0 })
    }
}
