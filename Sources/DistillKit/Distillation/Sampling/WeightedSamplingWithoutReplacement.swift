import Foundation

/// Successive sampling without replacement: each draw picks among the indices not drawn yet with
/// probability proportional to their weight, which is what `torch.multinomial(w, k,
/// replacement=False)` does in the authors' code (RRD's interesting items, DCD's corrections).
/// Done as Gumbel-top-k: the k largest `log w_i + G_i` (G_i standard Gumbel) are distributed
/// exactly as k successive draws, in draw order.
public enum WeightedSamplingWithoutReplacement {
    /// Up to `count` distinct indices of `logWeights` in draw order.  An index whose log weight is
    /// -inf (weight 0) is never drawn, so fewer than `count` positive weights give all of them.
    public static func draw(logWeights: UnsafeBufferPointer<Double>, count: Int, _ rng: inout RandomStream) -> [Int32] {
        guard count > 0 else { return [] }
        var selector = TopKSelector(k: count)
        for i in 0..<logWeights.count where logWeights[i] != -.infinity {
            // Float keys: a tie needs two keys within 2^-24 of each other, and the tie rule
            // (lower index first) is still deterministic.
            selector.offer(Float(logWeights[i] + rng.nextGumbel()), Int32(i))
        }
        var out: [Int32] = []
        selector.drain(into: &out)
        return out
    }

    public static func draw(logWeights: [Double], count: Int, _ rng: inout RandomStream) -> [Int32] {
        logWeights.withUnsafeBufferPointer { draw(logWeights: $0, count: count, &rng) }
    }

    /// Log weights of rank positions 0..<n under p(r) ∝ exp(-r / temperature) (RRD, IR-RRD: the
    /// same positions for every user, so compute once).
    public static func rankDecayLogWeights(positions n: Int, temperature: Double) -> [Double] {
        (0..<n).map { -Double($0) / temperature }
    }
}
