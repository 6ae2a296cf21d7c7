import Foundation

/// The Plackett-Luce "relaxed ranking" loss (RRD, IR-RRD, DCD; later HetComp): an ordered list
/// must come first, in its order, above an unordered `below` set,
///
///     PL(list, below) = -Σ_k [ s_k - log( Σ_{q>=k} exp s_q + Σ_b exp s_b ) ],
///
/// written once as a function of scores.  The denominators are a reverse cumulative
/// log-sum-exp and the gradients are formed from log-domain partial sums, so no exponential of
/// a raw score is ever taken: any finite scores (±80, ±1e4) give a finite loss and gradients.
public enum RelaxedRankingLoss {
    /// log(exp a + exp b), exact for -inf.
    @inlinable @inline(__always)
    static func logAddExp(_ a: Double, _ b: Double) -> Double {
        if a == -.infinity { return b }
        if b == -.infinity { return a }
        return max(a, b) + log1p(exp(-abs(a - b)))
    }

    /// The loss; writes d loss / d score of every list and below entry into the gradient
    /// buffers (same lengths as the scores, overwritten).
    ///
    /// With D_k = log(Σ_{q>=k} exp s_q + Σ_b exp s_b) the loss is Σ_k (D_k - s_k), so
    /// d/d s_j = Σ_{k<=j} exp(s_j - D_k) - 1 for a list entry and Σ_k exp(s_b - D_k) for a below
    /// entry.  Fast path: every score shifted by the maximum m, so e = exp(s - m) <= 1 and the
    /// denominators c_k = exp(D_k - m) are plain sums (n exponentials and K logarithms); it is
    /// taken only when every c_k is far from underflow.  Otherwise (scores thousands apart) the
    /// same quantities are accumulated in the log domain, where no exponent exceeds log K.
    public static func evaluate(list: UnsafeBufferPointer<Float>, below: UnsafeBufferPointer<Float>,
                                listGradient: UnsafeMutableBufferPointer<Float>,
                                belowGradient: UnsafeMutableBufferPointer<Float>) -> Double {
        precondition(listGradient.count == list.count && belowGradient.count == below.count)
        let k = list.count, n = k + below.count
        guard k > 0 else {
            for b in 0..<below.count { belowGradient[b] = 0 }
            return 0
        }
        var m = -Double.infinity
        for q in 0..<k { m = max(m, Double(list[q])) }
        for b in 0..<below.count { m = max(m, Double(below[b])) }
        let fast: Double? = withUnsafeTemporaryAllocation(of: Double.self, capacity: n + k) { t in
            // t[0..<k]: e of the list, t[k..<n]: e of below, t[n..<n+k]: c_k.
            var belowSum = 0.0
            for b in 0..<below.count { let e = exp(Double(below[b]) - m); t[k + b] = e; belowSum += e }
            var running = belowSum
            for q in stride(from: k - 1, through: 0, by: -1) {
                let e = exp(Double(list[q]) - m)
                t[q] = e
                running += e
                guard running > 1e-280 else { return nil }
                t[n + q] = running
            }
            var loss = 0.0, a = 0.0
            for j in 0..<k {
                loss += log(t[n + j]) + m - Double(list[j])
                a += 1 / t[n + j]
                listGradient[j] = Float(t[j] * a - 1)
            }
            for b in 0..<below.count { belowGradient[b] = Float(t[k + b] * a) }
            return loss
        }
        if let fast { return fast }
        var belowLSE = -Double.infinity
        for b in 0..<below.count { belowLSE = logAddExp(belowLSE, Double(below[b])) }
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: k) { d in
            var running = belowLSE
            var loss = 0.0
            for q in stride(from: k - 1, through: 0, by: -1) {
                running = logAddExp(running, Double(list[q]))
                d[q] = running
                loss += running - Double(list[q])
            }
            var a = -Double.infinity
            for j in 0..<k {
                a = logAddExp(a, -d[j])
                listGradient[j] = Float(exp(Double(list[j]) + a) - 1)
            }
            for b in 0..<below.count { belowGradient[b] = Float(exp(Double(below[b]) + a)) }
            return loss
        }
    }

    /// Array convenience for `evaluate` (tests, small callers).
    public static func evaluate(list: [Float], below: [Float]) -> (loss: Double, list: [Float], below: [Float]) {
        var gl = [Float](repeating: 0, count: list.count), gb = [Float](repeating: 0, count: below.count)
        let loss = list.withUnsafeBufferPointer { l in
            below.withUnsafeBufferPointer { b in
                gl.withUnsafeMutableBufferPointer { glp in
                    gb.withUnsafeMutableBufferPointer { gbp in evaluate(list: l, below: b, listGradient: glp, belowGradient: gbp) }
                }
            }
        }
        return (loss, gl, gb)
    }
}

extension RelaxedRankingLoss {
    /// Whose scores a list ranks: one user's items (user side, RRD) or one item's users (item
    /// side, IR-RRD and DCD).
    public typealias Side = ListSide

    /// `weight` × PL(list, below) over the student's scores of `fixed` (a user on the user side,
    /// an item on the item side) against the entries of `list` and `below`; appends the weighted
    /// score gradients to `g` and returns the weighted loss.
    public static func add(_ model: any RankingModel, side: Side, fixed: Int32, list: [Int32], below: [Int32],
                           weight: Float, into g: inout ScoreGradients) -> Double {
        addRows(model, side: side, rows: [fixed], weight: weight, threads: 1, into: &g) { _, _ in (list[...], below[...]) }
    }
}

extension RelaxedRankingLoss {
    /// Σ over `rows` of `weight` × PL(list, below) of each row (`lists(position in rows, row)`),
    /// rows scored in parallel by `RowParallelGradients`: gradient entries are appended in row
    /// order, exactly as calling `add` row by row would, so training is bit-identical for any
    /// thread count.
    public static func addRows(_ model: any RankingModel, side: Side, rows: [Int32], weight: Float, threads: Int,
                               into g: inout ScoreGradients,
                               lists: @Sendable (Int, Int32) -> (list: ArraySlice<Int32>, below: ArraySlice<Int32>)) -> Double {
        let firstRow = rows.first.map { lists(0, $0) }
        let entriesPerRow = firstRow.map { $0.list.count + $0.below.count } ?? 0
        return RowParallelGradients.add(rows: rows.count, threads: threads, entriesPerRow: entriesPerRow, into: &g) { range, chunk in
            // One piece's scratch: the row's entries (list then below), their scores and gradients.
            var entries: [Int32] = [], scores: [Float] = [], gradient: [Float] = []
            var total = 0.0
            for q in range {
                let r = rows[q]
                let (list, below) = lists(q, r)
                let k = list.count, n = k + below.count
                entries.removeAll(keepingCapacity: true)
                entries.append(contentsOf: list)
                entries.append(contentsOf: below)
                if scores.count < n { scores = [Float](repeating: 0, count: n); gradient = scores }
                total += entries.withUnsafeBufferPointer { e in
                    scores.withUnsafeMutableBufferPointer { s in
                        gradient.withUnsafeMutableBufferPointer { d in
                            if side == .user { model.scores(user: Int(r), items: e, into: s.baseAddress!) }
                            else { model.scores(item: Int(r), users: e, into: s.baseAddress!) }
                            let l = evaluate(list: UnsafeBufferPointer(rebasing: s[0..<k]), below: UnsafeBufferPointer(rebasing: s[k..<n]),
                                             listGradient: UnsafeMutableBufferPointer(rebasing: d[0..<k]),
                                             belowGradient: UnsafeMutableBufferPointer(rebasing: d[k..<n]))
                            chunk.append(side, fixed: r, others: e, scale: weight, UnsafeBufferPointer(rebasing: d[0..<n]))
                            return Double(weight) * l
                        }
                    }
                }
            }
            return total
        }
    }
}
