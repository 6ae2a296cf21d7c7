import Foundation

/// Compact per-row ranked lists (a teacher's top-N unobserved items of every user, top-N users of
/// every item, ...): `rows` × `width` Int32 entries, row r holding `lengths[r]` entries best first.
/// Never a dense users × items matrix.
public struct RankedLists: Sendable, Equatable {
    public let rows: Int
    public let width: Int
    public let entries: [Int32]
    public let lengths: [Int32]
    /// Each row's entries in ascending order, for `contains`.
    let sortedEntries: [Int32]

    public init(rows: Int, width: Int, entries: [Int32], lengths: [Int32]) {
        precondition(entries.count == rows * width && lengths.count == rows)
        self.rows = rows
        self.width = width
        self.entries = entries
        self.lengths = lengths
        var sorted = entries
        for r in 0..<rows { sorted[(r * width)..<(r * width + Int(lengths[r]))].sort() }
        sortedEntries = sorted
    }

    public static func == (a: RankedLists, b: RankedLists) -> Bool {
        a.rows == b.rows && a.width == b.width && a.entries == b.entries && a.lengths == b.lengths
    }

    public func count(_ r: Int) -> Int { Int(lengths[r]) }

    /// Row r, best first.
    public func row(_ r: Int) -> ArraySlice<Int32> { entries[(r * width)..<(r * width + Int(lengths[r]))] }

    /// The entry at rank position `k` (0 = best) of row r.
    @inlinable public func entry(_ r: Int, _ k: Int) -> Int32 { entries[r * width + k] }

    /// Whether `v` is in row r (binary search).
    public func contains(row r: Int, _ v: Int32) -> Bool {
        var lo = r * width, hi = lo + Int(lengths[r])
        while lo < hi {
            let mid = (lo + hi) / 2
            let x = sortedEntries[mid]
            if x == v { return true }
            if x < v { lo = mid + 1 } else { hi = mid }
        }
        return false
    }

    /// For each row, the `n` best columns by `score(row, column)` (-inf = excluded), best first,
    /// ties to the lower column: a teacher's top-N lists, or a student's ranking during training
    /// when `score` is the model's own deterministic scorer (never BLAS).  Rows are cut into
    /// fixed pieces, each written by one thread, so the result is the same for any thread count.
    public static func top(rows: Int, columns: Int, n: Int, threads: Int, score: @escaping @Sendable (Int, Int32) -> Float) -> RankedLists {
        precondition(n > 0)
        let width = min(n, columns)
        var entries = [Int32](repeating: 0, count: rows * width)
        var lengths = [Int32](repeating: 0, count: rows)
        let piece = 64
        entries.withUnsafeMutableBufferPointer { e in
            lengths.withUnsafeMutableBufferPointer { l in
                let (ep, lp) = (SendablePointer(e.baseAddress!), SendablePointer(l.baseAddress!))
                ParallelLoop.forEach(pieces: (rows + piece - 1) / piece, threads: threads) { p in
                    var selector = TopKSelector(k: width)
                    var row = [Float](repeating: 0, count: columns)
                    var best: [Int32] = []
                    for r in (p * piece)..<min(rows, (p + 1) * piece) {
                        for c in 0..<columns { row[c] = score(r, Int32(c)) }
                        row.withUnsafeBufferPointer { selector.select($0.baseAddress!, count: columns, into: &best) }
                        lp.pointer[r] = Int32(best.count)
                        for (k, v) in best.enumerated() { ep.pointer[r * width + k] = v }
                    }
                }
            }
        }
        return RankedLists(rows: rows, width: width, entries: entries, lengths: lengths)
    }

    // MARK: bytes (the artefact cache adds the checksum)

    static let magic: [UInt8] = Array("DBRANKED1".utf8)

    public func serialized() -> [UInt8] {
        var out = Self.magic
        withUnsafeBytes(of: UInt64(rows).littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(width).littleEndian) { out.append(contentsOf: $0) }
        // Little-endian hosts only (x86-64, arm64): the arrays' bytes are the file's bytes.
        lengths.withUnsafeBytes { out.append(contentsOf: $0) }
        entries.withUnsafeBytes { out.append(contentsOf: $0) }
        return out
    }

    /// Reads `serialized()` bytes; nil when they are not a well-formed list set.
    public init?(serialized b: [UInt8]) {
        let m = Self.magic.count
        guard b.count >= m + 16, Array(b[0..<m]) == Self.magic else { return nil }
        let parsed: (Int, Int, [Int32], [Int32])? = b.withUnsafeBytes { raw in
            let rows = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: m, as: UInt64.self))
            let width = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: m + 8, as: UInt64.self))
            guard rows < 1 << 31, width < 1 << 31 else { return nil }
            let r = Int(rows), w = Int(width)
            guard b.count == m + 16 + 4 * r + 4 * r * w else { return nil }
            var lengths = [Int32](repeating: 0, count: r), entries = [Int32](repeating: 0, count: r * w)
            lengths.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[(m + 16)..<(m + 16 + 4 * r)])) }
            entries.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[(m + 16 + 4 * r)...])) }
            return (r, w, lengths, entries)
        }
        guard let (r, w, lengths, entries) = parsed, lengths.allSatisfy({ $0 >= 0 && Int($0) <= w }) else { return nil }
        self.init(rows: r, width: w, entries: entries, lengths: lengths)
    }
}
