import Foundation

/// Binary checkpoints of embedding models: a small header, then each parameter matrix's
/// logical values as little-endian Float32.  Used by the teacher cache.
public enum ModelCheckpoint {
    static let magic = "DBCK1"

    public static func write(_ model: MatrixFactorization, to path: String) throws {
        var data = Data(magic.utf8)
        func int(_ v: Int) { var x = UInt64(v).littleEndian; withUnsafeBytes(of: &x) { data.append(contentsOf: $0) } }
        int(model.parameters.count)
        for m in model.parameters {
            int(m.rows); int(m.cols)
            for r in 0..<m.rows {
                for c in 0..<m.cols { var b = m[r, c].bitPattern.littleEndian; withUnsafeBytes(of: &b) { data.append(contentsOf: $0) } }
            }
        }
        try AtomicFile.write(data, to: path)
    }

    public static func readMatrixFactorization(from path: String) throws -> MatrixFactorization {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError.missingFile(path: path, hint: "the teacher cache entry is incomplete; delete its folder to retrain")
        }
        let bytes = [UInt8](data)
        guard bytes.count >= 13, String(decoding: bytes[0..<5], as: UTF8.self) == magic else {
            throw DataError.malformed(file: path, line: 1, reason: "not a DistillBench checkpoint")
        }
        var at = 5
        func int() throws -> Int {
            guard at + 8 <= bytes.count else { throw DataError.malformed(file: path, line: 1, reason: "truncated checkpoint") }
            var v: UInt64 = 0
            for k in 0..<8 { v |= UInt64(bytes[at + k]) << (8 * UInt64(k)) }
            at += 8
            return Int(v)
        }
        let count = try int()
        guard count == 2 else { throw DataError.malformed(file: path, line: 1, reason: "expected 2 matrices, found \(count)") }
        var mats: [Matrix] = []
        for _ in 0..<count {
            let rows = try int(), cols = try int()
            guard at + rows * cols * 4 <= bytes.count else { throw DataError.malformed(file: path, line: 1, reason: "truncated checkpoint") }
            let m = Matrix(rows: rows, cols: cols)
            for r in 0..<rows {
                for c in 0..<cols {
                    var b: UInt32 = 0
                    for k in 0..<4 { b |= UInt32(bytes[at + k]) << (8 * UInt32(k)) }
                    at += 4
                    m[r, c] = Float(bitPattern: b)
                }
            }
            mats.append(m)
        }
        return MatrixFactorization(userEmbedding: mats[0], itemEmbedding: mats[1])
    }
}
