/// A hyperparameter value as written in suite files and records.
public enum ConfigValue: Codable, Sendable, Hashable, CustomStringConvertible {
    case number(Double)
    case string(String)
    case bool(Bool)

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else { self = .string(try c.decode(String.self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        // Whole numbers as integers (K: 40, not 4e+1, in YAML); JSON spells both alike, so
        // config hashes do not change.
        case .number(let d): if d == d.rounded() && abs(d) < 1e15 { try c.encode(Int64(d)) } else { try c.encode(d) }
        case .string(let s): try c.encode(s)
        case .bool(let b): try c.encode(b)
        }
    }

    public var description: String {
        switch self {
        case .number(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
        case .string(let s): return s
        case .bool(let b): return String(b)
        }
    }

    public var number: Double? { if case .number(let d) = self { return d } else { return nil } }
}

/// One mini-batch of BPR triples as the trainer built it: triple k is (users[k], positives[k],
/// negatives[k]), so with n negatives per positive each (user, positive) appears n times.
public struct TrainingBatch: Sendable {
    public let epoch: Int
    public let index: Int
    public let users: [Int32]
    public let positives: [Int32]
    public let negatives: [Int32]
}

/// What a method sees while the student trains.
public struct DistillationContext: Sendable {
    public let student: any TrainableModel
    public let teacher: (any RankingModel)?
    /// The teacher's derived lists (top-N per user / per item), computed once per teacher.
    public let artefacts: TeacherArtefacts?
    public let split: Split
    public let seed: UInt64
    public let threads: Int
    public let training: TrainingConfig
    public var maxEpochs: Int { training.maxEpochs }

    public init(student: any TrainableModel, teacher: (any RankingModel)?, artefacts: TeacherArtefacts? = nil, split: Split,
                seed: UInt64, threads: Int, training: TrainingConfig) {
        self.student = student
        self.teacher = teacher
        self.artefacts = artefacts ?? teacher.map { TeacherArtefacts(teacher: $0, train: split.train, threads: threads) }
        self.split = split
        self.seed = seed
        self.threads = threads
        self.training = training
    }

    /// The teacher's artefacts, or an error naming the method that needed them.
    public func requireArtefacts(_ method: String) throws -> TeacherArtefacts {
        guard let a = artefacts else { throw MethodError.missingTeacher(method: method) }
        return a
    }
}

/// A distillation method: one small type behind this protocol, registered in `MethodRegistry`.
/// The trainer calls `prepare` once, `beginEpoch` every epoch and `addLoss` every batch; the
/// method adds its loss and its score gradients (and, for latent methods, its own modules'
/// updates) without knowing about any other method.
public protocol DistillationMethod: AnyObject, SendableMetatype {
    /// The key used in suite files and run keys (`rrd`, `de-rrd`, ...).
    static var key: String { get }
    static var summary: String { get }
    /// The paper and the code this implementation follows (`bench list methods`).
    static var source: String { get }
    static var requiresTeacher: Bool { get }
    /// Part of every run's identity: bump it when a fix changes what the method computes, and
    /// exactly the runs of this method rerun.
    static var version: Int { get }
    /// Defaults of every hyperparameter; a suite may override any of them, and nothing else.
    static var defaults: [String: ConfigValue] { get }

    init(hyperparameters: [String: ConfigValue]) throws

    /// Resolved hyperparameters (defaults + overrides), recorded in every run.
    var hyperparameters: [String: ConfigValue] { get }
    /// Where this implementation deviates from the paper or the authors' code.
    var deviations: [String] { get }
    /// Parameters of training-only modules (reported as overhead, not inference size).
    var trainingOnlyParameterCount: Int { get }

    func prepare(_ context: DistillationContext) throws
    func beginEpoch(_ epoch: Int, _ context: DistillationContext) throws
    /// Adds this method's loss for the batch; returns its value (summed, as the authors do).
    func addLoss(_ batch: TrainingBatch, _ context: DistillationContext, gradients: inout ScoreGradients) -> Double
}

extension DistillationMethod {
    public static var version: Int { 1 }
    public var deviations: [String] { [] }
    public var trainingOnlyParameterCount: Int { 0 }
    public func prepare(_ context: DistillationContext) throws {}
    public func beginEpoch(_ epoch: Int, _ context: DistillationContext) throws {}

    /// Defaults overlaid with `overrides`; unknown names are an error that lists the known ones.
    public static func resolve(_ overrides: [String: ConfigValue]) throws -> [String: ConfigValue] {
        var out = defaults
        for (k, v) in overrides {
            guard defaults[k] != nil else {
                let known = defaults.keys.sorted().joined(separator: ", ")
                throw MethodError.unknownHyperparameter(method: key, name: k, known: known.isEmpty ? "(none)" : known)
            }
            out[k] = v
        }
        return out
    }

    /// Hyperparameter `name` of resolved `values` as a number within `range` (and whole, if
    /// `integer`), or an error that names the method, the value and what is allowed.
    public static func number(_ values: [String: ConfigValue], _ name: String, in range: ClosedRange<Double>,
                              integer: Bool = false) throws -> Double {
        guard let v = values[name]?.number, v.isFinite else {
            throw MethodError.badValue(method: key, name: name, reason: "'\(values[name]?.description ?? "missing")' is not a number")
        }
        guard range.contains(v), !integer || v == v.rounded() else {
            let kind = integer ? "a whole number" : "a number"
            throw MethodError.badValue(method: key, name: name, reason: "\(v) is out of range; use \(kind) in [\(range.lowerBound), \(range.upperBound)]")
        }
        return v
    }

    /// Hyperparameter `name` as a whole number within `range`.
    public static func integer(_ values: [String: ConfigValue], _ name: String, in range: ClosedRange<Int>) throws -> Int {
        Int(try number(values, name, in: Double(range.lowerBound)...Double(range.upperBound), integer: true))
    }

    /// Hyperparameter `name` as one of `choices` (a paper-vs-code switch).
    public static func choice(_ values: [String: ConfigValue], _ name: String, _ choices: [String]) throws -> String {
        guard case .string(let s)? = values[name], choices.contains(s) else {
            throw MethodError.badValue(method: key, name: name, reason: "'\(values[name]?.description ?? "missing")' is not one of \(choices.joined(separator: ", "))")
        }
        return s
    }
}

public enum MethodError: Error, CustomStringConvertible, Equatable {
    case unknownMethod(String, known: [String])
    case unknownHyperparameter(method: String, name: String, known: String)
    case badValue(method: String, name: String, reason: String)
    case missingTeacher(method: String)

    public var description: String {
        switch self {
        case .unknownMethod(let k, let known): return "unknown method '\(k)'; known methods: \(known.joined(separator: ", ")) (see `bench list methods`)"
        case .unknownHyperparameter(let m, let n, let known): return "method '\(m)' has no hyperparameter '\(n)'; it has: \(known)"
        case .badValue(let m, let n, let r): return "method '\(m)', hyperparameter '\(n)': \(r)"
        case .missingTeacher(let m): return "method '\(m)' needs a teacher, and none was given"
        }
    }
}

extension TrainingBatch {
    /// The batch's users, each once, in order of first appearance (`users` repeats a user once
    /// per positive and per negative): the rows that per-user distillation terms sum over.
    public var uniqueUsers: [Int32] { Self.firstAppearances(users) }

    /// The batch's positive items, each once, in order of first appearance.
    public var uniquePositives: [Int32] { Self.firstAppearances(positives) }

    static func firstAppearances(_ values: [Int32]) -> [Int32] {
        var seen = Set<Int32>(), out: [Int32] = []
        for v in values where seen.insert(v).inserted { out.append(v) }
        return out
    }
}
