/// Per-row distillation terms (a batch's users or items) computed on several threads without
/// changing a bit: rows are cut into fixed pieces, each piece appends its rows' score gradients
/// to a buffer of its own, and the buffers are appended to the batch's gradients in piece order.
/// That is exactly the entries, in the order, that one loop over the rows would append, so the
/// embedding gradients are the same for any thread count.  The returned loss sums the pieces'
/// partials in piece order.
public enum RowParallelGradients {
    /// Rows per piece: a piece is tens of microseconds of work for every method here, well
    /// above the cost of handing it to another thread.
    public static let piece = 32

    /// Σ over pieces of `body(rows of the piece, that piece's gradient buffer)`.  `entriesPerRow`
    /// (about how many gradient entries a row appends) sizes each piece's buffer once, instead of
    /// growing it by reallocation.
    public static func add(rows: Int, threads: Int, entriesPerRow: Int, into g: inout ScoreGradients,
                           _ body: @Sendable (Range<Int>, inout ScoreGradients) -> Double) -> Double {
        let pieces = (rows + piece - 1) / piece
        guard pieces > 0 else { return 0 }
        if threads <= 1 || pieces == 1 {
            // One thread: append straight to `g`, same order, no copies.
            var total = 0.0
            for p in 0..<pieces { total += body((p * piece)..<min(rows, (p + 1) * piece), &g) }
            return total
        }
        let chunks = UnsafeMutableBufferPointer<ScoreGradients>.allocate(capacity: pieces)
        chunks.initialize(repeating: ScoreGradients())
        defer { chunks.deinitialize(); chunks.deallocate() }
        let out = SendablePointer(chunks.baseAddress!)
        let loss = ParallelLoop.sum(pieces: pieces, threads: threads) { p in
            let range = (p * piece)..<min(rows, (p + 1) * piece)
            var chunk = ScoreGradients(capacity: range.count * entriesPerRow)
            let l = body(range, &chunk)
            out.pointer[p] = chunk
            return l
        }
        let total = g.count + (0..<pieces).reduce(0) { $0 + chunks[$1].count }
        g.users.reserveCapacity(total); g.items.reserveCapacity(total); g.values.reserveCapacity(total)
        for p in 0..<pieces {
            let c = chunks[p]
            g.users.append(contentsOf: c.users); g.items.append(contentsOf: c.items); g.values.append(contentsOf: c.values)
        }
        return loss
    }
}
