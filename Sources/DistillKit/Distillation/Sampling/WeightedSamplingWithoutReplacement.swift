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

    /// The same successive sampling from linear weights (>= 0), in O(n + k log n) with k uniform
    /// numbers instead of n Gumbel keys: each draw descends a Fenwick tree of the weights left
    /// and removes the one drawn.  For many small draws from long rows (DCD draws per batch).
    public static func drawSequential(weights: UnsafeBufferPointer<Double>, count: Int, _ rng: inout RandomStream) -> [Int32] {
        let n = weights.count
        guard count > 0, n > 0 else { return [] }
        var positives = 0
        for i in 0..<n where weights[i] > 0 { positives += 1 }
        let k = min(count, positives)
        guard k > 0 else { return [] }
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * n + 1) { buffer -> [Int32] in
            // tree[1...n]: Fenwick sums; left[0..<n]: each index's weight still in the tree.
            let tree = UnsafeMutableBufferPointer(rebasing: buffer[0...n])
            let left = UnsafeMutableBufferPointer(rebasing: buffer[(n + 1)...])
            tree[0] = 0
            for i in 0..<n { let w = max(0, weights[i]); left[i] = w; tree[i + 1] = w }
            for i in 1...n { let j = i + (i & -i); if j <= n { tree[j] += tree[i] } }
            var top = 1
            while top * 2 <= n { top *= 2 }
            var out: [Int32] = []
            out.reserveCapacity(k)
            while out.count < k {
                var total = 0.0, i = n
                while i > 0 { total += tree[i]; i -= i & -i }
                var rest = rng.nextDouble() * total
                // The first index whose prefix sum exceeds `rest`.
                var position = 0, step = top
                while step > 0 {
                    let next = position + step
                    if next <= n && tree[next] <= rest { position = next; rest -= tree[next] }
                    step >>= 1
                }
                // Rounding can land on an index already drawn (or past the end): take the nearest
                // index still holding weight, searching downwards first (deterministic).
                if position >= n || left[position] <= 0 {
                    let start = min(position, n - 1)
                    position = (stride(from: start, through: 0, by: -1).first { left[$0] > 0 }) ?? ((start..<n).first { left[$0] > 0 })!
                }
                out.append(Int32(position))
                let w = left[position]
                left[position] = 0
                var j = position + 1
                while j <= n { tree[j] -= w; j += j & -j }
            }
            return out
        }
    }

    public static func drawSequential(weights: [Double], count: Int, _ rng: inout RandomStream) -> [Int32] {
        weights.withUnsafeBufferPointer { drawSequential(weights: $0, count: count, &rng) }
    }

    /// Log weights of rank positions 0..<n under p(r) ∝ exp(-r / temperature) (RRD, IR-RRD: the
    /// same positions for every user, so compute once).
    public static func rankDecayLogWeights(positions n: Int, temperature: Double) -> [Double] {
        (0..<n).map { -Double($0) / temperature }
    }
}
