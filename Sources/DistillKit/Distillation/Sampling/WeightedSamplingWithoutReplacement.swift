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

    /// The same successive sampling from the running sums s_i = w_0 + ... + w_i of weights >= 0
    /// (index i has weight s_i - s_{i-1}; `positives` of them are positive), for rows drawn from
    /// many times between changes of their weights (DCD's corrections): a draw is a uniform
    /// number and a binary search, O(k log n) per row instead of O(n).  An index already drawn
    /// is drawn again; an accepted draw is then distributed as the next successive draw, because
    /// every try is independent and lands on an index not drawn yet in proportion to its weight.
    /// After 4k + 16 repeats (most of the weight already drawn) the rest is drawn by the Fenwick
    /// sampler on the weights left, which is the same law, so the result is exact either way.
    public static func drawSequential(runningSums s: UnsafeBufferPointer<Double>, positives: Int, count: Int,
                                      _ rng: inout RandomStream) -> [Int32] {
        let n = s.count, k = min(count, positives)
        guard k > 0, n > 0 else { return [] }
        let total = s[n - 1]
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: (n + 63) / 64) { drawn -> [Int32] in
            drawn.initialize(repeating: 0)
            func isDrawn(_ i: Int) -> Bool { drawn[i >> 6] & (1 << UInt64(i & 63)) != 0 }
            var out: [Int32] = []
            out.reserveCapacity(k)
            var repeats = 0
            while out.count < k {
                guard repeats <= 4 * k + 16 else {
                    let rest = withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { w in
                        for i in 0..<n { w[i] = isDrawn(i) ? 0 : s[i] - (i > 0 ? s[i - 1] : 0) }
                        return drawSequential(weights: UnsafeBufferPointer(w), count: k - out.count, &rng)
                    }
                    out.append(contentsOf: rest)
                    break
                }
                let x = rng.nextDouble() * total
                // The first index whose running sum exceeds x (its weight is positive), by a
                // binary search whose steps are conditional moves, not branches.
                var base = 0, len = n
                while len > 1 {
                    let half = len >> 1
                    base = s[base + half] <= x ? base + half : base
                    len -= half
                }
                let lo = base + (s[base] <= x ? 1 : 0)
                if lo == n || isDrawn(lo) { repeats += 1; continue }   // lo == n: x rounded up to the total
                drawn[lo >> 6] |= 1 << UInt64(lo & 63)
                out.append(Int32(lo))
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
