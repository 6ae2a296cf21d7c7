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
