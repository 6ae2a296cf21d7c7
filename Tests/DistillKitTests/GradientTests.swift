import Foundation
import Testing
@testable import DistillKit

/// Hand-written gradients against central finite differences (in Double where it matters).
@Suite struct GradientTests {
    @Test(arguments: [-30.0, -2.0, -0.1, 0.0, 0.3, 4.0, 30.0] as [Float])
    func pairwiseLogisticLossDerivative(x: Float) {
        let (l, g) = PairwiseLogisticLoss.evaluate(difference: x)
        let exact = log1p(exp(-Double(x)))
        #expect(abs(Double(l) - exact) <= 1e-6 * max(1, exact))
        let h = 1e-3
        let fd = (log1p(exp(-(Double(x) + h))) - log1p(exp(-(Double(x) - h)))) / (2 * h)
        #expect(abs(Double(g) - fd) < 1e-5)
    }

    /// BPR loss of a batch through `bprLoss` + `accumulate` vs finite differences of the loss
    /// over every parameter of a tiny model.
    @Test func bprMatrixFactorizationGradient() throws {
        let data = Fixtures.interactions(users: 6, items: 9, perUser: 3...5)
        let split = try Split.make(data, protocol: .holdout, seed: 1)
        let model = MatrixFactorization(users: 6, items: 9, dimension: 3, initStd: 0.7, seed: 2)
        var config = TrainingConfig()
        config.batchSize = 8
        config.negatives = 2
        let trainer = Trainer(config: config, seed: 1, threads: 1)
        let order = trainer.epochOrder(split.train, epoch: 1)
        let batch = trainer.makeBatch(split.train, sampler: UniformNegativeSampler(split.train), userOf: split.train.userOfPosition, order: order, epoch: 1, index: 0)
        var g = ScoreGradients()
        _ = trainer.bprLoss(model, batch, into: &g)
        model.zeroGradients()
        model.accumulate(g, threads: 1)

        func loss() -> Double {
            var s = 0.0
            for k in 0..<batch.users.count {
                let u = Int(batch.users[k])
                var x = 0.0
                for c in 0..<3 {
                    x += Double(model.userEmbedding[u, c]) * (Double(model.itemEmbedding[Int(batch.positives[k]), c]) - Double(model.itemEmbedding[Int(batch.negatives[k]), c]))
                }
                s += log1p(exp(-x))
            }
            return s
        }
        for (p, grad) in zip(model.parameters, model.gradients) {
            for r in 0..<p.rows {
                for c in 0..<p.cols {
                    let orig = p[r, c]
                    let h: Float = 1e-2
                    p[r, c] = orig + h; let up = loss()
                    p[r, c] = orig - h; let down = loss()
                    p[r, c] = orig
                    let fd = (up - down) / (2 * Double(h))
                    #expect(abs(Double(grad[r, c]) - fd) < 2e-3 * max(1, abs(fd)), "row \(r) col \(c)")
                }
            }
        }
    }

    /// One Adam step with weight decay, computed by hand:
    /// g' = g + wd p = 0.5 + 0.1 * 2 = 0.7; m = 0.1 * 0.7 = 0.07; v = 0.001 * 0.49 = 0.00049;
    /// m_hat = 0.7, v_hat = 0.49; p = 2 - 0.01 * 0.7 / (0.7 + 1e-8) = 1.99 (to float precision).
    @Test func adamStepByHand() {
        let p = Matrix(rows: 1, cols: 1, values: [2])
        let g = Matrix(rows: 1, cols: 1, values: [0.5])
        let adam = AdamOptimizer(parameters: [p], learningRate: 0.01, weightDecay: 0.1)
        adam.update(parameters: [p], gradients: [g], threads: 1)
        #expect(abs(p[0, 0] - 1.99) < 1e-6)
        // Padding lanes never move.
        for k in 1..<8 { #expect(p.data[k] == 0) }
    }
}
