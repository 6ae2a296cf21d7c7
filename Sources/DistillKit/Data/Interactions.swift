/// A set of implicit user-item interactions in CSR form, with the original ids kept for output.
///
/// Internal ids are ranks of the original ids (numeric order when every id is an integer,
/// string order otherwise), so loading the same data in any row order gives the same object
/// and the same `contentHash`.
public struct Interactions: Sendable {
    public let userIDs: [String]
    public let itemIDs: [String]
    /// Row pointers, `userCount + 1` of them.
    public let rowStart: [Int]
    /// Item ids per user, ascending within a row.
    public let items: [Int32]
    /// Exact duplicate (user, item) pairs dropped while building.
    public let duplicatesDropped: Int
    /// SHA-256 of the normalised list: one "user\titem\n" line per interaction, original ids,
    /// in internal (user, item) order.
    public let contentHash: String

    public var userCount: Int { userIDs.count }
    public var itemCount: Int { itemIDs.count }
    public var count: Int { items.count }

    @inlinable public func degree(user u: Int) -> Int { rowStart[u + 1] - rowStart[u] }

    /// The user's items (ascending).
    @inlinable public func row(_ u: Int) -> ArraySlice<Int32> { items[rowStart[u]..<rowStart[u + 1]] }

    public func contains(user u: Int, item i: Int32) -> Bool {
        var lo = rowStart[u], hi = rowStart[u + 1]
        while lo < hi {
            let mid = (lo + hi) / 2
            if items[mid] < i { lo = mid + 1 } else { hi = mid }
        }
        return lo < rowStart[u + 1] && items[lo] == i
    }

    /// Builds from original-id pairs.  Duplicates are dropped and counted.
    public init(pairs: [(user: String, item: String)]) throws {
        guard !pairs.isEmpty else { throw DataError.empty(what: "interaction list") }
        let userIDs = Interactions.rankedIDs(pairs.lazy.map(\.user))
        let itemIDs = Interactions.rankedIDs(pairs.lazy.map(\.item))
        var userIndex = [String: Int32](minimumCapacity: userIDs.count)
        for (k, id) in userIDs.enumerated() { userIndex[id] = Int32(k) }
        var itemIndex = [String: Int32](minimumCapacity: itemIDs.count)
        for (k, id) in itemIDs.enumerated() { itemIndex[id] = Int32(k) }
        var coded = pairs.map { (userIndex[$0.user]!, itemIndex[$0.item]!) }
        self.init(userIDs: userIDs, itemIDs: itemIDs, codedPairs: &coded)
    }

    /// Builds from internal-id pairs whose original ids are given.
    public init(userIDs: [String], itemIDs: [String], codedPairs: inout [(Int32, Int32)]) {
        codedPairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        var rowStart = [Int](repeating: 0, count: userIDs.count + 1)
        var items: [Int32] = []
        items.reserveCapacity(codedPairs.count)
        var dropped = 0
        var last: (Int32, Int32) = (-1, -1)
        for p in codedPairs {
            if p == last { dropped += 1; continue }
            last = p
            items.append(p.1)
            rowStart[Int(p.0) + 1] += 1
        }
        for u in 0..<userIDs.count { rowStart[u + 1] += rowStart[u] }
        self.userIDs = userIDs
        self.itemIDs = itemIDs
        self.rowStart = rowStart
        self.items = items
        self.duplicatesDropped = dropped
        var h = SHA256()
        for u in 0..<userIDs.count {
            for k in rowStart[u]..<rowStart[u + 1] { h.update("\(userIDs[u])\t\(itemIDs[Int(items[k])])\n") }
        }
        contentHash = h.hexDigest()
    }

    /// CSR over internal ids that shares id tables with a parent (used by splits).
    public init(userIDs: [String], itemIDs: [String], rows: [[Int32]]) {
        var rowStart = [0]
        var items: [Int32] = []
        for r in rows { items.append(contentsOf: r.sorted()); rowStart.append(items.count) }
        self.userIDs = userIDs
        self.itemIDs = itemIDs
        self.rowStart = rowStart
        self.items = items
        duplicatesDropped = 0
        var h = SHA256()
        for u in 0..<rows.count {
            for k in rowStart[u]..<rowStart[u + 1] { h.update("\(userIDs[u])\t\(itemIDs[Int(items[k])])\n") }
        }
        contentHash = h.hexDigest()
    }

    /// Distinct ids ordered numerically if all are integers written plainly, else
    /// lexicographically.  Ids keep their spelling: "007" and "7" are two ids, and an id like
    /// "007" (or "+5") makes the order lexicographic, since a numeric order would need them merged.
    static func rankedIDs<S: Sequence>(_ ids: S) -> [String] where S.Element == String {
        let distinct = Array(Set(ids))
        let numeric = distinct.compactMap(plainInteger)
        if numeric.count == distinct.count {
            return numeric.sorted().map(String.init)
        }
        return distinct.sorted()
    }

    /// The integer an id spells in plain decimal ("7", "-3"; not "007" or "+5"), else nil.
    public static func plainInteger(_ s: String) -> Int? { Int(s).flatMap { String($0) == s ? $0 : nil } }

    /// The user of every stored interaction (position in `items`).
    public var userOfPosition: [Int32] {
        var out = [Int32](repeating: 0, count: count)
        for u in 0..<userCount { for k in rowStart[u]..<rowStart[u + 1] { out[k] = Int32(u) } }
        return out
    }

    /// Per-item interaction counts.
    public func itemDegrees() -> [Int] {
        var d = [Int](repeating: 0, count: itemCount)
        for i in items { d[Int(i)] += 1 }
        return d
    }
}

/// Errors about input data; every message names the file (and line) and says how to fix it.
/// Values taken from the input are echoed only as short excerpts (`excerpt`), so a stray
/// megabyte-long "line" cannot flood a terminal.
public enum DataError: Error, CustomStringConvertible, Equatable {
    case empty(what: String)
    case missingFile(path: String, hint: String)
    /// The path exists but cannot be read as a data file; `reason` follows the path
    /// ("is a directory, not a data file").
    case unreadable(path: String, reason: String, hint: String)
    case malformed(file: String, line: Int, reason: String)
    case missingColumn(file: String, line: Int, column: String, header: [String])
    case unknownDataset(name: String, known: [String])
    /// `fix` says what to do: a cached file is deleted and fetched again, a downloaded archive
    /// that differs from its pin is not used at all.
    case checksumMismatch(file: String, expected: String, got: String, fix: String)
    case fetchFailed(what: String, reason: String)
    case invalid(String)

    public var description: String {
        switch self {
        case .empty(let what): return "\(what) is empty (after filtering): check the file and the filter settings"
        case .missingFile(let path, let hint): return "\(path): no such file. \(hint)"
        case .unreadable(let path, let reason, let hint): return "\(path) \(reason); \(hint)"
        case .malformed(let file, let line, let reason): return "\(file):\(line): \(reason)"
        case .missingColumn(let file, let line, let column, let header):
            let oneColumn = header.count == 1 ? "; the header has a single column: check the separator" : ""
            return "\(file):\(line): no column '\(DataError.excerpt(column))' in header \(DataError.excerpt(list: header))\(oneColumn); name the column in the dataset spec (user_column, item_column, rating_column)"
        case .unknownDataset(let name, let known):
            return "unknown dataset '\(name)'; known: \(known.joined(separator: ", ")), or a file spec like 'file:PATH'"
        case .checksumMismatch(let file, let expected, let got, let fix):
            return "\(file): SHA-256 \(got) does not match the pinned \(expected); \(fix)"
        case .fetchFailed(let what, let reason): return "could not fetch \(what): \(reason)"
        case .invalid(let s): return s
        }
    }

    /// A value from the input as it may appear in a message: line breaks and tabs made visible,
    /// cut to `limit` characters with "…".
    static func excerpt(_ value: some StringProtocol, limit: Int = 60) -> String {
        var pieces: [String] = []
        var length = 0
        for c in value {
            let piece: String
            switch c {
            case "\n": piece = "\\n"
            case "\r": piece = "\\r"
            case "\r\n": piece = "\\r\\n"
            case "\t": piece = "\\t"
            default: piece = String(c)
            }
            pieces.append(piece)
            length += piece.count
            if length > limit { break }
        }
        guard length > limit else { return pieces.joined() }
        while length + 1 > limit, let last = pieces.popLast() { length -= last.count }
        return pieces.joined() + "…"
    }

    /// A header as it may appear in a message: at most ten names, each and the whole cut short.
    static func excerpt(list names: [String]) -> String {
        var shown: [String] = []
        var length = 0
        for name in names.prefix(10) {
            let e = excerpt(name, limit: 30)
            guard length + e.count <= 80 || shown.isEmpty else { break }
            shown.append(e)
            length += e.count + 2
        }
        let more = names.count - shown.count
        return "[" + shown.joined(separator: ", ") + (more > 0 ? ", … \(more) more]" : "]")
    }
}
