import Foundation

/// Why a checkpoint could not be read or written: the file and what was wrong with it.
public struct CheckpointError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let reason: String
    public init(path: String, reason: String) { self.path = path; self.reason = reason }
    public var description: String { "\(path): \(reason)" }
}

/// Binary checkpoints of matrix-factorisation models, used by the teacher cache.
///
/// Format 2 (all integers little-endian):
///
///     offset  size  field
///          0     4  magic "DBCK"
///          4     4  format version (UInt32) = 2
///          8     8  matrix count (UInt64) = 2
///         16    32  rows, cols (UInt64 each) of the user table, then of the item table
///         48     …  the user table's logical values row by row as Float32, then the item table's
///
/// Every shape field comes before any value, so the reader knows the exact file length before
/// it allocates anything.  Format 1 ("DBCK1", shapes interleaved with values, no version) is
/// recognised only to be rejected.
///
/// The reader never traps: every header integer is converted and multiplied with checks, and a
/// file of any other length than its header implies is rejected.  It does not checksum values;
/// the teacher cache keeps a SHA-256 of the whole file beside it.
public enum ModelCheckpoint {
    public static let formatVersion: UInt32 = 2
    public static let headerSize = 48
    static let magic: [UInt8] = Array("DBCK".utf8)
    static let matrixCount: UInt64 = 2

    /// The exact size of a checkpoint of this shape, or nil if the shape is not positive or
    /// its size does not fit in an Int.
    public static func byteCount(users: Int, items: Int, dimension: Int) -> Int? {
        guard users >= 1, items >= 1, dimension >= 1 else { return nil }
        let (rows, o1) = users.addingReportingOverflow(items)
        let (values, o2) = rows.multipliedReportingOverflow(by: dimension)
        let (bytes, o3) = values.multipliedReportingOverflow(by: 4)
        let (total, o4) = bytes.addingReportingOverflow(headerSize)
        return o1 || o2 || o3 || o4 ? nil : total
    }

    /// The checkpoint's bytes.  Throws for a model with an empty table, which no checkpoint holds.
    public static func encode(_ model: MatrixFactorization, path: String = "<memory>") throws -> Data {
        let users = model.userEmbedding, items = model.itemEmbedding
        guard let size = byteCount(users: users.rows, items: items.rows, dimension: users.cols) else {
            throw CheckpointError(path: path, reason: "cannot checkpoint a model of shape users \(users.rows), items \(items.rows), dimension \(users.cols)")
        }
        var data = Data(count: size)
        data.withUnsafeMutableBytes { (out: UnsafeMutableRawBufferPointer) in
            for (k, b) in magic.enumerated() { out[k] = b }
            out.storeBytes(of: formatVersion.littleEndian, toByteOffset: 4, as: UInt32.self)
            let header: [UInt64] = [matrixCount, UInt64(users.rows), UInt64(users.cols), UInt64(items.rows), UInt64(items.cols)]
            for (k, v) in header.enumerated() { out.storeBytes(of: v.littleEndian, toByteOffset: 8 + 8 * k, as: UInt64.self) }
            var at = headerSize
            for m in [users, items] {
                let rowBytes = m.cols * 4
                for r in 0..<m.rows {
                    // Rows are padded in memory, so copy the logical prefix of each.
                    #if _endian(little)
                    (out.baseAddress! + at).copyMemory(from: m.row(r), byteCount: rowBytes)
                    #else
                    let row = m.row(r)
                    for c in 0..<m.cols { out.storeBytes(of: row[c].bitPattern.littleEndian, toByteOffset: at + 4 * c, as: UInt32.self) }
                    #endif
                    at += rowBytes
                }
            }
        }
        return data
    }

    public static func write(_ model: MatrixFactorization, to path: String) throws {
        try AtomicFile.write(try encode(model, path: path), to: path)
    }

    public static func readMatrixFactorization(from path: String) throws -> MatrixFactorization {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError(path: path, reason: "missing or unreadable")
        }
        return try decodeMatrixFactorization(data, path: path)
    }

    /// Parses checkpoint bytes; `path` only names the source in errors.
    public static func decodeMatrixFactorization(_ data: Data, path: String) throws -> MatrixFactorization {
        func fail(_ reason: String) -> CheckpointError { CheckpointError(path: path, reason: reason) }
        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws -> MatrixFactorization in
            guard raw.count >= magic.count, raw.prefix(magic.count).elementsEqual(magic) else {
                throw fail("not a DistillBench checkpoint (no DBCK magic)")
            }
            if raw.count > magic.count, raw[magic.count] == UInt8(ascii: "1") {
                throw fail("old checkpoint format 1 (DBCK1, unversioned); this build reads format \(formatVersion)")
            }
            guard raw.count >= headerSize else {
                throw fail("truncated header: \(raw.count) bytes, the header alone is \(headerSize)")
            }
            let version = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
            guard version == formatVersion else { throw fail("checkpoint format \(version); this build reads format \(formatVersion)") }
            func field(_ k: Int) -> UInt64 { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 + 8 * k, as: UInt64.self)) }
            guard field(0) == matrixCount else { throw fail("holds \(field(0)) matrices; a matrix-factorisation checkpoint holds \(matrixCount)") }
            // UInt64 values beyond Int.max (a negative Int's bits, or noise) must not reach Int(_:).
            func count(_ k: Int, _ name: String) throws -> Int {
                guard let n = Int(exactly: field(k)), n >= 1 else { throw fail("header \(name) is \(field(k)), not a count in 1...\(Int.max)") }
                return n
            }
            let users = try count(1, "user rows"), dimension = try count(2, "user columns")
            let items = try count(3, "item rows"), itemColumns = try count(4, "item columns")
            guard itemColumns == dimension else { throw fail("user table has \(dimension) columns but item table has \(itemColumns)") }
            let shape = "users \(users), items \(items), dimension \(dimension)"
            guard let expected = byteCount(users: users, items: items, dimension: dimension) else {
                throw fail("header shape (\(shape)) is too large to be a file")
            }
            guard raw.count == expected else {
                throw fail(raw.count < expected
                    ? "truncated: \(raw.count) bytes, header shape (\(shape)) needs \(expected)"
                    : "\(raw.count - expected) trailing bytes after the \(expected) that header shape (\(shape)) needs")
            }
            // Sizes are now bounded by the file's, so these allocations are safe.
            let userTable = Matrix(rows: users, cols: dimension), itemTable = Matrix(rows: items, cols: dimension)
            var at = headerSize
            for m in [userTable, itemTable] {
                let rowBytes = dimension * 4
                for r in 0..<m.rows {
                    #if _endian(little)
                    UnsafeMutableRawPointer(m.row(r)).copyMemory(from: raw.baseAddress! + at, byteCount: rowBytes)
                    #else
                    let row = m.row(r)
                    for c in 0..<dimension {
                        row[c] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at + 4 * c, as: UInt32.self)))
                    }
                    #endif
                    at += rowBytes
                }
            }
            return MatrixFactorization(userEmbedding: userTable, itemEmbedding: itemTable)
        }
    }
}
