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

    /// One update of `parameters` from `gradients` (same order as at init).  Elementwise, cut
    /// into fixed pieces of rows, so the result does not depend on the thread count.
    public func update(parameters: [Matrix], gradients: [Matrix], threads: Int) {
        step += 1
        // Bias corrections in Double, then rounded once: the same value on every run.
        let c1 = Float(1 - pow(Double(beta1), Double(step)))
        let c2 = Float((1 - pow(Double(beta2), Double(step))).squareRoot())
        let stepSize = learningRate / c1
        for (k, p) in parameters.enumerated() {
            let g = gradients[k], m = firstMoments[k], v = secondMoments[k]
            let total = p.count / 8
            let piece = 4096
            let pieces = (total + piece - 1) / piece
            let (b1, b2, wd, eps) = (beta1, beta2, weightDecay, epsilon)
            ParallelLoop.forEach(pieces: pieces, threads: threads) { q in
                let lo = q * piece, hi = min(total, lo + piece)
                let pv = UnsafeMutableRawPointer(p.data).assumingMemoryBound(to: SIMD8<Float>.self)
                let gv = UnsafeMutableRawPointer(g.data).assumingMemoryBound(to: SIMD8<Float>.self)
                let mv = UnsafeMutableRawPointer(m.data).assumingMemoryBound(to: SIMD8<Float>.self)
                let vv = UnsafeMutableRawPointer(v.data).assumingMemoryBound(to: SIMD8<Float>.self)
                let sb1 = SIMD8<Float>(repeating: b1), sb2 = SIMD8<Float>(repeating: b2)
                let one = SIMD8<Float>(repeating: 1), swd = SIMD8<Float>(repeating: wd)
                let sc2 = SIMD8<Float>(repeating: c2), seps = SIMD8<Float>(repeating: eps)
                let sstep = SIMD8<Float>(repeating: stepSize)
                for x in lo..<hi {
                    let param = pv[x]
                    let grad = gv[x] + swd * param
                    let m1 = sb1 * mv[x] + (one - sb1) * grad
                    let v1 = sb2 * vv[x] + (one - sb2) * grad * grad
                    mv[x] = m1
                    vv[x] = v1
                    pv[x] = param - sstep * m1 / (v1.squareRoot() / sc2 + seps)
                }
            }
        }
    }
}
