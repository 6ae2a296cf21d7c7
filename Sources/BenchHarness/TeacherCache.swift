import DistillKit
import Foundation

/// Trained teachers on disk, keyed by a hash of everything that determines them (dataset and
/// split hashes, family, dimension, training config, seed), shared by every suite and results
/// directory: `$DISTILLBENCH_CACHE/teachers/<key>/{model.bin,training.json}`.
public struct TeacherCache: Sendable {
    public struct Entry: Codable, Sendable {
        public let cacheKey: String
        public let selectedEpoch: Int
        public let epochsRun: Int
        public let trainingStatus: String
        public let trainSeconds: Double
        public let bestValidation: Double
        public let learningCurve: [LearningCurvePoint]
    }

    public let root: String

    public init(root: String = (DatasetFetcher.cacheDirectory as NSString).appendingPathComponent("teachers")) {
        self.root = root
    }

    func directory(_ key: String) -> String { (root as NSString).appendingPathComponent(key) }

    public func load(_ key: String) -> (MatrixFactorization, Entry)? {
        let dir = directory(key)
        guard let data = FileManager.default.contents(atPath: (dir as NSString).appendingPathComponent("training.json")),
              let entry = try? JSONDecoder().decode(Entry.self, from: data),
              let model = try? ModelCheckpoint.readMatrixFactorization(from: (dir as NSString).appendingPathComponent("model.bin"))
        else { return nil }
        return (model, entry)
    }

    /// Stores the model first and the entry last, so a half-written entry is never loaded.
    public func store(_ model: MatrixFactorization, _ entry: Entry) throws {
        let dir = directory(entry.cacheKey)
        try ModelCheckpoint.write(model, to: (dir as NSString).appendingPathComponent("model.bin"))
        try AtomicFile.write(try CanonicalJSON.pretty(entry), to: (dir as NSString).appendingPathComponent("training.json"))
    }
}
