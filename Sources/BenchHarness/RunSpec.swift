import DistillKit
import Foundation

/// One concrete run: a (dataset, method, size, seed) cell of a suite, fully resolved.
public struct RunSpec: Codable, Sendable, Hashable {
    public var dataset: Suite.DatasetSpec
    public var evaluationProtocol: EvaluationProtocol
    /// `teacher` or a registered method key.
    public var method: String
    public var hyperparameters: [String: ConfigValue]
    public var family: String
    public var teacherDimension: Int
    public var dimension: Int
    public var phi: Double
    public var seed: UInt64
    public var training: TrainingConfig
    public var teacherTraining: TrainingConfig
    public var latency: LatencySettings

    public var isTeacher: Bool { method == MethodRegistry.teacherKey }

    /// A deterministic, file-system-safe key: dataset__method__d<dim>__seed<N>.
    public var key: String { RunSpec.key(dataset: dataset.name, method: method, dimension: dimension, seed: seed) }

    public static func key(dataset: String, method: String, dimension: Int, seed: UInt64) -> String {
        "\(dataset)__\(method)__d\(dimension)__seed\(seed)"
    }

    /// SHA-256 of the canonical JSON of this spec: a finished record with the same hash is reused.
    public var configHash: String { SHA256.hex(CanonicalJSON.encode(self)) }

    /// The teacher's cache key: everything that determines the teacher's parameters.  The BLAS
    /// kernel is part of it because validation scoring (BLAS) picks the checkpoint.
    public func teacherCacheKey(datasetHash: String, splitHash: String, blasCore: String) -> String {
        SHA256.hex("teacher-v1|\(family)|\(teacherDimension)|\(evaluationProtocol.rawValue)|\(seed)|\(datasetHash)|\(splitHash)|\(blasCore)|" + CanonicalJSON.encode(teacherTraining))
    }
}

extension Suite {
    /// Every run of the suite in a fixed order: per dataset and seed, the teacher, then each
    /// method at each size.
    public func expand() -> [RunSpec] {
        var runs: [RunSpec] = []
        var teacherTraining = training
        teacherTraining.dimension = teacherDimension
        for d in datasets {
            for seed in seeds {
                func spec(_ method: String, _ hp: [String: ConfigValue], _ dim: Int, _ phi: Double) -> RunSpec {
                    var t = training
                    t.dimension = dim
                    return RunSpec(dataset: d, evaluationProtocol: evaluationProtocol, method: method, hyperparameters: hp,
                                   family: family, teacherDimension: teacherDimension, dimension: dim, phi: phi, seed: seed,
                                   training: t, teacherTraining: teacherTraining, latency: latency)
                }
                runs.append(spec(MethodRegistry.teacherKey, [:], teacherDimension, 1))
                for m in methods {
                    let resolved = (try? MethodRegistry.type(for: m.key).resolve(m.hyperparameters)) ?? m.hyperparameters
                    for phi in phis { runs.append(spec(m.key, resolved, studentDimension(phi: phi), phi)) }
                }
            }
        }
        return runs
    }
}

/// JSON with sorted keys and no whitespace: the same value always gives the same bytes.
public enum CanonicalJSON {
    public static func encode<T: Encodable>(_ value: T) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? e.encode(value)) ?? Data(), as: UTF8.self)
    }

    /// Pretty, sorted: for files people read and diff.
    public static func pretty<T: Encodable>(_ value: T) throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var d = try e.encode(value)
        d.append(0x0A)
        return d
    }
}
