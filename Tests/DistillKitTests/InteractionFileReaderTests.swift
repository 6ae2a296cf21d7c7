import Foundation
import Testing
@testable import DistillKit

/// A small file in one format; `text` uses "\n" and is re-ended per test.
struct FormatSample: Sendable, CustomTestStringConvertible {
    let name: String
    let text: String
    var options = InteractionFileOptions()
    var testDescription: String { name }

    /// One sample per format, each with a blank line (skipped) and no final line break.
    static let all: [FormatSample] = {
        var csv = FormatSample(name: "a.csv", text: "uid,\"iid\",score\n10,5,4\n\n2,5,3\n10,7,1")
        csv.options.userColumn = "uid"
        csv.options.itemColumn = "iid"
        return [
            FormatSample(name: "a.inter", text: "user_id:token\titem_id:token\trating:float\n10\t5\t4\n\n2\t5\t3\n10\t7\t1"),
            FormatSample(name: "u.data", text: "10\t5\t4\t0\n2\t5\t3\t0\n\n10\t7\t1\t0"),
            FormatSample(name: "ratings.dat", text: "10::5::4::0\n2::5::3::0\n\n10::7::1::0"),
            FormatSample(name: "users.dat", text: "2 5 7\n\n1 5"),
            csv,
        ]
    }()
}

enum LineEnding: String, CaseIterable, Sendable {
    case lf, crlf, cr

    /// `text` with every "\n" replaced by this ending, as bytes.
    func apply(_ text: String) -> [UInt8] {
        let ending: [UInt8] = switch self { case .lf: [0x0A]; case .crlf: [0x0D, 0x0A]; case .cr: [0x0D] }
        return text.utf8.flatMap { $0 == 0x0A ? ending : [$0] }
    }
}

@Suite struct InteractionFileReaderTests {
    func file(_ name: String, _ bytes: [UInt8]) throws -> String { try Fixtures.file(name, bytes) }

    func file(_ name: String, _ text: String) throws -> String { try file(name, Array(text.utf8)) }

    func message(_ path: String, _ options: InteractionFileOptions = InteractionFileOptions()) -> String {
        do { _ = try InteractionFileReader.read(path: path, options: options); return "no error" } catch { return "\(error)" }
    }

    /// The error for `path` names the file and line, has every `part` and the fix `hint`.
    func expectError(_ path: String, _ options: InteractionFileOptions = InteractionFileOptions(), line: Int,
                     _ parts: [String], hint: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let m = message(path, options)
        #expect(m.contains("\(path):\(line): "), "\(m)", sourceLocation: sourceLocation)
        for part in parts { #expect(m.contains(part), "\(m)", sourceLocation: sourceLocation) }
        #expect(m.contains(hint), "\(m)", sourceLocation: sourceLocation)
    }

    // MARK: Formats and filters

    @Test func readsEveryFormatToTheSameInteractions() throws {
        let inter = try file("a.inter", "user_id:token\titem_id:token\trating:float\n10\t5\t4\n2\t5\t3\n10\t7\t1\n")
        let udata = try file("u.data", "10\t5\t4\t0\n2\t5\t3\t0\n10\t7\t1\t0\n")
        let ratings = try file("ratings.dat", "10::5::4::0\n2::5::3::0\n10::7::1::0\n")
        let csv = try file("a.csv", "uid,iid,score\n10,5,4\n2,5,3\n10,7,1\n")
        var o = InteractionFileOptions(); o.userColumn = "uid"; o.itemColumn = "iid"
        let a = try InteractionFileReader.read(path: inter)
        #expect(a.userIDs == ["2", "10"] && a.itemIDs == ["5", "7"] && a.count == 3)
        for other in [try InteractionFileReader.read(path: udata), try InteractionFileReader.read(path: ratings),
                      try InteractionFileReader.read(path: csv, options: o)] {
            #expect(other.contentHash == a.contentHash)
        }
        // CiteULike users.dat: user = line number.
        let cite = try InteractionFileReader.read(path: try file("users.dat", "2 5 7\n1 5\n"))
        #expect(cite.count == 3 && cite.userIDs == ["0", "1"])
    }

    @Test func duplicatesAreDroppedAndCounted() throws {
        let d = try InteractionFileReader.read(path: try file("dup.inter", "user_id:token\titem_id:token\n1\t2\n1\t2\n1\t3\n"))
        #expect(d.count == 2 && d.duplicatesDropped == 1)
    }

    @Test func filtersByRatingAndKCore() throws {
        let p = try file("f.csv", "user_id,item_id,rating\n1,1,5\n1,2,5\n2,1,5\n2,2,1\n3,3,5\n")
        var o = InteractionFileOptions(); o.minRating = 4
        #expect(try InteractionFileReader.read(path: p, options: o).count == 4)
        o.kCore = 2
        // After the rating filter: u1{1,2}, u2{1}, u3{3}; the 2-core peels everything away.
        #expect(throws: DataError.self) { try InteractionFileReader.read(path: p, options: o) }
    }

    @Test func integerIDsAreNormalisedAndTextIDsKept() throws {
        let udata = try InteractionFileReader.read(path: try file("u.data", " 007 \t+5\t4\t0\n"))
        #expect(udata.userIDs == ["7"] && udata.itemIDs == ["5"])
        let inter = try InteractionFileReader.read(path: try file("t.inter", "user_id:token\titem_id:token\n u7 \tcafé\u{A0}\n"))
        #expect(inter.userIDs == ["u7"] && inter.itemIDs == ["café"])
    }

    /// Text ids that merely look numeric keep their spelling ("007" and "7" are two users).
    @Test func numericLookingTextIDsKeepTheirSpelling() throws {
        let d = try InteractionFileReader.read(path: try file("z.inter", "user_id:token\titem_id:token\n007\t1\n7\t2\n10\t1\n"))
        #expect(d.userIDs == ["007", "10", "7"] && d.count == 3)
    }

    // MARK: Line endings and encoding

    @Test(arguments: FormatSample.all)
    func lineEndingsGiveTheSameInteractions(sample: FormatSample) throws {
        let results = try LineEnding.allCases.map { ending in
            try InteractionFileReader.read(path: try file(sample.name, ending.apply(sample.text)), options: sample.options)
        }
        #expect(results[0].count == 3)
        for r in results { #expect(r.contentHash == results[0].contentHash && r.count == results[0].count) }
    }

    @Test func crlfUDataHasOneInteractionPerLine() throws {
        let p = try file("u.data", "1\t1\t5\t0\r\n2\t1\t5\t0\r\n3\t2\t4\t0\r\n")
        #expect(try InteractionFileReader.read(path: p).count == 3)
    }

    @Test func crlfCSVHeaderIsParsed() throws {
        let p = try file("c.csv", "uid,iid\r\n1,2\r\n3,4\r\n")
        var o = InteractionFileOptions(); o.userColumn = "uid"; o.itemColumn = "iid"
        #expect(try InteractionFileReader.read(path: p, options: o).count == 2)
        // With the wrong column names the header is listed as parsed, not the whole file.
        expectError(p, line: 1, ["no column 'user_id' in header [uid, iid]"], hint: "name the column in the dataset spec")
        let m = message(p)
        #expect(!m.contains("1,2") && !m.contains("3,4") && !m.contains("\r"), "\(m)")
    }

    @Test(arguments: FormatSample.all)
    func byteOrderMarkIsSkipped(sample: FormatSample) throws {
        let plain = try InteractionFileReader.read(path: try file(sample.name, sample.text), options: sample.options)
        let marked = try InteractionFileReader.read(path: try file(sample.name, [0xEF, 0xBB, 0xBF] + Array(sample.text.utf8)), options: sample.options)
        #expect(marked.contentHash == plain.contentHash)
    }

    @Test(arguments: LineEnding.allCases)
    func badUTF8IsReportedAtItsLine(ending: LineEnding) throws {
        var bytes = ending.apply((1...4000).map { "1\t\($0)\t5\t0\n" }.joined())
        let offset = bytes.count + 2
        bytes += Array("2\t".utf8) + [0xFF] + ending.apply("\t5\t0\n")
        let p = try file("u.data", bytes)
        expectError(p, line: 4001, ["byte 0xFF at byte offset \(offset) (column 3) is not valid UTF-8"], hint: "re-save the file as UTF-8")
    }

    @Test func utf8CheckMatchesTheStandardLibrary() {
        // Hand-picked edge cases, then random bytes biased towards multi-byte sequences.
        var cases: [[UInt8]] = [
            [], Array("plain ascii".utf8), Array("é € 😀 \u{10FFFF}".utf8),
            [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF0, 0x80, 0x80, 0x80],
            [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0x80], [0xE2, 0x82], [0x41, 0xC3],
        ]
        var rng = RandomStream(seed: 7, purpose: "utf8")
        let alphabet: [UInt8] = [0x41, 0x0A, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF]
        for _ in 0..<3000 {
            cases.append((0..<(1 + rng.nextInt(below: 12))).map { _ in alphabet[rng.nextInt(below: alphabet.count)] })
        }
        for c in cases {
            let found = c.withUnsafeBufferPointer { DelimitedText.firstInvalidUTF8($0, from: 0) }
            #expect((found == nil) == (String(validating: c, as: UTF8.self) != nil), "\(c)")
            if let bad = found {
                // Everything before the reported byte is valid.
                #expect(String(validating: c[..<bad], as: UTF8.self) != nil, "\(c)")
            }
        }
    }

    @Test(.enabled(if: Fixtures.ml100kPath != nil, "ml-100k not fetched: run `make data`"),
          arguments: [LineEnding.crlf, .cr])
    func ml100kReadsTheSameWithOtherLineEndings(ending: LineEnding) throws {
        let original = try InteractionFileReader.read(path: Fixtures.ml100kPath!)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.ml100kPath!)))
        let converted = ending.apply(String(decoding: bytes, as: UTF8.self))
        let other = try InteractionFileReader.read(path: try file("ml-100k.inter", converted))
        #expect(other.count == 100_000 && other.contentHash == original.contentHash)
    }

    // MARK: Quoting

    @Test(arguments: LineEnding.allCases)
    func quotedFieldsFollowRFC4180(ending: LineEnding) throws {
        let text = [
            #""user_id","item_id","title""#,
            #""a,b",1,"plain""#,
            #""say ""hi""",2,"two"#,            // a quoted field over lines 3 and 4
            #"lines""#,
            #""u"#,
            #"v",3, "padded" "#,                // padding around a quoted field is ignored
            #"c,4,x"y"#,                        // a bare quote inside an unquoted field is text
            "", "",
        ].joined(separator: "\n")
        let data = try InteractionFileReader.read(path: try file("q.csv", ending.apply(text)))
        #expect(Set(data.userIDs) == ["a,b", "say \"hi\"", "u\nv", "c"])
        #expect(data.count == 4)
        // A bad row after records spanning lines is reported at its physical line.
        let bad = try file("q.csv", ending.apply(text + "d\n"))
        expectError(bad, line: 9, ["expected at least 2 fields, found 1"], hint: "every row needs the header's columns")
    }

    @Test(arguments: LineEnding.allCases)
    func unterminatedQuoteNamesTheLineItOpens(ending: LineEnding) throws {
        let p = try file("u.csv", ending.apply("user_id,item_id\n1,2\n3,\"4\n5,6\n7,8\n"))
        expectError(p, line: 3, ["a quoted field opens here and never closes"], hint: "add the closing \"")
    }

    @Test func textAfterClosingQuoteIsAnError() throws {
        let p = try file("t.csv", "user_id,item_id\n1,2\n3,\"4\"5\n")
        expectError(p, line: 3, ["text follows the closing quote of field 2"], hint: "double any quote inside it")
    }

    @Test func tabSeparatedWhenTheHeaderHasATab() throws {
        let p = try file("t.tsv", "\n\"user_id\"\titem_id\n\"a,b\"\t\"x\ty\"\n")
        let data = try InteractionFileReader.read(path: p)
        #expect(data.userIDs == ["a,b"] && data.itemIDs == ["x\ty"])
    }

    // MARK: Ratings

    @Test(arguments: ["nan", "NaN", "inf", "-inf", "infinity", "1e999"], ["u.data", "ratings.dat", "r.csv", "r.inter"])
    func nonFiniteRatingsAreRejected(value: String, format: String) throws {
        let (text, line): (String, Int) = switch format {
        case "u.data": ("1\t1\t5\t0\n2\t1\t\(value)\t0\n", 2)
        case "ratings.dat": ("1::1::5::0\n2::1::\(value)::0\n", 2)
        case "r.csv": ("user_id,item_id,rating\n1,1,5\n2,1, \(value)\n", 3)
        default: ("user_id:token\titem_id:token\trating:float\n1\t1\t5\n2\t1\t\(value)\n", 3)
        }
        let p = try file(format, text)
        expectError(p, line: line, ["rating '\(value)' is not a finite number"], hint: "replace it with a number or drop the row")
    }

    @Test func unreadableRatingsAreRejected() throws {
        let p = try file("r.csv", "user_id,item_id,rating\n1,1,5\n2,1,four\n3,1,\n")
        expectError(p, line: 3, ["rating 'four' is not a number"], hint: "plain numbers like 4 or 3.5")
        let empty = try file("r.csv", "user_id,item_id,rating\n1,1,5\n3,1,\n")
        expectError(empty, line: 3, ["empty rating"], hint: "fill it in or drop the row")
    }

    func plainDecimal(_ s: String) -> Double? {
        Array(s.utf8).withUnsafeBufferPointer { InteractionFileReader.plainDecimal($0) }
    }

    @Test func plainDecimalsParseExactlyLikeDouble() {
        var samples = ["0", "4", "-2", "+3", "3.5", "0.1", "4.", "-0", "0.30000000000000004", "123456789012345",
                       "1234567890123456", "99999999999999.9", "007.50"]
        var rng = RandomStream(seed: 11, purpose: "decimals")
        for _ in 0..<2000 {
            let digits = String((0..<(1 + rng.nextInt(below: 15))).map { _ in Character(String(rng.nextInt(below: 10))) })
            let point = rng.nextInt(below: digits.count + 1)
            samples.append(String(digits.prefix(point)) + (point < digits.count ? "." : "") + digits.dropFirst(point))
        }
        for s in samples {
            let expected = Double(s)
            #expect(expected != nil, "\(s)")
            if let fast = plainDecimal(s) {
                #expect(fast.bitPattern == expected!.bitPattern, "\(s)")
            }
        }
        #expect(plainDecimal("3.5") == 3.5 && plainDecimal("3e5") == nil)
    }

    // MARK: Errors

    @Test func badInputNamesFileLineAndFix() throws {
        let missingColumn = try file("m.inter", "user:token\titem_id:token\n1\t2\n")
        expectError(missingColumn, line: 1, ["no column 'user_id' in header [user, item_id]"], hint: "name the column in the dataset spec")
        let lateHeader = try file("m.csv", "\n  \nuid,item_id\n1,2\n")
        expectError(lateHeader, line: 3, ["no column 'user_id'"], hint: "name the column in the dataset spec")
        let nonNumeric = try file("u.data", "1\t2\t5\t0\nx\t2\t5\t0\n")
        expectError(nonNumeric, line: 2, ["user id 'x' is not an integer"], hint: "convert the file to CSV with a header")
        let short = try file("ratings.dat", "1::2::5::0\n1::2\n")
        expectError(short, line: 2, ["found 2 fields"], hint: "each line must be user::item::rating::timestamp")
        let badCount = try file("users.dat", "3 1 2\n")
        expectError(badCount, line: 1, ["count says 3 items but the line has 2"], hint: "fix the count or the item list")
        let badLead = try file("users.dat", "1 1\nx 2\n")
        expectError(badLead, line: 2, ["first field must be the item count, found 'x'"], hint: "a count then that many item ids")
        let emptyID = try file("e.csv", "user_id,item_id\n1,2\n ,3\n")
        expectError(emptyID, line: 3, ["empty user id"], hint: "every row needs a user and an item")
        let noHeader = try file("n.inter", "\n\n")
        expectError(noHeader, line: 1, ["no header line"], hint: "the first line must name the columns")
        var o = InteractionFileOptions(); o.minRating = 3
        let noRating = try file("n.csv", "user_id,item_id\n1,2\n")
        expectError(noRating, o, line: 2, ["min_rating is set but this row has no rating"], hint: "rating_column")
    }

    @Test func fileProblemsSaySo() throws {
        #expect(message("/nonexistent/file.inter") == "/nonexistent/file.inter: no such file. check the path in the dataset spec")
        let unknown = try file("data.xyz", "1 2\n")
        #expect(message(unknown).contains("\(unknown): cannot tell the format from the name; set `format:`"))
        let empty = try file("e.inter", "user_id:token\titem_id:token\n")
        #expect(message(empty) == "\(empty): the interaction list is empty (after filtering): check the file and the filter settings")
    }

    @Test(arguments: ["data.inter", "folder"])
    func directoryIsNotADataFile(name: String) throws {
        let dir = (try file("x", "") as NSString).deletingLastPathComponent + "/" + name
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        #expect(message(dir) == "\(dir) is a directory, not a data file; give the path of the interaction file")
    }

    @Test(.enabled(if: getuid() != 0, "root reads any file"))
    func unreadableFileSaysSo() throws {
        let p = try file("locked.inter", "user_id:token\titem_id:token\n1\t2\n")
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: p)
        #expect(message(p) == "\(p) cannot be read (permission denied); make it readable (chmod u+r) or copy it somewhere you can read")
    }

    @Test(arguments: [
        String(repeating: "x", count: 10_000),
        (0..<1000).map { String(format: "column_%04d", $0) }.joined(separator: ","),
        (0..<20).map { _ in String(repeating: "y", count: 500) }.joined(separator: ","),
    ])
    func wideHeaderGivesAShortMessage(header: String) throws {
        #expect(header.count >= 10_000)
        let p = try file("w.csv", header + "\n1,2\n")
        let m = message(p)
        #expect(m.count < 300, "\(m.count): \(m)")
        #expect(m.contains("…"), "\(m)")
        expectError(p, line: 1, ["no column 'user_id' in header ["], hint: "name the column in the dataset spec")
    }

    @Test func longValuesAreExcerpted() throws {
        let long = String(repeating: "é", count: 5000)
        let p = try file("u.data", "1\t2\t5\t0\n\(long)\t2\t5\t0\n")
        let m = message(p)
        #expect(m.count < 250 + p.count, "\(m)")
        expectError(p, line: 2, ["user id '" + String(repeating: "é", count: 59) + "…' is not an integer"], hint: "convert the file to CSV")
        #expect(DataError.excerpt("a\r\nb\tc") == "a\\r\\nb\\tc")
        #expect(DataError.excerpt(String(repeating: "z", count: 60)) == String(repeating: "z", count: 60))
        #expect(DataError.excerpt(String(repeating: "z", count: 61)) == String(repeating: "z", count: 59) + "…")
    }

    // MARK: Separator, encoding, escapes

    @Test func latin1MapsEveryByteToTheSameScalar() {
        let all = (0...255).map { UInt8($0) }
        let text = String(decoding: TextEncoding.utf8(fromLatin1: all), as: UTF8.self)
        #expect(text.unicodeScalars.map(\.value) == (0...255).map { UInt32($0) })
        // ASCII-only input is returned as it is.
        #expect(TextEncoding.utf8(fromLatin1: Array("a;b\r\n".utf8)) == Array("a;b\r\n".utf8))
    }

    @Test func anExplicitSeparatorIsUsedAndCheckedAgainstTheFormat() throws {
        // Guessing would pick the comma from the header, which has none here but a `;`.
        var o = InteractionFileOptions()
        o.separator = ";"
        let p = try file("r.csv", Array("user_id;item_id\n1;a,b\n2;c\n".utf8))
        let data = try InteractionFileReader.read(path: p, options: o)
        #expect(data.itemIDs == ["a,b", "c"])
        let inter = try file("r.inter", Array("user_id:token\titem_id:token\n1\ta\n".utf8))
        do { _ = try InteractionFileReader.read(path: inter, options: o); Issue.record("no error") } catch {
            #expect("\(error)".contains("\(inter): `separator: ;` applies to delimited (csv) files only"), "\(error)")
        }
        o.separator = ":"
        do { _ = try InteractionFileReader.read(path: p, options: o); Issue.record("no error") } catch {
            #expect("\(error)".contains("separator ':' is not supported"), "\(error)")
        }
    }

    /// A backslash-escaped quote (Book-Crossing's dialect) is an RFC 4180 error unless
    /// `backslashEscapes` is set.
    @Test func backslashEscapesAreOffByDefault() throws {
        var o = InteractionFileOptions()
        o.separator = ";"
        o.userColumn = "u"
        o.itemColumn = "i"
        let p = try file("r.csv", Array("\"u\";\"i\"\n\"1\";\"\\\"0432534220\\\"\"\n".utf8))
        do { _ = try InteractionFileReader.read(path: p, options: o); Issue.record("no error") } catch {
            #expect("\(error)".contains("\(p):2: text follows the closing quote of field 2"), "\(error)")
        }
        o.backslashEscapes = true
        #expect(try InteractionFileReader.read(path: p, options: o).itemIDs == ["\"0432534220\""])
    }

    /// Options are run identity: the new ones are left out while unset or default, so identities
    /// recorded before they existed stay the same, and they survive a round trip.
    @Test func newOptionsLeaveOldIdentitiesAloneAndRoundTrip() throws {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        #expect(String(decoding: try e.encode(InteractionFileOptions()), as: UTF8.self) == #"{"item_column":"item_id","user_column":"user_id"}"#)
        var o = InteractionFileOptions()
        o.separator = ";"
        o.encoding = .latin1
        o.backslashEscapes = true
        o.kCore = 10
        #expect(String(decoding: try e.encode(o), as: UTF8.self)
                == #"{"backslash_escapes":true,"encoding":"latin-1","item_column":"item_id","k_core":10,"separator":";","user_column":"user_id"}"#)
        #expect(try JSONDecoder().decode(InteractionFileOptions.self, from: try e.encode(o)) == o)
        var tab = InteractionFileOptions()
        tab.separator = "\t"
        #expect(try JSONDecoder().decode(InteractionFileOptions.self, from: try e.encode(tab)) == tab)
        let old = Data(#"{"item_column":"i","user_column":"u","k_core":3}"#.utf8)
        let decoded = try JSONDecoder().decode(InteractionFileOptions.self, from: old)
        #expect(decoded.encoding == .utf8 && decoded.separator == nil && decoded.kCore == 3)
    }
}
