/// Bounded per-row lists (a sampler's draw for every user or item): rows × `width` Int32 with a
/// count per row.  `fill` builds several at once in parallel over fixed pieces of rows, each row
/// written by one thread from its own random stream, so a draw never depends on the thread count.
public struct RowLists: Sendable, Equatable {
    public let width: Int
    public let values: [Int32]
    public let counts: [Int32]

    public init(width: Int, values: [Int32], counts: [Int32]) {
        precondition(values.count == counts.count * width)
        self.width = width
        self.values = values
        self.counts = counts
    }

    public var rows: Int { counts.count }

    public func count(_ r: Int) -> Int { Int(counts[r]) }

    /// Row r's entries in the order they were drawn.
    public subscript(r: Int) -> ArraySlice<Int32> { values[(r * width)..<(r * width + Int(counts[r]))] }

    /// `widths.count` lists per row: `body(r)` returns row r's lists, the k-th at most
    /// `widths[k]` long.
    public static func fill(rows: Int, widths: [Int], threads: Int, piece: Int = 64,
                            _ body: @Sendable (Int) -> [[Int32]]) -> [RowLists] {
        let lanes = widths.count
        let values = widths.map { UnsafeMutableBufferPointer<Int32>.allocate(capacity: max(1, rows * $0)) }
        let counts = widths.map { _ in UnsafeMutableBufferPointer<Int32>.allocate(capacity: max(1, rows)) }
        defer { (values + counts).forEach { $0.deallocate() } }
        for v in values { v.initialize(repeating: 0) }
        let (vp, cp) = (values.map { SendablePointer($0.baseAddress!) }, counts.map { SendablePointer($0.baseAddress!) })
        ParallelLoop.forEach(pieces: (rows + piece - 1) / piece, threads: threads) { p in
            for r in (p * piece)..<min(rows, (p + 1) * piece) {
                let lists = body(r)
                precondition(lists.count == lanes)
                for (k, list) in lists.enumerated() {
                    precondition(list.count <= widths[k])
                    cp[k].pointer[r] = Int32(list.count)
                    for (j, v) in list.enumerated() { vp[k].pointer[r * widths[k] + j] = v }
                }
            }
        }
        return (0..<lanes).map { k in
            RowLists(width: widths[k], values: Array(values[k].prefix(rows * widths[k])), counts: Array(counts[k].prefix(rows)))
        }
    }
}
