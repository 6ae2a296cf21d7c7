import DistillKernels
import Foundation

/// Adam with L2 weight decay added to the gradient of every parameter at every step, over the
/// whole tables (dense), as PyTorch's `Adam(weight_decay:)` does in the authors' code: rows
/// absent from a batch still decay and their moments still move.
public final class AdamOptimizer: @unchecked Sendable {
    public let learningRate: Float
    public let weightDecay: Float
    public let beta1: Float = 0.9
    public let beta2: Float = 0.999
    public let epsilon: Float = 1e-8
    private let firstMoments: [Matrix]
    private let secondMoments: [Matrix]
    public private(set) var step = 0

    public init(parameters: [Matrix], learningRate: Float, weightDecay: Float) {
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        firstMoments = parameters.map { Matrix(rows: $0.rows, cols: $0.cols) }
        secondMoments = parameters.map { Matrix(rows: $0.rows, cols: $0.cols) }
    }

    /// One update of `parameters` from `gradients` (same order as at init); the gradients are
    /// left zeroed for the next batch.  Elementwise, cut into fixed pieces, so the result does
    /// not depend on the thread count.
    public func update(parameters: [Matrix], gradients: [Matrix], threads: Int) {
        step += 1
        // Bias corrections in Double, then rounded once: the same value on every run.
        let c1 = Float(1 - pow(Double(beta1), Double(step)))
        let c2 = Float((1 - pow(Double(beta2), Double(step))).squareRoot())
        let stepSize = learningRate / c1
        let (b1, b2, wd, eps) = (beta1, beta2, weightDecay, epsilon)
        for (k, p) in parameters.enumerated() {
            let g = gradients[k], m = firstMoments[k], v = secondMoments[k]
            let piece = 1 << 15
            let pieces = (p.count + piece - 1) / piece
            ParallelLoop.forEach(pieces: pieces, threads: ParallelKernel.adamStep.threads(threads, work: 8 * p.count)) { q in
                let lo = q * piece, n = min(p.count, lo + piece) - lo
                distill_adam_step(p.data + lo, g.data + lo, m.data + lo, v.data + lo, n, b1, b2, wd, stepSize, c2, eps)
            }
        }
    }
}
