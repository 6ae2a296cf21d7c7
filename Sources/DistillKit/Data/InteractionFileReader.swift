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

/// Reads interaction files into `Interactions`; every error names the file and the line, quotes
/// only short excerpts of the input, and says how to fix it.
///
/// Files are parsed as UTF-8 bytes (see `DelimitedText`; a Latin-1 file is transcoded first):
/// LF, CRLF and lone CR line endings give the same interactions, a leading byte order mark is
/// skipped.
public enum InteractionFileReader {
    public static func read(path: String, options: InteractionFileOptions = InteractionFileOptions()) throws -> Interactions {
        try checkDataFile(path)
        guard let format = options.format ?? InteractionFileFormat.guess(path: path) else {
            throw DataError.invalid("\(path): cannot tell the format from the name; set `format:` to one of \(InteractionFileFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let separator = options.separator {
            let shown = separator == "\t" ? "tab" : String(separator)
            guard InteractionFileOptions.allowedSeparators.contains(separator) else {
                throw DataError.invalid("\(path): separator '\(DataError.excerpt(String(separator)))' is not supported; use one of \(InteractionFileOptions.separatorNames)")
            }
            guard format == .delimited else {
                throw DataError.invalid("\(path): `separator: \(shown)` applies to delimited (csv) files only, and this file is read as \(format.rawValue); remove `separator` or set `format: csv`")
            }
        }
        if options.backslashEscapes && format != .delimited {
            throw DataError.invalid("\(path): backslash escapes apply to quoted fields of delimited (csv) files only, and this file is read as \(format.rawValue)")
        }
        var bytes = try contents(of: path)
        if options.encoding == .latin1 { bytes = TextEncoding.utf8(fromLatin1: bytes) }
        var rows = try parse(bytes, file: path, format: format, options: options)
        if let minRating = options.minRating {
            rows = try rows.filter { r in
                guard let rating = r.rating else {
                    throw DataError.malformed(file: path, line: r.line, reason: "min_rating is set but this row has no rating; name the rating column in the dataset spec (rating_column) or remove min_rating")
                }
                return rating >= minRating
            }
        }
        var pairs = rows.map { (user: $0.user, item: $0.item) }
        if let k = options.kCore, k > 1 { pairs = kCoreFilter(pairs, k: k) }
        guard !pairs.isEmpty else { throw DataError.empty(what: "\(path): the interaction list") }
        return try Interactions(pairs: pairs)
    }

    /// Missing paths, directories and unreadable files, each with its own fix.
    static func checkDataFile(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError.missingFile(path: path, hint: "check the path in the dataset spec")
        }
        if isDirectory.boolValue {
            throw DataError.unreadable(path: path, reason: "is a directory, not a data file", hint: "give the path of the interaction file")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw DataError.unreadable(path: path, reason: "cannot be read (permission denied)",
                                       hint: "make it readable (chmod u+r) or copy it somewhere you can read")
        }
    }

    static func contents(of path: String) throws -> [UInt8] {
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw DataError.unreadable(path: path, reason: "cannot be read (\(DataError.excerpt(error.localizedDescription, limit: 120)))",
                                       hint: "check that it is a regular, readable file")
        }
    }

    struct Row { let user: String; let item: String; let rating: Double?; let line: Int }

    /// Quoted CSV fields are unescaped in place, hence `consuming`: the caller's buffer is
    /// moved in, not copied.
    static func parse(_ bytes: consuming [UInt8], file: String, format: InteractionFileFormat, options: InteractionFileOptions) throws -> [Row] {
        try bytes.withUnsafeMutableBufferPointer { buffer in
            try parse(buffer, file: file, format: format, options: options)
        }
    }

    static func parse(_ buffer: UnsafeMutableBufferPointer<UInt8>, file: String, format: InteractionFileFormat,
                      options: InteractionFileOptions) throws -> [Row] {
        let bytes = DelimitedText.Bytes(buffer)
        let start = DelimitedText.textStart(bytes)
        if let bad = DelimitedText.firstInvalidUTF8(bytes, from: start) {
            let (line, column) = DelimitedText.lineAndColumn(of: bad, in: bytes, from: start)
            throw DataError.malformed(file: file, line: line, reason: """
                byte 0x\(String(bytes[bad], radix: 16, uppercase: true)) at byte offset \(bad) (column \(column)) is not valid UTF-8; \
                re-save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8 in > out`) or, if it is Latin-1, set `encoding: latin-1`
                """)
        }
        switch format {
        case .recboleInter:
            var records = DelimitedText.PlainRecords(bytes, from: start, separator: DelimitedText.tab)
            return try table(&records, file: file, format: format, options: options)
        case .delimited:
            let header = DelimitedText.firstNonBlankLine(bytes, from: start) ?? DelimitedText.Bytes(start: nil, count: 0)
            let separator = options.separator.flatMap(\.asciiValue) ?? DelimitedText.guessSeparator(headerLine: header)
            var records = DelimitedText.QuotedRecords(buffer, from: start, separator: separator, backslashEscapes: options.backslashEscapes)
            do {
                return try table(&records, file: file, format: format, options: options)
            } catch DelimitedText.QuoteError.unterminated(let line) {
                throw DataError.malformed(file: file, line: line, reason: "a quoted field opens here and never closes; add the closing \" (a quote inside a quoted field is written \"\")")
            } catch DelimitedText.QuoteError.textAfterClosingQuote(let line, let field) {
                throw DataError.malformed(file: file, line: line, reason: "text follows the closing quote of field \(field); put the whole field in quotes and double any quote inside it (\"\")\(options.backslashEscapes ? " or escape it (\\\")" : "")")
            }
        case .movielensData, .movielensRatings:
            return try movielens(bytes, from: start, file: file, format: format)
        case .citeulikeUsers:
            return try citeulike(bytes, from: start, file: file)
        }
    }

    /// Files with a header naming the columns (RecBole `.inter`, CSV/TSV).
    static func table<R: DelimitedText.Records>(_ records: inout R, file: String, format: InteractionFileFormat,
                                                 options: InteractionFileOptions) throws -> [Row] {
        var fields: [DelimitedText.Bytes] = []
        guard let headerLine = try records.next(into: &fields) else {
            let example = format == .recboleInter ? "user_id:token<TAB>item_id:token" : "user_id,item_id"
            throw DataError.malformed(file: file, line: 1, reason: "no header line; the first line must name the columns, e.g. \(example)")
        }
        let header = fields.map { field in
            // RecBole names carry a type: `user_id:token`.
            String(String(decoding: field, as: UTF8.self).split(separator: ":").first ?? "").trimmingCharacters(in: .whitespaces)
        }
        func index(_ name: String) throws -> Int {
            guard let i = header.firstIndex(of: name) else {
                throw DataError.missingColumn(file: file, line: headerLine, column: name, header: header)
            }
            return i
        }
        let ratingName = options.ratingColumn ?? (header.contains("rating") ? "rating" : nil)
        let user = try index(options.userColumn), item = try index(options.itemColumn), rating = try ratingName.map(index)
        let needed = max(user, item, rating ?? 0) + 1
        var rows: [Row] = []
        while let line = try records.next(into: &fields) {
            guard fields.count >= needed else {
                throw DataError.malformed(file: file, line: line, reason: """
                    expected at least \(needed) fields, found \(fields.count); every row needs the header's columns \
                    up to '\(DataError.excerpt(header[needed - 1]))'
                    """)
            }
            rows.append(Row(user: try textID(fields[user], file, line, "user"), item: try textID(fields[item], file, line, "item"),
                            rating: try rating.map { try self.rating(fields[$0], file, line) }, line: line))
        }
        return rows
    }

    /// MovieLens `u.data` (tab or space separated) and `ratings.dat` (`::` separated).
    static func movielens(_ bytes: DelimitedText.Bytes, from start: Int, file: String, format: InteractionFileFormat) throws -> [Row] {
        let isData = format == .movielensData
        let layout = isData ? "user<TAB>item<TAB>rating<TAB>timestamp" : "user::item::rating::timestamp"
        var rows: [Row] = []
        var f: [DelimitedText.Bytes] = []
        for (line, text) in DelimitedText.Lines(bytes, from: start) where !DelimitedText.isBlank(text) {
            if isData { DelimitedText.splitOnBlanks(text, into: &f) } else { DelimitedText.splitOnDoubleColon(text, into: &f) }
            guard f.count >= 3 else {
                throw DataError.malformed(file: file, line: line, reason: "expected user, item, rating, timestamp; found \(f.count) field\(f.count == 1 ? "" : "s"); each line must be \(layout)")
            }
            rows.append(Row(user: try integerID(f[0], file, line, "user"), item: try integerID(f[1], file, line, "item"),
                            rating: try rating(f[2], file, line), line: line))
        }
        return rows
    }

    /// CiteULike `users.dat`: line k (from 0) is user k: an item count, then that many item ids.
    static func citeulike(_ bytes: DelimitedText.Bytes, from start: Int, file: String) throws -> [Row] {
        var rows: [Row] = []
        var f: [DelimitedText.Bytes] = []
        for (line, text) in DelimitedText.Lines(bytes, from: start) where !DelimitedText.isBlank(text) {
            DelimitedText.splitOnBlanks(text, into: &f)
            guard let n = integer(f[0]), n >= 0 else {
                throw DataError.malformed(file: file, line: line, reason: "first field must be the item count, found '\(excerpt(f[0]))'; each line is a count then that many item ids")
            }
            guard f.count - 1 == n else {
                throw DataError.malformed(file: file, line: line, reason: "count says \(n) items but the line has \(f.count - 1); fix the count or the item list")
            }
            let user = String(line - 1)
            for v in f.dropFirst() {
                rows.append(Row(user: user, item: try integerID(v, file, line, "item"), rating: nil, line: line))
            }
        }
        return rows
    }

    // MARK: Fields

    static func excerpt(_ field: DelimitedText.Bytes) -> String {
        // Decode at most a little more than the excerpt needs: a field may be megabytes long.
        DataError.excerpt(String(decoding: DelimitedText.Bytes(rebasing: field.prefix(4 * 61)), as: UTF8.self))
    }

    static func textID(_ field: DelimitedText.Bytes, _ file: String, _ line: Int, _ what: String) throws -> String {
        let t = DelimitedText.trimmed(field)
        var s = String(decoding: t, as: UTF8.self)
        // Non-ASCII ends may be Unicode spaces (no-break space …), trimmed as before.
        if let first = t.first, let last = t.last, first >= 0x80 || last >= 0x80 { s = s.trimmingCharacters(in: .whitespaces) }
        guard !s.isEmpty else {
            throw DataError.malformed(file: file, line: line, reason: "empty \(what) id; every row needs a user and an item")
        }
        return s
    }

    static func integerID(_ field: DelimitedText.Bytes, _ file: String, _ line: Int, _ what: String) throws -> String {
        if let v = integer(field) { return String(v) }
        let t = try textID(field, file, line, what)
        guard let v = Int(t) else {
            throw DataError.malformed(file: file, line: line, reason: "\(what) id '\(DataError.excerpt(t))' is not an integer; this format has integer ids: if yours are not, convert the file to CSV with a header")
        }
        return String(v)
    }

    /// An optionally signed decimal integer between spaces/tabs; nil if anything else (or overflow).
    static func integer(_ field: DelimitedText.Bytes) -> Int? {
        let t = DelimitedText.trimmed(field)
        var i = t.startIndex
        var negative = false
        if i < t.endIndex && (t[i] == 0x2B || t[i] == 0x2D) { negative = t[i] == 0x2D; i += 1 }
        guard i < t.endIndex else { return nil }
        var v = 0
        while i < t.endIndex {
            let d = Int(t[i]) - 0x30
            guard d >= 0 && d <= 9 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = negative ? m.subtractingReportingOverflow(d) : m.addingReportingOverflow(d)
            guard !o1 && !o2 else { return nil }
            v = s
            i += 1
        }
        return v
    }

    /// Powers of ten that are exact doubles.
    private static let exactPowersOfTen: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { p, _ in p * 10 } }

    /// A finite rating.  Plain decimals ("4", "3.5") are converted here without building a
    /// String: with at most 15 digits both the digits and the power of ten are exact doubles, so
    /// one division rounds correctly, the same value `Double(String)` gives.  Anything else goes
    /// through `Double(String)`.
    static func rating(_ field: DelimitedText.Bytes, _ file: String, _ line: Int) throws -> Double {
        let t = DelimitedText.trimmed(field)
        if let v = plainDecimal(t) { return v }
        let text = String(decoding: t, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else {
            throw DataError.malformed(file: file, line: line, reason: "empty rating; fill it in or drop the row")
        }
        guard let v = Double(text) else {
            throw DataError.malformed(file: file, line: line, reason: "rating '\(DataError.excerpt(text))' is not a number; write ratings as plain numbers like 4 or 3.5")
        }
        guard v.isFinite else {
            throw DataError.malformed(file: file, line: line, reason: "rating '\(DataError.excerpt(text))' is not a finite number; replace it with a number or drop the row")
        }
        return v
    }

    /// `[+-]digits[.digits]` with at most 15 digits, else nil.
    static func plainDecimal(_ t: DelimitedText.Bytes) -> Double? {
        var i = t.startIndex
        var negative = false
        if i < t.endIndex && (t[i] == 0x2B || t[i] == 0x2D) { negative = t[i] == 0x2D; i += 1 }
        var mantissa = 0, digits = 0, fraction = 0, seenPoint = false
        while i < t.endIndex {
            let b = t[i]
            if b == 0x2E {
                guard !seenPoint else { return nil }
                seenPoint = true
            } else {
                let d = Int(b) - 0x30
                guard d >= 0 && d <= 9 else { return nil }
                mantissa = mantissa * 10 + d
                digits += 1
                if seenPoint { fraction += 1 }
                guard digits <= 15 else { return nil }
            }
            i += 1
        }
        guard digits > 0 else { return nil }
        let v = Double(mantissa) / exactPowersOfTen[fraction]
        return negative ? -v : v
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
