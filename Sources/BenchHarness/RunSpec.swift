import DistillKit
import Foundation

/// One concrete run: a (dataset, family, method variant, size, seed) cell of a suite, fully
/// resolved.
public struct RunSpec: Codable, Sendable, Hashable {
    public var dataset: Suite.DatasetSpec
    public var evaluationProtocol: EvaluationProtocol
    /// `teacher` or a registered method key.
    public var method: String
    /// What the run key calls this configuration of the method: the method key when every
    /// hyperparameter is at its default, else the suite's explicit `name:`, else
    /// `<key>-<digest of the non-default hyperparameters>`.
    public var variant: String
    public var hyperparameters: [String: ConfigValue]
    public var family: String
    public var teacherDimension: Int
    public var dimension: Int
    public var phi: Double
    public var seed: UInt64
    public var training: TrainingConfig
    public var teacherTraining: TrainingConfig
    /// The tuned-settings file `training`, `teacherTraining` and tuned method hyperparameters
    /// took their values from, if any (the values themselves are in the configs, the
    /// hyperparameters and the identity).
    public var trainingSource: String?
    /// How latency is probed: not part of the run's identity (changing it retrains nothing).
    public var latency: LatencySettings

    enum CodingKeys: String, CodingKey {
        case dataset, evaluationProtocol, method, variant, hyperparameters, family, teacherDimension, dimension, phi, seed
        case training, teacherTraining, trainingSource, latency
    }

    public var isTeacher: Bool { method == MethodRegistry.teacherKey }

    /// A deterministic, file-system-safe key naming everything that tells two runs apart:
    /// `dataset__family__variant__d<dim>__seed<N>`.
    public var key: String { RunSpec.key(dataset: dataset.name, family: family, variant: variant, dimension: dimension, seed: seed) }

    /// The key without the seed: the cell whose seeds are averaged, compared and plotted together.
    public var cellKey: String { "\(dataset.name)__\(family)__\(variant)__d\(dimension)" }

    public static func key(dataset: String, family: String, variant: String, dimension: Int, seed: UInt64) -> String {
        "\(dataset)__\(family)__\(variant)__d\(dimension)__seed\(seed)"
    }

    /// The key of this run's teacher row.
    public var teacherKey: String {
        RunSpec.key(dataset: dataset.name, family: family, variant: MethodRegistry.teacherKey, dimension: teacherDimension, seed: seed)
    }

    /// Everything that determines this run's results, given what its data is.
    public func identity(dataSource: String) throws -> RunIdentity {
        RunIdentity(dataset: dataset.name, dataSource: dataSource, readerOptions: dataset.options, evaluationProtocol: evaluationProtocol,
                    family: family, familyVersion: ModelFamily.versions[family] ?? 0,
                    method: method, methodVersion: isTeacher ? 0 : try MethodRegistry.type(for: method).version,
                    variant: variant, hyperparameters: hyperparameters, teacherDimension: teacherDimension, dimension: dimension,
                    phi: phi, seed: seed, training: training, teacherTraining: teacherTraining)
    }

    /// The teacher's cache key: everything that determines the teacher's parameters.  The BLAS
    /// kernel is part of it because validation scoring (BLAS) picks the checkpoint.
    public func teacherCacheKey(datasetHash: String, splitHash: String, blasCore: String) throws -> String {
        SHA256.hex("teacher-v2|\(family)|v\(ModelFamily.versions[family] ?? 0)|\(teacherDimension)|\(evaluationProtocol.rawValue)|\(seed)|\(datasetHash)|\(splitHash)|\(blasCore)|"
                   + (try CanonicalJSON.encode(teacherTraining)))
    }
}

/// Names that become parts of paths (dataset names, method variant names): checked when a suite
/// is read, so no name can escape the results directory or nest runs where nothing finds them.
public enum RunKeyName {
    public static let rule = "1-64 characters from A-Z a-z 0-9 . _ -, starting with a letter or digit, without '__'"

    /// Nil if `name` is allowed, else why not.
    public static func problem(_ name: String) -> String? {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !name.isEmpty, name.count <= 64 else { return "must have 1-64 characters" }
        if let bad = name.first(where: { !allowed.contains($0) }) { return "character '\(bad)' is not allowed" }
        guard name.first!.isLetter || name.first!.isNumber else { return "must start with a letter or digit" }
        if name.contains("__") { return "'__' separates the parts of a run key" }
        return nil
    }

    /// Nil if `name` is allowed, else the reason for an error message about a `what` name.
    public static func refusal(_ name: String, as what: String) -> String? {
        problem(name).map { "'\(short(name))': \($0); a \(what) name is \(rule)" }
    }

    /// A value cut to a short excerpt for an error message.
    public static func short(_ s: String, _ limit: Int = 60) -> String { s.count > limit ? String(s.prefix(limit - 1)) + "…" : s }

    /// `name` with every disallowed character replaced by '-' (for names derived from file names).
    public static func sanitized(_ name: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        var s = String(name.map { allowed.contains($0) ? $0 : "-" }.prefix(64))
        while s.contains("__") { s = s.replacingOccurrences(of: "__", with: "_") }
        if let f = s.first, !(f.isLetter || f.isNumber) { s = "d" + s.dropFirst() }
        return s.isEmpty ? "dataset" : s
    }
}

extension Suite {
    /// Every run of the suite in a fixed order: per dataset and seed, the teacher, then each
    /// method at each size.  Two entries that would share a run key are an error naming both.
    public func expand() throws -> [RunSpec] {
        var runs: [RunSpec] = []
        var origin: [String: String] = [:]
        var variants: [(variant: String, hyperparameters: [String: ConfigValue])] = []
        for (k, m) in methods.enumerated() {
            let type = try MethodRegistry.type(for: m.key)
            let resolved: [String: ConfigValue]
            do { resolved = try type.resolve(m.hyperparameters) } catch { throw SuiteError(file: "", field: "methods[\(k)]", reason: "\(error)") }
            let nonDefault = resolved.filter { type.defaults[$0.key] != $0.value }
            let variant = try m.name ?? (nonDefault.isEmpty ? m.key : "\(m.key)-\(String(SHA256.hex(try CanonicalJSON.encode(nonDefault)).prefix(8)))")
            variants.append((variant, resolved))
        }
        for d in datasets {
            for seed in seeds {
                func add(_ method: String, _ variant: String, _ hp: [String: ConfigValue], _ dim: Int, _ phi: Double, from: String) throws {
                    let spec = RunSpec(dataset: d, evaluationProtocol: evaluationProtocol, method: method, variant: variant, hyperparameters: hp,
                                       family: family, teacherDimension: teacherDimension, dimension: dim, phi: phi, seed: seed,
                                       training: self.training(for: d.name, method == MethodRegistry.teacherKey ? .teacher : .student),
                                       teacherTraining: self.training(for: d.name, .teacher),
                                       trainingSource: tunedTraining[d.name]?.source, latency: latency)
                    if let other = origin[spec.key] {
                        throw SuiteError(file: "", field: from, reason: "gives the same run key \(spec.key) as \(other); "
                                         + "give the sizes distinct dimensions, or each configuration of a method its own `name:`")
                    }
                    origin[spec.key] = from
                    runs.append(spec)
                }
                try add(MethodRegistry.teacherKey, MethodRegistry.teacherKey, [:], teacherDimension, 1, from: "teacher_dim (\(teacherDimension))")
                for (k, m) in methods.enumerated() {
                    // The variant is named from the suite's own values; a tuned choice is in
                    // the hyperparameters (and so the identity) and `trainingSource` names its file.
                    let hp: [String: ConfigValue]
                    do { hp = try MethodRegistry.type(for: m.key).resolve(hyperparameters(of: m, on: d.name)) } catch {
                        throw SuiteError(file: "", field: "hparams", reason: "\(tunedTraining[d.name]?.source ?? "") (\(m.key)): \(error)")
                    }
                    for (j, phi) in phis.enumerated() {
                        let dim = studentDimension(phi: phi)
                        try add(m.key, variants[k].variant, hp, dim, phi,
                                from: "methods[\(k)] (\(variants[k].variant)) at phi[\(j)] = \(phi) (d=\(dim))")
                    }
                }
            }
        }
        return runs
    }
}

/// JSON with sorted keys and no whitespace: the same value always gives the same bytes.
public enum CanonicalJSON {
    /// Throws rather than hashing nothing: a value that cannot be encoded (NaN, infinity) must
    /// never get an identity.
    public static func encode<T: Encodable>(_ value: T) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do { return String(decoding: try e.encode(value), as: UTF8.self) } catch let EncodingError.invalidValue(v, context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw HarnessError("\(path): \(v) cannot be recorded (only finite numbers can); fix this value")
        }
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
