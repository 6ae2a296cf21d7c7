/// Selects the K best (score, item) pairs of a score row with a bounded min-heap whose root is
/// the worst kept entry.  Order: score descending, then item id ascending (protocol.md §2), so
/// the result is a deterministic function of the scores.  Items scored `-inf` are masked out.
public struct TopKSelector {
    public let k: Int
    private var scores: [Float]
    private var items: [Int32]
    private var size = 0

    public init(k: Int) {
        precondition(k > 0)
        self.k = k
        scores = [Float](repeating: 0, count: k)
        items = [Int32](repeating: 0, count: k)
    }

    /// `a` ranks before `b`.
    @inline(__always)
    static func before(_ sa: Float, _ ia: Int32, _ sb: Float, _ ib: Int32) -> Bool {
        sa > sb || (sa == sb && ia < ib)
    }

    /// The top-K items of `row[0..<count]` (masked entries are `-inf`), best first, into `out`.
    public mutating func select(_ row: UnsafePointer<Float>, count: Int, into out: inout [Int32]) {
        size = 0
        scores.withUnsafeMutableBufferPointer { s in
            items.withUnsafeMutableBufferPointer { it in
                var i = 0
                // Fill phase.
                while i < count && size < k {
                    let v = row[i]
                    if v != -.infinity { Self.push(v, Int32(i), s, it, &size) }
                    i += 1
                }
                guard size == k else { return }
                // Scan phase: items come in ascending id order, so an equal score never wins.
                var worst = s[0]
                while i < count {
                    let v = row[i]
                    if v > worst {
                        s[0] = v; it[0] = Int32(i)
                        Self.siftDown(s, it, 0, k)
                        worst = s[0]
                    }
                    i += 1
                }
            }
        }
        drain(into: &out)
    }

    /// Offers one candidate (any order of arrival).
    public mutating func offer(_ v: Float, _ item: Int32) {
        scores.withUnsafeMutableBufferPointer { s in
            items.withUnsafeMutableBufferPointer { it in
                if size < k { Self.push(v, item, s, it, &size); return }
                if Self.before(v, item, s[0], it[0]) {
                    s[0] = v; it[0] = item
                    Self.siftDown(s, it, 0, k)
                }
            }
        }
    }

    public mutating func reset() { size = 0 }

    /// Writes the kept items best-first into `out` and empties the selector.
    public mutating func drain(into out: inout [Int32]) {
        let n = size
        out.removeAll(keepingCapacity: true)
        out.append(contentsOf: repeatElement(0, count: n))
        scores.withUnsafeMutableBufferPointer { s in
            items.withUnsafeMutableBufferPointer { it in
                var m = n
                while m > 0 {
                    out[m - 1] = it[0]
                    m -= 1
                    s[0] = s[m]; it[0] = it[m]
                    Self.siftDown(s, it, 0, m)
                }
            }
        }
        size = 0
    }

    // Min-heap on the "ranks before" order: the root is the entry that ranks last.
    @inline(__always)
    private static func push(_ v: Float, _ item: Int32, _ s: UnsafeMutableBufferPointer<Float>,
                             _ it: UnsafeMutableBufferPointer<Int32>, _ size: inout Int) {
        var c = size
        size += 1
        while c > 0 {
            let p = (c - 1) / 2
            if before(s[p], it[p], v, item) {
                s[c] = s[p]; it[c] = it[p]; c = p
            } else { break }
        }
        s[c] = v; it[c] = item
    }

    @inline(__always)
    private static func siftDown(_ s: UnsafeMutableBufferPointer<Float>, _ it: UnsafeMutableBufferPointer<Int32>,
                                 _ start: Int, _ n: Int) {
        var i = start
        let v = s[i], item = it[i]
        while true {
            let l = 2 * i + 1
            if l >= n { break }
            var c = l
            let r = l + 1
            // The child that ranks last.
            if r < n && before(s[l], it[l], s[r], it[r]) { c = r }
            if before(v, item, s[c], it[c]) {
                s[i] = s[c]; it[i] = it[c]; i = c
            } else { break }
        }
        s[i] = v; it[i] = item
    }
}
