import Foundation

/// The on-disk formats a dataset may come in (protocol.md §1).
public enum InteractionFileFormat: String, Codable, Sendable, CaseIterable {
    /// RecBole atomic file: tab-separated, header `user_id:token item_id:token ...`.
    case recboleInter = "inter"
    /// MovieLens `u.data` (tab-separated user item rating timestamp, no header).
    case movielensData = "u.data"
    /// MovieLens `ratings.dat` (`user::item::rating::timestamp`).
    case movielensRatings = "ratings.dat"
    /// CiteULike `users.dat`: one line per user, a count then that many item ids.
    case citeulikeUsers = "users.dat"
    /// CSV or TSV with a header naming the columns.
    case delimited = "csv"

    /// Guesses from the file name; `nil` if nothing fits.
    public static func guess(path: String) -> InteractionFileFormat? {
        let name = (path as NSString).lastPathComponent.lowercased()
        if name.hasSuffix(".inter") { return .recboleInter }
        if name == "u.data" { return .movielensData }
        if name == "ratings.dat" { return .movielensRatings }
        if name == "users.dat" { return .citeulikeUsers }
        if name.hasSuffix(".csv") || name.hasSuffix(".tsv") { return .delimited }
        return nil
    }
}

/// How to read a user file: format, column names (delimited files), filters.
public struct InteractionFileOptions: Codable, Sendable, Hashable {
    public var format: InteractionFileFormat?
    public var userColumn = "user_id"
    public var itemColumn = "item_id"
    public var ratingColumn: String? = nil
    /// Keep only rows whose rating is >= this (needs a rating column or a rating field).
    public var minRating: Double? = nil
    /// Repeatedly drop users and items with fewer interactions than this.
    public var kCore: Int? = nil

    public init() {}
}

/// Reads interaction files into `Interactions`; every error names the file and the line.
public enum InteractionFileReader {
    public static func read(path: String, options: InteractionFileOptions = InteractionFileOptions()) throws -> Interactions {
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataError.missingFile(path: path, hint: "check the path in the dataset spec")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw DataError.malformed(file: path, line: 1, reason: "not readable as UTF-8 text")
        }
        guard let format = options.format ?? InteractionFileFormat.guess(path: path) else {
            throw DataError.invalid("\(path): cannot tell the format from the name; set `format:` to one of \(InteractionFileFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var rows = try parse(text, file: path, format: format, options: options)
        if let minRating = options.minRating {
            rows = try rows.filter { r in
                guard let rating = r.rating else {
                    throw DataError.malformed(file: path, line: r.line, reason: "min_rating is set but this row has no rating")
                }
                return rating >= minRating
            }
        }
        var pairs = rows.map { (user: $0.user, item: $0.item) }
        if let k = options.kCore, k > 1 { pairs = kCoreFilter(pairs, k: k) }
        guard !pairs.isEmpty else { throw DataError.empty(what: "\(path): the interaction list") }
        return try Interactions(pairs: pairs)
    }

    struct Row { let user: String; let item: String; let rating: Double?; let line: Int }

    static func parse(_ text: String, file: String, format: InteractionFileFormat, options: InteractionFileOptions) throws -> [Row] {
        var rows: [Row] = []
        var lineNumber = 0
        var columns: (user: Int, item: Int, rating: Int?)? = nil
        var separator: Character = "\t"
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            switch format {
            case .recboleInter, .delimited:
                if columns == nil {
                    if format == .delimited && !line.contains("\t") { separator = "," }
                    let header = line.split(separator: separator, omittingEmptySubsequences: false).map {
                        // RecBole names carry a type: `user_id:token`.
                        String($0.split(separator: ":").first ?? "").trimmingCharacters(in: .whitespaces)
                    }
                    func index(_ name: String) throws -> Int {
                        guard let i = header.firstIndex(of: name) else {
                            throw DataError.missingColumn(file: file, column: name, header: header)
                        }
                        return i
                    }
                    let ratingName = options.ratingColumn ?? (header.contains("rating") ? "rating" : nil)
                    columns = (try index(options.userColumn), try index(options.itemColumn), try ratingName.map(index))
                    continue
                }
                let f = line.split(separator: separator, omittingEmptySubsequences: false)
                let c = columns!
                guard f.count > max(c.user, c.item, c.rating ?? 0) else {
                    throw DataError.malformed(file: file, line: lineNumber, reason: "expected at least \(max(c.user, c.item, c.rating ?? 0) + 1) fields, found \(f.count)")
                }
                let rating = try c.rating.map { try number(f[$0], file, lineNumber, "rating") }
                rows.append(Row(user: try id(f[c.user], file, lineNumber, "user"), item: try id(f[c.item], file, lineNumber, "item"),
                                rating: rating, line: lineNumber))
            case .movielensData, .movielensRatings:
                let f = format == .movielensData
                    ? line.split(whereSeparator: { $0 == "\t" || $0 == " " })
                    : line.components(separatedBy: "::").map { Substring($0) }
                guard f.count >= 3 else {
                    throw DataError.malformed(file: file, line: lineNumber, reason: "expected user, item, rating, timestamp; found \(f.count) fields")
                }
                rows.append(Row(user: try integerID(f[0], file, lineNumber, "user"), item: try integerID(f[1], file, lineNumber, "item"),
                                rating: try number(f[2], file, lineNumber, "rating"), line: lineNumber))
            case .citeulikeUsers:
                let f = line.split(separator: " ")
                guard let n = Int(f[0]), n >= 0 else {
                    throw DataError.malformed(file: file, line: lineNumber, reason: "first field must be the item count, found '\(f[0])'")
                }
                guard f.count - 1 == n else {
                    throw DataError.malformed(file: file, line: lineNumber, reason: "count says \(n) items but the line has \(f.count - 1)")
                }
                let user = String(lineNumber - 1)
                for v in f.dropFirst() {
                    rows.append(Row(user: user, item: try integerID(v, file, lineNumber, "item"), rating: nil, line: lineNumber))
                }
            }
        }
        if (format == .recboleInter || format == .delimited) && columns == nil {
            throw DataError.malformed(file: file, line: 1, reason: "no header line")
        }
        return rows
    }

    static func id(_ s: Substring, _ file: String, _ line: Int, _ what: String) throws -> String {
        let t = s.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty else { throw DataError.malformed(file: file, line: line, reason: "empty \(what) id") }
        return t
    }

    static func integerID(_ s: Substring, _ file: String, _ line: Int, _ what: String) throws -> String {
        let t = try id(s, file, line, what)
        guard let v = Int(t) else { throw DataError.malformed(file: file, line: line, reason: "\(what) id '\(t)' is not an integer") }
        return String(v)
    }

    static func number(_ s: Substring, _ file: String, _ line: Int, _ what: String) throws -> Double {
        let t = s.trimmingCharacters(in: .whitespaces)
        guard let v = Double(t) else { throw DataError.malformed(file: file, line: line, reason: "\(what) '\(t)' is not a number") }
        return v
    }

    /// Drops users and items with fewer than k interactions until none is left (counts of
    /// distinct pairs).
    static func kCoreFilter(_ pairs: [(user: String, item: String)], k: Int) -> [(user: String, item: String)] {
        var current = pairs
        while true {
            var users: [String: Int] = [:], items: [String: Int] = [:]
            for p in current { users[p.user, default: 0] += 1; items[p.item, default: 0] += 1 }
            let kept = current.filter { users[$0.user]! >= k && items[$0.item]! >= k }
            if kept.count == current.count { return kept }
            current = kept
        }
    }
}
