/// How to read a user file: format, separator, encoding, column names (delimited files), filters.
public struct InteractionFileOptions: Codable, Sendable, Hashable {
    public var format: InteractionFileFormat?
    /// The field separator of a delimited (csv) file; nil guesses it from the header (tab if it
    /// has one, else comma).  Always one ASCII character (see `allowedSeparators`).
    public var separator: Character? = nil
    public var encoding: TextEncoding = .utf8
    public var userColumn = "user_id"
    public var itemColumn = "item_id"
    public var ratingColumn: String? = nil
    /// Keep only rows whose rating is >= this (needs a rating column or a rating field).
    public var minRating: Double? = nil
    /// Repeatedly drop users and items with fewer interactions than this.
    public var kCore: Int? = nil
    /// Quoted fields may also escape a quote as `\"` (MySQL dumps such as Book-Crossing's); see
    /// `DelimitedText.QuotedRecords`.  Set by presets only, not by suite files.
    public var backslashEscapes = false

    /// The separators a delimited file may use: each is one ASCII byte that cannot be a quote or
    /// a line break, which the byte-level reader relies on.
    public static let allowedSeparators: [Character] = [",", ";", "\t", "|"]

    /// The allowed separators as a suite file spells them (a tab is `tab` or `"\t"`).
    public static var separatorNames: String { "',', ';', '|', tab" }

    /// Spelled out: these options are part of every run's identity hash.
    enum CodingKeys: String, CodingKey {
        case format, separator, encoding, userColumn = "user_column", itemColumn = "item_column", ratingColumn = "rating_column"
        case minRating = "min_rating", kCore = "k_core", backslashEscapes = "backslash_escapes"
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decodeIfPresent(InteractionFileFormat.self, forKey: .format)
        if let s = try c.decodeIfPresent(String.self, forKey: .separator) {
            guard s.count == 1, let ch = s.first, Self.allowedSeparators.contains(ch) else {
                throw DecodingError.dataCorruptedError(forKey: .separator, in: c, debugDescription: "separator must be one of \(Self.separatorNames)")
            }
            separator = ch
        }
        encoding = try c.decodeIfPresent(TextEncoding.self, forKey: .encoding) ?? .utf8
        userColumn = try c.decode(String.self, forKey: .userColumn)
        itemColumn = try c.decode(String.self, forKey: .itemColumn)
        ratingColumn = try c.decodeIfPresent(String.self, forKey: .ratingColumn)
        minRating = try c.decodeIfPresent(Double.self, forKey: .minRating)
        kCore = try c.decodeIfPresent(Int.self, forKey: .kCore)
        backslashEscapes = try c.decodeIfPresent(Bool.self, forKey: .backslashEscapes) ?? false
    }

    /// Unset options are left out (as the synthesised encoder did before `separator`, `encoding`
    /// and `backslashEscapes` existed), and so are their defaults: runs recorded before these
    /// options keep their identity.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(format, forKey: .format)
        try c.encodeIfPresent(separator.map { String($0) }, forKey: .separator)
        if encoding != .utf8 { try c.encode(encoding, forKey: .encoding) }
        try c.encode(userColumn, forKey: .userColumn)
        try c.encode(itemColumn, forKey: .itemColumn)
        try c.encodeIfPresent(ratingColumn, forKey: .ratingColumn)
        try c.encodeIfPresent(minRating, forKey: .minRating)
        try c.encodeIfPresent(kCore, forKey: .kCore)
        if backslashEscapes { try c.encode(true, forKey: .backslashEscapes) }
    }
}
