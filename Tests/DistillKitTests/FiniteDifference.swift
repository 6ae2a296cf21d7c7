import Foundation
@testable import DistillKit

/// Central finite differences, for every hand-written gradient (losses of scores, model
/// backward passes, distillation methods).
enum FiniteDifference {
    /// d f / d x_k for every k, in Double.
    static func gradient(_ f: ([Double]) -> Double, at x: [Double], step: Double = 1e-5) -> [Double] {
        var y = x
        return x.indices.map { k in
            y[k] = x[k] + step; let up = f(y)
            y[k] = x[k] - step; let down = f(y)
            y[k] = x[k]
            return (up - down) / (2 * step)
        }
    }

    /// Compares `analytic` (one matrix per parameter of `model`, same order) with central
    /// differences of `loss()` over every parameter entry; returns one line per entry outside
    /// `absolute + relative * |fd|` (empty: the gradient is right).
    /// `rowStride` > 1 checks every rowStride-th row only (large worlds).
    static func mismatches(_ model: any TrainableModel, analytic: [Matrix], step: Float = 1e-2,
                           absolute: Double, relative: Double, rowStride: Int = 1, loss: () -> Double) -> [String] {
        var out: [String] = []
        for (t, (p, g)) in zip(model.parameters, analytic).enumerated() {
            for r in stride(from: 0, to: p.rows, by: rowStride) {
                for c in 0..<p.cols {
                    let orig = p[r, c]
                    p[r, c] = orig + step; let up = loss()
                    p[r, c] = orig - step; let down = loss()
                    p[r, c] = orig
                    let fd = (up - down) / (2 * Double(step))
                    let a = Double(g[r, c])
                    if abs(a - fd) > absolute + relative * abs(fd) {
                        out.append("parameter \(t) [\(r), \(c)]: analytic \(a), finite difference \(fd)")
                    }
                }
            }
        }
        return out
    }
}

/// The world every distillation method's gradient is checked in: 530 users × 620 items, just
/// large enough that default top-N lists (N = 500) leave items and users outside them, so every
/// part of every loss is exercised; a d=6 teacher, a d=2 student, batches of 32.
struct MethodGradientWorld {
    let split: Split
    let teacher: MatrixFactorization
    let student: MatrixFactorization
    let config: TrainingConfig

    init() throws {
        let (users, items) = (530, 620)
        split = try Split.make(Fixtures.interactions(users: users, items: items, perUser: 4...10, seed: 9), protocol: .holdout, seed: 2)
        teacher = MatrixFactorization(users: users, items: items, dimension: 6, initStd: 1, seed: 8)
        student = MatrixFactorization(users: users, items: items, dimension: 2, initStd: 0.6, seed: 9)
        var c = TrainingConfig()
        c.batchSize = 32
        c.maxEpochs = 10
        config = c
    }

    func context(for method: any DistillationMethod) -> DistillationContext {
        DistillationContext(student: student, teacher: type(of: method).requiresTeacher ? teacher : nil, split: split, seed: 4, threads: 1,
                            training: config)
    }

    /// The first batch of `epoch`.
    func batch(epoch: Int) -> TrainingBatch {
        let trainer = Trainer(config: config, seed: 4, threads: 1)
        return trainer.makeBatch(split.train, sampler: UniformNegativeSampler(split.train), userOf: split.train.userOfPosition,
                                 order: trainer.epochOrder(split.train, epoch: epoch), epoch: epoch, index: 0)
    }

    /// The student's parameter gradients for score gradients `g`, and their largest entry.
    func analytic(_ g: ScoreGradients) -> (gradients: [Matrix], scale: Double) {
        student.zeroGradients()
        student.accumulate(g, threads: 1)
        let gradients = student.gradients.map { $0.copy() }
        return (gradients, gradients.map { m in m.toArray().map { abs(Double($0)) }.max() ?? 0 }.max() ?? 0)
    }

    /// Entries of `analytic` off the finite differences of `loss` (tolerances relative to the
    /// largest gradient entry: λ-weighted losses are small; every 8th row).
    func mismatches(_ analytic: (gradients: [Matrix], scale: Double), loss: () -> Double) -> [String] {
        FiniteDifference.mismatches(student, analytic: analytic.gradients, step: 1e-2, absolute: 1e-2 * analytic.scale, relative: 1e-2,
                                    rowStride: 8, loss: loss)
    }
}
