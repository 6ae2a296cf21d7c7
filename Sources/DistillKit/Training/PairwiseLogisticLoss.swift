import Foundation

/// BPR's loss of one ordered pair as a function of scores: -log sigma(s_pos - s_neg).
public enum PairwiseLogisticLoss {
    /// The loss and d loss / d (s_pos - s_neg), computed without overflow for any difference.
    @inlinable @inline(__always)
    public static func evaluate(difference x: Float) -> (loss: Float, gradient: Float) {
        // -log sigma(x) = softplus(-x); d/dx = -sigma(-x).
        if x > 0 {
            let e = expf(-x)
            return (log1pf(e), -e / (1 + e))
        } else {
            let e = expf(x)
            return (-x + log1pf(e), -1 / (1 + e))
        }
    }
}
