import DistillKit
import Foundation

/// Trained teachers on disk, keyed by a hash of everything that determines them (dataset and
/// split hashes, family, dimension, training config, seed), shared by every suite and results
/// directory: `$DISTILLBENCH_CACHE/teachers/<key>/{model.bin,training.json}`.
///
/// Nothing in the cache is trusted: `lookup` checks the entry's format version, key, the
/// SHA-256 of `model.bin`, the checkpoint's structure and shape and that every parameter is
/// finite, and removes an entry that fails any check so the caller retrains it.
public struct TeacherCache: Sendable {
    /// Version of `training.json`.  Version 1 (no `formatVersion` field) carried no checksum.
    public static let entryFormatVersion = 2

    public struct Entry: Codable, Sendable {
        public let formatVersion: Int
        public let cacheKey: String
        /// Lowercase hex SHA-256 of `model.bin`'s bytes.
        public let modelSHA256: String
        public let users: Int
        public let items: Int
        public let dimension: Int
        public let selectedEpoch: Int
        public let epochsRun: Int
        public let trainingStatus: String
        public let trainSeconds: Double
        public let bestValidation: Double
        public let learningCurve: [LearningCurvePoint]

        /// An entry as the trainer knows it; `store` fills in the checksum and the shape from
        /// the model it writes, so callers never compute them.
        public init(cacheKey: String, selectedEpoch: Int, epochsRun: Int, trainingStatus: String,
                    trainSeconds: Double, bestValidation: Double, learningCurve: [LearningCurvePoint]) {
            self.init(formatVersion: TeacherCache.entryFormatVersion, cacheKey: cacheKey, modelSHA256: "", users: 0, items: 0, dimension: 0,
                      selectedEpoch: selectedEpoch, epochsRun: epochsRun, trainingStatus: trainingStatus,
                      trainSeconds: trainSeconds, bestValidation: bestValidation, learningCurve: learningCurve)
        }

        init(formatVersion: Int, cacheKey: String, modelSHA256: String, users: Int, items: Int, dimension: Int,
             selectedEpoch: Int, epochsRun: Int, trainingStatus: String, trainSeconds: Double, bestValidation: Double,
             learningCurve: [LearningCurvePoint]) {
            self.formatVersion = formatVersion
            self.cacheKey = cacheKey
            self.modelSHA256 = modelSHA256
            self.users = users
            self.items = items
            self.dimension = dimension
            self.selectedEpoch = selectedEpoch
            self.epochsRun = epochsRun
            self.trainingStatus = trainingStatus
            self.trainSeconds = trainSeconds
            self.bestValidation = bestValidation
            self.learningCurve = learningCurve
        }

        /// This entry describing `model`'s bytes.
        func sealed(modelSHA256: String, model: MatrixFactorization) -> Entry {
            Entry(formatVersion: TeacherCache.entryFormatVersion, cacheKey: cacheKey, modelSHA256: modelSHA256,
                  users: model.userCount, items: model.itemCount, dimension: model.dimension,
                  selectedEpoch: selectedEpoch, epochsRun: epochsRun, trainingStatus: trainingStatus,
                  trainSeconds: trainSeconds, bestValidation: bestValidation, learningCurve: learningCurve)
        }
    }

    /// What `lookup` found: a verified teacher, nothing, or an entry it removed and why.
    public enum Lookup: Sendable {
        case hit(MatrixFactorization, Entry)
        case miss
        case discarded(reason: String)
    }

    public let root: String

    public init(root: String = (DatasetFetcher.cacheDirectory as NSString).appendingPathComponent("teachers")) {
        self.root = root
    }

    /// Keys are SHA-256 hex digests; only those may become a path, so a key can never name
    /// `..`, `/` or another entry.
    static func isValidKey(_ key: String) -> Bool {
        key.utf8.count == 64 && key.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    func directory(_ key: String) -> String? {
        Self.isValidKey(key) ? (root as NSString).appendingPathComponent(key) : nil
    }

    /// The lock a process holds while it looks up, trains and stores the teacher under `key`
    /// (`<key>.lock` beside its folder), so parallel workers never train one teacher twice.
    public func lockPath(_ key: String) -> String? {
        Self.isValidKey(key) ? (root as NSString).appendingPathComponent("\(key).lock") : nil
    }

    /// The verified teacher under `key` whose tables must be `users` x `dimension` and
    /// `items` x `dimension`.
    ///
    /// A missing folder, or an empty one (removed), is `.miss`.  Anything else that is not a
    /// complete, intact entry of that shape, including a folder with `model.bin` but no
    /// `training.json`, is removed and reported as `.discarded` with a one-line reason naming
    /// the file.  A key that is not 64 lowercase hex digits is `.discarded` without touching disk.
    public func lookup(_ key: String, users: Int, items: Int, dimension: Int) -> Lookup {
        verify(key, expected: (users, items, dimension))
    }


    private func verify(_ key: String, expected: (users: Int, items: Int, dimension: Int)) -> Lookup {
        guard let dir = directory(key) else {
            return .discarded(reason: "teacher cache key '\(key.prefix(80))' is not a 64-digit lowercase hex digest; nothing was read or removed")
        }
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: dir, isDirectory: &isDirectory) else { return .miss }
        func discard(_ reason: String) -> Lookup {
            // Only this key's folder: `dir` is root + a validated hex name.
            try? fm.removeItem(atPath: dir)
            return .discarded(reason: reason)
        }
        guard isDirectory.boolValue else { return discard("\(dir): not a directory") }
        let entryPath = (dir as NSString).appendingPathComponent("training.json")
        let modelPath = (dir as NSString).appendingPathComponent("model.bin")

        guard let entryData = fm.contents(atPath: entryPath) else {
            let leftovers = (try? fm.contentsOfDirectory(atPath: dir)) ?? []
            if leftovers.isEmpty { try? fm.removeItem(atPath: dir); return .miss }
            return discard("\(entryPath): missing beside \(leftovers.sorted().joined(separator: ", ")) (an interrupted or older store)")
        }
        // The version first, so an old entry gets a clear reason rather than a decoding error.
        struct Versioned: Decodable { let formatVersion: Int? }
        guard let versioned = try? JSONDecoder().decode(Versioned.self, from: entryData) else {
            return discard("\(entryPath): not a JSON object with an integer formatVersion")
        }
        guard let version = versioned.formatVersion else {
            return discard("\(entryPath): old-format entry (no formatVersion, no model checksum)")
        }
        guard version == Self.entryFormatVersion else {
            return discard("\(entryPath): entry format \(version), this build reads format \(Self.entryFormatVersion)")
        }
        let entry: Entry
        do { entry = try JSONDecoder().decode(Entry.self, from: entryData) } catch {
            return discard("\(entryPath): cannot decode entry: \(Self.oneLine(error))")
        }
        guard entry.cacheKey == key else {
            return discard("\(entryPath): entry is for key \(entry.cacheKey.prefix(80)), not its folder's \(key)")
        }
        let entryShape = (users: entry.users, items: entry.items, dimension: entry.dimension)
        if expected != entryShape {
            return discard("\(entryPath): entry shape (\(Self.describe(entryShape))) is not the expected (\(Self.describe(expected)))")
        }
        guard let size = ModelCheckpoint.byteCount(users: entry.users, items: entry.items, dimension: entry.dimension) else {
            return discard("\(entryPath): entry shape (\(Self.describe(entryShape))) is not a valid shape")
        }
        guard Self.isValidKey(entry.modelSHA256) else {
            return discard("\(entryPath): modelSHA256 '\(entry.modelSHA256.prefix(80))' is not a SHA-256 hex digest")
        }

        // The size before reading, so a stray huge file is never loaded into memory.
        guard let attributes = try? fm.attributesOfItem(atPath: modelPath), let fileSize = (attributes[.size] as? NSNumber)?.intValue else {
            return discard("\(modelPath): missing or unreadable")
        }
        guard fileSize == size else {
            return discard("\(modelPath): \(fileSize) bytes, but the entry's shape (\(Self.describe(entryShape))) needs \(size)")
        }
        guard let bytes = fm.contents(atPath: modelPath) else { return discard("\(modelPath): unreadable") }
        // One read serves both the checksum and the parse, so they see the same bytes.
        let digest = SHA256.hex(bytes)
        guard digest == entry.modelSHA256 else {
            return discard("\(modelPath): SHA-256 mismatch (entry says \(entry.modelSHA256.prefix(12))…, file is \(digest.prefix(12))…)")
        }
        let model: MatrixFactorization
        do { model = try ModelCheckpoint.decodeMatrixFactorization(bytes, path: modelPath) } catch {
            return discard(Self.oneLine(error))
        }
        let modelShape = (users: model.userCount, items: model.itemCount, dimension: model.dimension)
        guard modelShape == entryShape else {
            return discard("\(modelPath): checkpoint shape (\(Self.describe(modelShape))) is not the entry's (\(Self.describe(entryShape)))")
        }
        for (table, name) in [(model.userEmbedding, "user"), (model.itemEmbedding, "item")] {
            for r in 0..<table.rows {
                let row = table.row(r)
                for c in 0..<table.cols where !row[c].isFinite {
                    return discard("\(modelPath): non-finite parameter \(row[c]) at \(name) row \(r), column \(c)")
                }
            }
        }
        return .hit(model, entry)
    }

    /// Writes the model and its entry (with checksum and shape filled in) into a private
    /// staging folder, then renames that into place, so a key's folder is either absent or
    /// complete: a concurrent `lookup` never sees, and never removes, a store in progress.
    public func store(_ model: MatrixFactorization, _ entry: Entry) throws {
        guard let dir = directory(entry.cacheKey) else {
            throw HarnessError("teacher cache: refusing to store under '\(entry.cacheKey.prefix(80))', which is not a 64-digit lowercase hex digest")
        }
        let fm = FileManager.default
        let staging = (root as NSString).appendingPathComponent(".staging-\(entry.cacheKey)-\(getpid())-\(UUID().uuidString)")
        do {
            let bytes = try ModelCheckpoint.encode(model, path: (dir as NSString).appendingPathComponent("model.bin"))
            let sealed = entry.sealed(modelSHA256: SHA256.hex(bytes), model: model)
            try AtomicFile.write(bytes, to: (staging as NSString).appendingPathComponent("model.bin"))
            try AtomicFile.write(try CanonicalJSON.pretty(sealed), to: (staging as NSString).appendingPathComponent("training.json"))
        } catch {
            try? fm.removeItem(atPath: staging)
            throw error
        }
        if rename(staging, dir) == 0 { return }
        // An older entry is in the way (rename(2) will not replace a non-empty folder).
        try? fm.removeItem(atPath: dir)
        if rename(staging, dir) == 0 { return }
        let reason = String(cString: strerror(errno))
        try? fm.removeItem(atPath: staging)
        // Another process published the same key in between: same key, same teacher; theirs stands.
        if fm.fileExists(atPath: (dir as NSString).appendingPathComponent("training.json")) { return }
        throw HarnessError("teacher cache: cannot move \(staging) to \(dir): \(reason)")
    }

    static func describe(_ s: (users: Int, items: Int, dimension: Int)) -> String {
        "users \(s.users), items \(s.items), dimension \(s.dimension)"
    }

    static func oneLine(_ error: Error) -> String {
        let text: String
        if case DecodingError.keyNotFound(let key, _) = error {
            text = "no field '\(key.stringValue)'"
        } else if case DecodingError.typeMismatch(_, let context) = error {
            text = "wrong type at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        } else if case DecodingError.valueNotFound(_, let context) = error {
            text = "null at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        } else if case DecodingError.dataCorrupted(let context) = error {
            text = "corrupt data at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        } else {
            text = "\(error)"
        }
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
