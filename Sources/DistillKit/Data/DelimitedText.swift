/// UTF-8 text files taken apart at the byte level: the UTF-8 check, physical lines, and records
/// split into fields (plain or RFC 4180 quoted).
///
/// Bytes, not `Character`s: Swift folds "\r\n" into one grapheme, so splitting a `String` on
/// "\n" never splits a CRLF file.  Bytes also avoid building a `String` per field.  Every
/// structural byte (line breaks, separators, quotes) is ASCII, which never occurs inside a
/// multi-byte UTF-8 sequence, so splitting validated UTF-8 on bytes is exact.
///
/// Lines and fields are buffer pointers into the file's bytes, which the caller keeps alive for
/// the whole parse: no copies and no reference counting per field (`ArraySlice` retains its
/// array, and at a million lines that was a third of the parse).
enum DelimitedText {
    typealias Bytes = UnsafeBufferPointer<UInt8>
    static let lf: UInt8 = 0x0A, cr: UInt8 = 0x0D, tab: UInt8 = 0x09, space: UInt8 = 0x20
    static let quote: UInt8 = 0x22, comma: UInt8 = 0x2C, colon: UInt8 = 0x3A, backslash: UInt8 = 0x5C

    /// Where the text starts: past a UTF-8 byte order mark (some Windows editors write one).
    static func textStart(_ bytes: Bytes) -> Int {
        bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
    }

    // MARK: UTF-8

    /// Offset of the first byte that does not start a well-formed UTF-8 sequence (the Unicode
    /// table of well-formed byte sequences: no overlongs, surrogates or values past U+10FFFF).
    static func firstInvalidUTF8(_ b: Bytes, from start: Int) -> Int? {
        let n = b.count
        var i = start
        while i < n {
            // Most data files are ASCII: skip eight bytes at a time while none has the top bit.
            while i + 8 <= n, UnsafeRawPointer(b.baseAddress! + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
            }
            guard i < n else { break }
            let lead = b[i]
            if lead < 0x80 { i += 1; continue }
            // Sequence length and the allowed range of the second byte (later ones are 80...BF).
            let length: Int, second: ClosedRange<UInt8>
            switch lead {
            case 0xC2...0xDF: (length, second) = (2, 0x80...0xBF)
            case 0xE0: (length, second) = (3, 0xA0...0xBF)
            case 0xE1...0xEC, 0xEE...0xEF: (length, second) = (3, 0x80...0xBF)
            case 0xED: (length, second) = (3, 0x80...0x9F)
            case 0xF0: (length, second) = (4, 0x90...0xBF)
            case 0xF1...0xF3: (length, second) = (4, 0x80...0xBF)
            case 0xF4: (length, second) = (4, 0x80...0x8F)
            default: return i
            }
            guard i + length <= n, second.contains(b[i + 1]) else { return i }
            for k in 2..<length where b[i + k] & 0xC0 != 0x80 { return i }
            i += length
        }
        return nil
    }

    /// 1-based physical line and byte column of `offset`, counting LF, CRLF and CR as one break each.
    static func lineAndColumn(of offset: Int, in bytes: Bytes, from start: Int) -> (line: Int, column: Int) {
        var line = 1, lineStart = start, i = start
        while i < offset {
            if bytes[i] == lf || bytes[i] == cr {
                if bytes[i] == cr && i + 1 < offset && bytes[i + 1] == lf { i += 1 }
                line += 1
                lineStart = i + 1
            }
            i += 1
        }
        return (line, offset - lineStart + 1)
    }

    // MARK: Lines

    /// Physical lines without their terminators; LF, CRLF and a lone CR each end one line.
    struct Lines: Sequence, IteratorProtocol {
        let bytes: Bytes
        private var position: Int
        private var number = 0

        init(_ bytes: Bytes, from start: Int) { self.bytes = bytes; position = start }

        mutating func next() -> (number: Int, text: Bytes)? {
            guard position < bytes.count else { return nil }
            let end = DelimitedText.lineEnd(bytes, from: position)
            let text = Bytes(rebasing: bytes[position..<end])
            number += 1
            position = DelimitedText.afterBreak(bytes, at: end)
            return (number, text)
        }
    }

    /// The offset of the next LF or CR at or after `from`, or the end.
    @inline(__always)
    static func lineEnd(_ bytes: Bytes, from: Int) -> Int {
        var i = from
        while i < bytes.count, bytes[i] != lf, bytes[i] != cr { i += 1 }
        return i
    }

    /// The offset just past the line break at `at` (which may be the end of the bytes).
    @inline(__always)
    static func afterBreak(_ bytes: Bytes, at: Int) -> Int {
        guard at < bytes.count else { return at }
        return bytes[at] == cr && at + 1 < bytes.count && bytes[at + 1] == lf ? at + 2 : at + 1
    }

    // MARK: Fields

    @inline(__always) static func isBlank(_ b: UInt8) -> Bool { b == space || b == tab }

    /// Whether the line is empty or only spaces and tabs (such lines are skipped).
    static func isBlank(_ s: Bytes) -> Bool { s.allSatisfy(isBlank) }

    static func trimmed(_ s: Bytes) -> Bytes {
        var lo = 0, hi = s.count
        while lo < hi, isBlank(s[lo]) { lo += 1 }
        while hi > lo, isBlank(s[hi - 1]) { hi -= 1 }
        return Bytes(rebasing: s[lo..<hi])
    }

    /// Splits on every `separator` byte, keeping empty fields.  `fields` is reused across lines.
    static func split(_ s: Bytes, on separator: UInt8, into fields: inout [Bytes]) {
        fields.removeAll(keepingCapacity: true)
        var start = 0
        for i in 0..<s.count where s[i] == separator {
            fields.append(Bytes(rebasing: s[start..<i]))
            start = i + 1
        }
        fields.append(Bytes(rebasing: s[start..<s.count]))
    }

    /// Splits on runs of spaces and tabs, dropping empty fields.
    static func splitOnBlanks(_ s: Bytes, into fields: inout [Bytes]) {
        fields.removeAll(keepingCapacity: true)
        var i = 0
        while i < s.count {
            while i < s.count, isBlank(s[i]) { i += 1 }
            let start = i
            while i < s.count, !isBlank(s[i]) { i += 1 }
            if i > start { fields.append(Bytes(rebasing: s[start..<i])) }
        }
    }

    /// Splits on the two-byte separator "::", keeping empty fields.
    static func splitOnDoubleColon(_ s: Bytes, into fields: inout [Bytes]) {
        fields.removeAll(keepingCapacity: true)
        var start = 0, i = 0
        while i + 1 < s.count {
            if s[i] == colon && s[i + 1] == colon {
                fields.append(Bytes(rebasing: s[start..<i]))
                i += 2
                start = i
            } else {
                i += 1
            }
        }
        fields.append(Bytes(rebasing: s[start..<s.count]))
    }

    // MARK: Records

    /// A source of records: each call fills `fields` (reused) and returns the physical line the
    /// record starts on, or nil at the end.  Blank lines between records are skipped.
    protocol Records {
        mutating func next(into fields: inout [Bytes]) throws -> Int?
    }

    /// One record per non-blank line, split on every separator byte; no quoting (RecBole files).
    struct PlainRecords: Records {
        private var lines: Lines
        let separator: UInt8

        init(_ bytes: Bytes, from start: Int, separator: UInt8) {
            lines = Lines(bytes, from: start)
            self.separator = separator
        }

        mutating func next(into fields: inout [Bytes]) -> Int? {
            while let (number, text) = lines.next() {
                if isBlank(text) { continue }
                split(text, on: separator, into: &fields)
                return number
            }
            return nil
        }
    }

    /// A quoting mistake, at the physical line where it was found.
    enum QuoteError: Error, Equatable {
        /// The quote that opened a field on `line` never closes.
        case unterminated(line: Int)
        /// Something other than a separator or line break follows a field's closing quote.
        case textAfterClosingQuote(line: Int, field: Int)
    }

    /// RFC 4180 records: a field that starts with a quote runs to the matching quote and may hold
    /// separators, line breaks and doubled quotes (`""` is one `"`).  A quote inside an unquoted
    /// field is kept as text.  Spaces and tabs around a quoted field are ignored, as most writers
    /// pad that way.  Line breaks inside quoted fields come out as "\n" whatever the file uses, so
    /// the three line-ending styles give the same values.
    ///
    /// With `backslashEscapes` (MySQL dumps such as Book-Crossing's write `\"` for a quote),
    /// `\"` and `\\` inside a quoted field are a quote and a backslash; a backslash before anything
    /// else stays as it is, so no other byte changes meaning.
    ///
    /// Unescaping only ever shortens a field, so it is done in place: the bytes are rewritten
    /// behind the read position, which never looks back.
    struct QuotedRecords: Records {
        let bytes: UnsafeMutableBufferPointer<UInt8>
        let separator: UInt8
        let backslashEscapes: Bool
        private var position: Int
        /// Physical line of `position`.
        private var line = 1

        init(_ bytes: UnsafeMutableBufferPointer<UInt8>, from start: Int, separator: UInt8, backslashEscapes: Bool = false) {
            self.bytes = bytes
            self.separator = separator
            self.backslashEscapes = backslashEscapes
            position = start
        }

        /// Whether a backslash escape starts at `i` (before `end`).
        @inline(__always) private func isEscape(_ i: Int, before end: Int) -> Bool {
            backslashEscapes && bytes[i] == backslash && i + 1 < end && (bytes[i + 1] == quote || bytes[i + 1] == backslash)
        }

        /// Spaces and tabs that may pad a quoted field (never the separator itself).
        private func isPadding(_ b: UInt8) -> Bool { b != separator && (b == space || b == tab) }

        mutating func next(into fields: inout [Bytes]) throws -> Int? {
            fields.removeAll(keepingCapacity: true)
            let n = bytes.count
            let bytes = Bytes(bytes)
            // Skip blank lines before the record.
            while true {
                guard position < n else { return nil }
                var i = position
                while i < n, isBlank(bytes[i]) { i += 1 }
                guard i < n else { position = n; return nil }
                guard bytes[i] == lf || bytes[i] == cr else { break }
                position = afterBreak(bytes, at: i)
                line += 1
            }
            let recordLine = line
            while true {
                var i = position
                while i < n, isPadding(bytes[i]) { i += 1 }
                if i < n && bytes[i] == quote {
                    fields.append(try quotedField(openingAt: i))
                    while position < n, isPadding(bytes[position]) { position += 1 }
                    if position < n, bytes[position] != separator, bytes[position] != lf, bytes[position] != cr {
                        throw QuoteError.textAfterClosingQuote(line: line, field: fields.count)
                    }
                } else {
                    i = position
                    while i < n, bytes[i] != separator, bytes[i] != lf, bytes[i] != cr { i += 1 }
                    fields.append(Bytes(rebasing: bytes[position..<i]))
                    position = i
                }
                if position < n && bytes[position] == separator {
                    position += 1
                    continue
                }
                if position < n {
                    position = afterBreak(bytes, at: position)
                    line += 1
                }
                return recordLine
            }
        }

        /// The content of the quoted field whose opening quote is at `open`; leaves `position`
        /// just past the closing quote.
        private mutating func quotedField(openingAt open: Int) throws -> Bytes {
            let openLine = line, n = bytes.count
            var i = open + 1
            var needsRewrite = false  // only doubled quotes and CR need rewriting
            while true {
                guard i < n else { throw QuoteError.unterminated(line: openLine) }
                let b = bytes[i]
                if isEscape(i, before: n) {
                    needsRewrite = true
                    i += 2
                    continue
                }
                if b == quote {
                    guard i + 1 < n, bytes[i + 1] == quote else { break }
                    needsRewrite = true
                    i += 2
                    continue
                }
                if b == lf {
                    line += 1
                } else if b == cr {
                    line += 1
                    needsRewrite = true
                    if i + 1 < n && bytes[i + 1] == lf { i += 1 }
                }
                i += 1
            }
            position = i + 1
            let end = needsRewrite ? unescape(open + 1..<i) : i
            return Bytes(rebasing: bytes[(open + 1)..<end])
        }

        /// Rewrites `""` → `"` (and the backslash escapes) and CRLF, CR → LF within `range`;
        /// returns the new end.
        private func unescape(_ range: Range<Int>) -> Int {
            var read = range.lowerBound, write = range.lowerBound
            while read < range.upperBound {
                var b = bytes[read]
                if isEscape(read, before: range.upperBound) {
                    read += 1
                    b = bytes[read]
                } else if b == quote {
                    read += 1  // the first of a doubled pair
                } else if b == cr {
                    if read + 1 < range.upperBound && bytes[read + 1] == lf { read += 1 }
                    b = lf
                }
                bytes[write] = b
                write += 1
                read += 1
            }
            return write
        }
    }

    /// The separator of a delimited file from its header line: tab if it has one, else comma.
    static func guessSeparator(headerLine: Bytes) -> UInt8 {
        headerLine.contains(tab) ? tab : comma
    }

    /// The first non-blank physical line (for separator guessing), or nil if there is none.
    static func firstNonBlankLine(_ bytes: Bytes, from start: Int) -> Bytes? {
        Lines(bytes, from: start).first { !isBlank($0.text) }?.text
    }
}
