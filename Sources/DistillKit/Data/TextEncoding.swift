/// The character encoding of a data file.  Readers work on UTF-8 bytes, so a Latin-1 file is
/// transcoded to UTF-8 before parsing.
public enum TextEncoding: String, Codable, Sendable, CaseIterable {
    case utf8 = "utf-8"
    /// ISO-8859-1: byte b is the Unicode scalar U+00bb, for all 256 bytes (0x80-0x9F are the C1
    /// controls, not Windows-1252's letters), so every file decodes and ids hash the same way on
    /// every machine.
    case latin1 = "latin-1"

    /// Latin-1 bytes as UTF-8: ASCII stays, every byte >= 0x80 becomes its two-byte sequence.
    static func utf8(fromLatin1 bytes: [UInt8]) -> [UInt8] {
        var high = 0
        for b in bytes where b >= 0x80 { high += 1 }
        guard high > 0 else { return bytes }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count + high)
        for b in bytes {
            if b < 0x80 {
                out.append(b)
            } else {
                out.append(0xC0 | (b >> 6))
                out.append(0x80 | (b & 0x3F))
            }
        }
        return out
    }
}
