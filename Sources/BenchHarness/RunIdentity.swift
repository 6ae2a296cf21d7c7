import DistillKit
import Foundation

/// Everything that determines a run's results, and nothing else: its SHA-256 is the record's
/// `configHash`, so a finished run is reused exactly when this is unchanged.
///
/// The data enters by content (`dataSource`), not by path: an edited file reruns its runs, a
/// moved one does not.  Latency settings stay out (they retrain nothing).  The family's and the
/// method's versions are in, so a fix that bumps one reruns exactly the runs it affects.  Coding
/// keys are spelled out so a Swift rename can never change a hash silently.
public struct RunIdentity: Codable, Sendable, Hashable {
    /// Bump when the meaning of a field changes: every run reruns.
    public static let schemaVersion = 2

    public var schema = RunIdentity.schemaVersion
    public var dataset: String
    public var dataSource: String
    public var readerOptions: InteractionFileOptions
    public var evaluationProtocol: EvaluationProtocol
    public var family: String
    public var familyVersion: Int
    public var method: String
    public var methodVersion: Int
    public var variant: String
    public var hyperparameters: [String: ConfigValue]
    public var teacherDimension: Int
    public var dimension: Int
    public var phi: Double
    public var seed: UInt64
    public var training: TrainingConfig
    public var teacherTraining: TrainingConfig

    enum CodingKeys: String, CodingKey {
        case schema, dataset, dataSource = "data_source", readerOptions = "reader_options", evaluationProtocol = "protocol"
        case family, familyVersion = "family_version", method, methodVersion = "method_version", variant, hyperparameters
        case teacherDimension = "teacher_dim", dimension = "dim", phi, seed, training, teacherTraining = "teacher_training"
    }

    public func hash() throws -> String { SHA256.hex(try CanonicalJSON.encode(self)) }

    /// What differs from `old`, one "field: old → new" line per changed value, for the log line
    /// that says why a run reruns.
    public func changes(from old: RunIdentity) -> [String] {
        func tree(_ x: RunIdentity) -> Any? {
            (try? CanonicalJSON.encode(x)).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8), options: [.fragmentsAllowed]) }
        }
        var out: [String] = []
        func walk(_ a: Any?, _ b: Any?, _ path: String) {
            if let da = a as? [String: Any], let db = b as? [String: Any] {
                for k in Set(da.keys).union(db.keys).sorted() { walk(da[k], db[k], path.isEmpty ? k : "\(path).\(k)") }
                return
            }
            let sa = a.map { "\($0)" } ?? "(none)", sb = b.map { "\($0)" } ?? "(none)"
            if sa != sb { out.append("\(path): \(Self.short(sa)) → \(Self.short(sb))") }
        }
        walk(tree(old), tree(self), "")
        return out
    }

    static func short(_ s: String) -> String { s.count > 40 ? String(s.prefix(37)) + "…" : s }
}
