import Foundation
import Testing
@testable import BenchHarness
@testable import DistillKit

/// A fresh temporary folder per test, removed afterwards.
private final class TempRoot {
    let path: String
    init(_ name: String) {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("distillbench-teachercache-\(getpid())-\(name)-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func at(_ parts: String...) -> String { parts.reduce(path) { ($0 as NSString).appendingPathComponent($1) } }
}

private func sampleModel(users: Int = 6, items: Int = 9, dimension: Int = 5, seed: UInt64 = 7) -> MatrixFactorization {
    MatrixFactorization(users: users, items: items, dimension: dimension, initStd: 0.1, seed: seed)
}

private func sampleEntry(_ key: String) -> TeacherCache.Entry {
    TeacherCache.Entry(cacheKey: key, selectedEpoch: 4, epochsRun: 6, trainingStatus: "early-stopped", trainSeconds: 1.5,
                       bestValidation: 0.25, learningCurve: [LearningCurvePoint(epoch: 2, loss: 0.5, validation: 0.2),
                                                             LearningCurvePoint(epoch: 4, loss: 0.4, validation: 0.25)])
}

private func key(_ name: String) -> String { SHA256.hex("teacher-cache-test|\(name)") }

private func bytes(_ path: String) throws -> [UInt8] { [UInt8](try #require(FileManager.default.contents(atPath: path))) }
private func write(_ bytes: [UInt8], _ path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

/// The reason of a `.discarded`, nil for anything else.
private func discardReason(_ l: TeacherCache.Lookup) -> String? {
    if case .discarded(let reason) = l { return reason }
    return nil
}

@Suite struct TeacherCacheTests {
    /// A stored entry at `root/key` for a 6 x 9 x 5 model; returns the model and the folder.
    private func stored(_ root: TempRoot, _ k: String, model: MatrixFactorization = sampleModel()) throws -> (MatrixFactorization, String) {
        try TeacherCache(root: root.path).store(model, sampleEntry(k))
        return (model, root.at(k))
    }

    /// Replaces the entry's checksum with the model file's, as a forger who understood the format would.
    private func patchChecksum(_ folder: String) throws {
        let entryPath = (folder as NSString).appendingPathComponent("training.json")
        let entry = try JSONDecoder().decode(TeacherCache.Entry.self, from: try #require(FileManager.default.contents(atPath: entryPath)))
        let text = try String(contentsOfFile: entryPath, encoding: .utf8)
        let actual = SHA256.hex(try bytes((folder as NSString).appendingPathComponent("model.bin")))
        try text.replacingOccurrences(of: entry.modelSHA256, with: actual).write(toFile: entryPath, atomically: true, encoding: .utf8)
    }

    @Test func storeThenLookupIsABitIdenticalHit() throws {
        let root = TempRoot("hit"), k = key("hit")
        let (model, folder) = try stored(root, k)
        guard case .hit(let loaded, let entry) = TeacherCache(root: root.path).lookup(k, users: 6, items: 9, dimension: 5) else {
            Issue.record("expected a hit"); return
        }
        #expect(loaded.userEmbedding.bitwiseEqual(model.userEmbedding) && loaded.itemEmbedding.bitwiseEqual(model.itemEmbedding))
        #expect(entry.formatVersion == TeacherCache.entryFormatVersion && entry.cacheKey == k)
        #expect(entry.modelSHA256 == SHA256.hex(try bytes(root.at(k, "model.bin"))))
        #expect(entry.users == 6 && entry.items == 9 && entry.dimension == 5)
        #expect(entry.selectedEpoch == 4 && entry.epochsRun == 6 && entry.trainingStatus == "early-stopped"
                && entry.trainSeconds == 1.5 && entry.bestValidation == 0.25 && entry.learningCurve == sampleEntry(k).learningCurve)
        // Published by rename: only the key's folder, no staging leftovers, exactly two files.
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == [k])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["model.bin", "training.json"])
    }

    @Test func storingAgainReplacesTheEntry() throws {
        let root = TempRoot("restore"), k = key("restore")
        _ = try stored(root, k, model: sampleModel(seed: 1))
        let second = sampleModel(seed: 2)
        _ = try stored(root, k, model: second)
        guard case .hit(let loaded, _) = TeacherCache(root: root.path).lookup(k, users: 6, items: 9, dimension: 5) else {
            Issue.record("expected a hit"); return
        }
        #expect(loaded.itemEmbedding.bitwiseEqual(second.itemEmbedding))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == [k])
    }

    @Test func absentAndEmptyFoldersAreMisses() throws {
        let root = TempRoot("miss"), k = key("miss")
        let cache = TeacherCache(root: root.path)
        guard case .miss = cache.lookup(k, users: 6, items: 9, dimension: 5) else { Issue.record("absent folder is not a miss"); return }
        try FileManager.default.createDirectory(atPath: root.at(k), withIntermediateDirectories: true)
        guard case .miss = cache.lookup(k, users: 6, items: 9, dimension: 5) else { Issue.record("empty folder is not a miss"); return }
        #expect(!FileManager.default.fileExists(atPath: root.at(k)))
    }

    @Test func aModelWithoutItsEntryIsDiscarded() throws {
        let root = TempRoot("partial"), k = key("partial")
        try FileManager.default.createDirectory(atPath: root.at(k), withIntermediateDirectories: true)
        try ModelCheckpoint.write(sampleModel(), to: root.at(k, "model.bin"))
        let reason = try #require(discardReason(TeacherCache(root: root.path).lookup(k, users: 6, items: 9, dimension: 5)))
        #expect(reason.hasPrefix(root.at(k, "training.json")) && reason.contains("missing beside model.bin"))
        #expect(!FileManager.default.fileExists(atPath: root.at(k)))
    }

    @Test func fortyFlippedSignBitsAreCaughtByTheChecksum() throws {
        let root = TempRoot("signs"), k = key("signs"), other = key("signs-other")
        let (_, folder) = try stored(root, k)
        _ = try stored(root, other)
        var b = try bytes(root.at(k, "model.bin"))
        var rng = RandomStream(seed: 40, purpose: "sign flips")
        var floats = Set<Int>()
        while floats.count < 40 { floats.insert(rng.nextInt(below: (6 + 9) * 5)) }
        // Little-endian Float32: the sign is the top bit of each value's last byte.
        for f in floats { b[ModelCheckpoint.headerSize + 4 * f + 3] ^= 0x80 }
        try write(b, root.at(k, "model.bin"))
        let reason = try #require(discardReason(TeacherCache(root: root.path).lookup(k, users: 6, items: 9, dimension: 5)))
        #expect(reason.hasPrefix(root.at(k, "model.bin") + ": SHA-256 mismatch (entry says "))
        #expect(!FileManager.default.fileExists(atPath: folder))
        // Only the bad entry's folder went.
        guard case .hit = TeacherCache(root: root.path).lookup(other, users: 6, items: 9, dimension: 5) else {
            Issue.record("the intact neighbour was not a hit"); return
        }
    }

    @Test(arguments: 0..<ModelCheckpoint.headerSize)
    func everyHeaderByteSetTo0xFFIsDiscarded(position: Int) throws {
        let root = TempRoot("header-\(position)"), k = key("header")
        let cache = TeacherCache(root: root.path)
        // As found on disk: the checksum catches it.
        _ = try stored(root, k)
        var b = try bytes(root.at(k, "model.bin"))
        #expect(b[position] != 0xFF)
        b[position] = 0xFF
        try write(b, root.at(k, "model.bin"))
        #expect(discardReason(cache.lookup(k, users: 6, items: 9, dimension: 5))?.contains("SHA-256 mismatch") == true)
        #expect(!FileManager.default.fileExists(atPath: root.at(k)))
        // With the checksum forged to match, the checkpoint reader itself must refuse it.
        _ = try stored(root, k)
        try write(b, root.at(k, "model.bin"))
        try patchChecksum(root.at(k))
        let reason = try #require(discardReason(cache.lookup(k, users: 6, items: 9, dimension: 5)))
        #expect(reason.hasPrefix(root.at(k, "model.bin") + ": ") && !reason.contains("SHA-256"))
        #expect(!FileManager.default.fileExists(atPath: root.at(k)))
        #expect(throws: CheckpointError.self) { try ModelCheckpoint.decodeMatrixFactorization(Data(b), path: "x") }
    }

    @Test func aCheckpointWithOneItemRowFewerIsDiscardedForItsShape() throws {
        let root = TempRoot("short"), k = key("short")
        let cache = TeacherCache(root: root.path)
        _ = try stored(root, k)
        try ModelCheckpoint.write(sampleModel(items: 8), to: root.at(k, "model.bin"))
        try patchChecksum(root.at(k))
        let reason = try #require(discardReason(cache.lookup(k, users: 6, items: 9, dimension: 5)))
        #expect(reason.hasPrefix(root.at(k, "model.bin") + ": ") && reason.contains("the entry's shape (users 6, items 9, dimension 5)"))
        #expect(!FileManager.default.fileExists(atPath: root.at(k)))
        // Same byte count, rows moved between the tables: only the parsed shape can tell.
        _ = try stored(root, k)
        try ModelCheckpoint.write(sampleModel(users: 7, items: 8), to: root.at(k, "model.bin"))
        try patchChecksum(root.at(k))
        let moved = try #require(discardReason(cache.lookup(k, users: 6, items: 9, dimension: 5)))
        #expect(moved.contains("checkpoint shape (users 7, items 8, dimension 5) is not the entry's (users 6, items 9, dimension 5)"))
    }

    @Test func truncatedAndExtendedFilesAreDiscarded() throws {
        let root = TempRoot("length"), k = key("length")
        let cache = TeacherCache(root: root.path)
        let full = try bytes(try stored(root, k).1 + "/model.bin")
        for (name, changed) in [("truncated", Array(full.dropLast(4))), ("half", Array(full.prefix(full.count / 2))),
                                ("header only", Array(full.prefix(20))), ("empty", []),
                                ("trailing", full + [0, 1, 2, 3]), ("one trailing byte", full + [0])] {
            _ = try stored(root, k)
            try write(changed, root.at(k, "model.bin"))
            let reason = discardReason(cache.lookup(k, users: 6, items: 9, dimension: 5))
            #expect(reason == "\(root.at(k, "model.bin")): \(changed.count) bytes, but the entry's shape (users 6, items 9, dimension 5) needs \(full.count)", "\(name)")
            #expect(!FileManager.default.fileExists(atPath: root.at(k)), "\(name)")
        }
    }

    @Test func oldFormatEntriesAreDiscarded() throws {
        let root = TempRoot("old"), k = key("old")
        try FileManager.default.createDirectory(atPath: root.at(k), withIntermediateDirectories: true)
        // The version-1 layout: "DBCK1", count, then rows, cols and values per matrix; no version in the entry.
        var old = Array("DBCK1".utf8)
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { old.append(contentsOf: $0) } }
        u64(2)
        for rows in [6, 9] as [UInt64] { u64(rows); u64(5); for _ in 0..<(rows * 5) { old.append(contentsOf: [0, 0, 0x80, 0x3F]) } }
        try write(old, root.at(k, "model.bin"))
        try """
            {"bestValidation":0.25,"cacheKey":"\(k)","epochsRun":6,"learningCurve":[],"selectedEpoch":4,"trainSeconds":1.5,"trainingStatus":"completed"}
            """.write(toFile: root.at(k, "training.json"), atomically: true, encoding: .utf8)
        let reason = discardReason(TeacherCache(root: root.path).lookup(k, users: 6, items: 9, dimension: 5))
        #expect(reason == "\(root.at(k, "training.json")): old-format entry (no formatVersion, no model checksum)")
        #expect(!FileManager.default.fileExists(atPath: root.at(k)))
        do { _ = try ModelCheckpoint.decodeMatrixFactorization(Data(old), path: "old.bin"); Issue.record("old checkpoint accepted") } catch let e as CheckpointError {
            #expect(e.description == "old.bin: old checkpoint format 1 (DBCK1, unversioned); this build reads format 2")
        }
    }

    @Test func otherEntryVersionsAndBrokenJSONAreDiscarded() throws {
        let root = TempRoot("json"), k = key("json")
        let cache = TeacherCache(root: root.path)
        for (text, expected) in [("{\"formatVersion\": 3}", "entry format 3, this build reads format 2"),
                                 ("[1, 2]", "not a JSON object with an integer formatVersion"), ("{\"formatVersion\": 2", "not a JSON object"),
                                 ("{\"formatVersion\": \"2\"}", "not a JSON object with an integer formatVersion"),
                                 ("{\"formatVersion\": 2, \"cacheKey\": \"\(k)\"}", "cannot decode entry: no field")] {
            _ = try stored(root, k)
            try text.write(toFile: root.at(k, "training.json"), atomically: true, encoding: .utf8)
            let reason = try #require(discardReason(cache.lookup(k, users: 6, items: 9, dimension: 5)))
            #expect(reason.hasPrefix(root.at(k, "training.json") + ": " + expected), "\(text)")
            #expect(!FileManager.default.fileExists(atPath: root.at(k)))
        }
    }

    @Test func anEntryUnderAnotherKeysFolderIsDiscarded() throws {
        let root = TempRoot("moved"), k = key("moved"), elsewhere = key("elsewhere")
        _ = try stored(root, k)
        try FileManager.default.moveItem(atPath: root.at(k), toPath: root.at(elsewhere))
        let reason = try #require(discardReason(TeacherCache(root: root.path).lookup(elsewhere, users: 6, items: 9, dimension: 5)))
        #expect(reason.contains("entry is for key \(k), not its folder's \(elsewhere)"))
        #expect(!FileManager.default.fileExists(atPath: root.at(elsewhere)))
    }

    @Test func askingForAnotherShapeIsDiscarded() throws {
        let root = TempRoot("expected"), k = key("expected")
        let cache = TeacherCache(root: root.path)
        for (u, i, d) in [(7, 9, 5), (6, 10, 5), (6, 9, 8), (0, 9, 5), (-6, 9, 5)] {
            _ = try stored(root, k)
            let reason = try #require(discardReason(cache.lookup(k, users: u, items: i, dimension: d)))
            #expect(reason == "\(root.at(k, "training.json")): entry shape (users 6, items 9, dimension 5) is not the expected (users \(u), items \(i), dimension \(d))")
            #expect(!FileManager.default.fileExists(atPath: root.at(k)))
        }
    }

    @Test func nonFiniteParametersAreDiscarded() throws {
        let root = TempRoot("nan"), k = key("nan")
        let cache = TeacherCache(root: root.path)
        for bad in [Float.nan, .infinity, -.infinity] {
            let model = sampleModel()
            model.itemEmbedding[3, 2] = bad
            _ = try stored(root, k, model: model)
            let reason = discardReason(cache.lookup(k, users: 6, items: 9, dimension: 5))
            #expect(reason == "\(root.at(k, "model.bin")): non-finite parameter \(bad) at item row 3, column 2")
            #expect(!FileManager.default.fileExists(atPath: root.at(k)))
        }
    }

    @Test func keysThatAreNotHexDigestsNeverBecomePaths() throws {
        let root = TempRoot("keys")
        let victim = root.at("victim")
        try FileManager.default.createDirectory(atPath: victim, withIntermediateDirectories: true)
        try "keep".write(toFile: victim + "/file", atomically: true, encoding: .utf8)
        let cacheRoot = root.at("cache")
        let cache = TeacherCache(root: cacheRoot)
        for bad in ["../victim", "", String(repeating: "a", count: 63), String(repeating: "A", count: 64),
                    String(repeating: "a", count: 63) + "/", String(repeating: "a", count: 65), "../" + String(repeating: "a", count: 61)] {
            let reason = discardReason(cache.lookup(bad, users: 6, items: 9, dimension: 5))
            #expect(reason?.contains("is not a 64-digit lowercase hex digest; nothing was read or removed") == true, "\(bad)")
            #expect(throws: HarnessError.self) { try cache.store(sampleModel(), sampleEntry(bad)) }
        }
        #expect(FileManager.default.fileExists(atPath: victim + "/file"))
        #expect(!FileManager.default.fileExists(atPath: cacheRoot))
    }
}

/// The checkpoint reader on its own: whatever the bytes, it throws or returns, never traps.
@Suite struct ModelCheckpointReaderTests {
    /// A checkpoint header with these fields and `values` zero bytes after it.
    private func header(magic: String = "DBCK", version: UInt32 = 2, count: UInt64 = 2, _ shape: [UInt64], values: Int = 0) -> Data {
        var d = Data(magic.utf8)
        withUnsafeBytes(of: version.littleEndian) { d.append(contentsOf: $0) }
        for v in [count] + shape { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        d.append(Data(count: values))
        return d
    }

    private func reason(_ data: Data) -> String? {
        do { _ = try ModelCheckpoint.decodeMatrixFactorization(data, path: "m.bin"); return nil } catch let e as CheckpointError {
            #expect(e.path == "m.bin" && e.description.hasPrefix("m.bin: "))
            return e.reason
        } catch { Issue.record("unexpected error type \(error)"); return nil }
    }

    @Test func roundTripsBitIdenticallyAtUnpaddedWidths() throws {
        for d in [1, 7, 8, 9, 200] {
            let m = sampleModel(users: 3, items: 4, dimension: d)
            m.userEmbedding[0, 0] = -0.0
            m.itemEmbedding[1, d - 1] = .leastNonzeroMagnitude
            let data = try ModelCheckpoint.encode(m)
            #expect(data.count == ModelCheckpoint.byteCount(users: 3, items: 4, dimension: d))
            let back = try ModelCheckpoint.decodeMatrixFactorization(data, path: "m.bin")
            #expect(back.userEmbedding.bitwiseEqual(m.userEmbedding) && back.itemEmbedding.bitwiseEqual(m.itemEmbedding), "d=\(d)")
            #expect(try ModelCheckpoint.encode(back) == data)
        }
    }

    @Test func headerIntegersAreCheckedNotTrusted() {
        let huge = UInt64(Int.max)
        #expect(reason(header([UInt64.max, 5, 9, 5])) == "header user rows is \(UInt64.max), not a count in 1...\(Int.max)")
        #expect(reason(header([huge + 1, 5, 9, 5]))?.hasPrefix("header user rows is 9223372036854775808") == true)
        #expect(reason(header([6, 0, 9, 0])) == "header user columns is 0, not a count in 1...\(Int.max)")
        #expect(reason(header([6, 5, 0, 5])) == "header item rows is 0, not a count in 1...\(Int.max)")
        #expect(reason(header([6, 5, 9, 4])) == "user table has 5 columns but item table has 4")
        #expect(reason(header([huge, 1, huge, 1]))?.hasSuffix("is too large to be a file") == true)   // rows sum overflows
        #expect(reason(header([1 << 61, 1, 1, 1]))?.hasSuffix("is too large to be a file") == true)  // x4 overflows
        #expect(reason(header([1 << 31, 1 << 31, 1, 1 << 31]))?.hasSuffix("is too large to be a file") == true)
        #expect(reason(header([1 << 20, 1 << 20, 1, 1 << 20]))?.hasPrefix("truncated: 48 bytes") == true)
        #expect(reason(header(count: 3, [6, 5, 9, 5])) == "holds 3 matrices; a matrix-factorisation checkpoint holds 2")
        #expect(reason(header(version: 3, [6, 5, 9, 5])) == "checkpoint format 3; this build reads format 2")
        #expect(reason(header(magic: "NOPE", [6, 5, 9, 5])) == "not a DistillBench checkpoint (no DBCK magic)")
        #expect(reason(Data("DBC".utf8)) == "not a DistillBench checkpoint (no DBCK magic)")
        #expect(reason(Data("DBCK".utf8) + Data([2, 0, 0])) == "truncated header: 7 bytes, the header alone is 48")
        #expect(reason(header([1, 1, 1, 1], values: 8)) == nil)
        #expect(reason(header([1, 1, 1, 1], values: 9)) == "1 trailing bytes after the 56 that header shape (users 1, items 1, dimension 1) needs")
        #expect(reason(header([1, 1, 1, 1], values: 7)) == "truncated: 55 bytes, header shape (users 1, items 1, dimension 1) needs 56")
    }

    @Test func aMissingFileThrowsWithItsPath() {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-\(UUID().uuidString).bin").path
        #expect(throws: CheckpointError(path: path, reason: "missing or unreadable")) { try ModelCheckpoint.readMatrixFactorization(from: path) }
    }

    /// 2000 seeded single-byte corruptions: a header byte always makes the reader throw; a value
    /// byte may decode, and then the file's SHA-256 differs from the one the cache entry holds.
    @Test func randomSingleByteCorruptionsNeverTrap() throws {
        let original = try ModelCheckpoint.encode(sampleModel(users: 3, items: 4, dimension: 3))
        let digest = SHA256.hex(original)
        var rng = RandomStream(seed: 2024, purpose: "checkpoint fuzz")
        var threw = 0, decoded = 0
        for _ in 0..<2000 {
            var b = [UInt8](original)
            let at = rng.nextInt(below: b.count)
            b[at] ^= UInt8(1 + rng.nextInt(below: 255))            // always a different byte
            if reason(Data(b)) != nil {
                threw += 1
            } else {
                decoded += 1
                #expect(at >= ModelCheckpoint.headerSize, "a corrupt header byte \(at) decoded")
                #expect(SHA256.hex(b) != digest)
            }
        }
        #expect(threw + decoded == 2000 && threw > 500 && decoded > 500)
    }

    /// Random header integers (mostly beyond Int.max or overflowing when multiplied).
    @Test func randomHeadersNeverTrap() {
        var rng = RandomStream(seed: 99, purpose: "header fuzz")
        var accepted = 0
        for k in 0..<2000 {
            // Every fourth round keeps the numbers small so the length checks get exercised too.
            let shape = (0..<4).map { _ in k % 4 == 0 ? rng.next() % 4 : rng.next() >> (rng.next() % 64) }
            if reason(header(shape, values: Int(rng.next() % 64))) == nil { accepted += 1 }
        }
        #expect(accepted < 2000)
    }
}
