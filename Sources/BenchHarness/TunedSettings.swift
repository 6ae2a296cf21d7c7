import DistillKit
import Foundation
import Yams

/// The training settings a validation search chose for one dataset, and the search itself:
/// `benchmarks/hparams/<dataset>.yaml`, written by `bench tune --write` and read by suites that
/// name the folder (`hparams: hparams`).  Teachers and students are searched separately (their
/// best settings differ), and only the searched settings are kept: the budget (max epochs,
/// validation cadence, patience) stays the suite's.
public struct TunedSettings: Codable, Sendable, Hashable {
    public static let currentFormat = 1

    /// The searched part of a `TrainingConfig`.
    public struct Settings: Codable, Sendable, Hashable {
        public var learningRate: Float
        public var weightDecay: Float
        public var batchSize: Int
        public var negatives: Int
        public var initStd: Float

        enum CodingKeys: String, CodingKey {
            case learningRate = "lr", weightDecay = "weight_decay", batchSize = "batch_size", negatives, initStd = "init_std"
        }

        /// Floats go out as the shortest decimal that reads back as the same Float (0.01, not
        /// 9.99999977648258e-3), so the file reads like the command that made it.
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            func decimal(_ x: Float) -> Double { Double("\(x)")! }
            try c.encode(decimal(learningRate), forKey: .learningRate)
            try c.encode(decimal(weightDecay), forKey: .weightDecay)
            try c.encode(batchSize, forKey: .batchSize)
            try c.encode(negatives, forKey: .negatives)
            try c.encode(decimal(initStd), forKey: .initStd)
        }

        public init(_ c: TrainingConfig) {
            learningRate = c.learningRate; weightDecay = c.weightDecay; batchSize = c.batchSize
            negatives = c.negatives; initStd = c.initStd
        }

        public func applied(to base: TrainingConfig) -> TrainingConfig {
            var c = base
            c.learningRate = learningRate; c.weightDecay = weightDecay; c.batchSize = batchSize
            c.negatives = negatives; c.initStd = initStd
            return c
        }
    }

    /// One grid point: its settings and what validation said.
    public struct Point: Codable, Sendable, Hashable {
        public var settings: Settings
        public var bestEpoch: Int
        public var epochsRun: Int
        public var validation: Double

        enum CodingKeys: String, CodingKey { case settings, bestEpoch = "best_epoch", epochsRun = "epochs_run", validation }

        public init(settings: Settings, bestEpoch: Int, epochsRun: Int, validation: Double) {
            self.settings = settings
            self.bestEpoch = bestEpoch
            self.epochsRun = epochsRun
            self.validation = validation
        }
    }

    /// The search for one role (teacher or student) and its choice: the best validation value.
    public struct Search: Codable, Sendable, Hashable {
        public var chosen: Settings
        public var dimension: Int
        public var seed: UInt64
        public var maxEpochs: Int
        /// e.g. "validation ndcg@20".
        public var selection: String
        public var grid: [Point]

        enum CodingKeys: String, CodingKey { case chosen, dimension = "dim", seed, maxEpochs = "max_epochs", selection, grid }

        /// The search over `grid`, choosing the highest validation value (the first on ties).
        public init(grid: [Point], dimension: Int, seed: UInt64, maxEpochs: Int, selection: String) throws {
            guard let best = grid.max(by: { $0.validation < $1.validation }) else {
                throw HarnessError("an empty grid chooses nothing; give at least one value per setting")
            }
            chosen = grid.first { $0.validation == best.validation }!.settings
            self.grid = grid
            self.dimension = dimension
            self.seed = seed
            self.maxEpochs = maxEpochs
            self.selection = selection
        }

        /// This search extended by `other`'s points when both searched the same way (dimension,
        /// seed, epoch budget, selection): a grid can grow in steps, e.g. past a best value at its
        /// edge, and the choice is made again over every point.  Otherwise `other` replaces it.
        public func extended(by other: Search) throws -> Search {
            guard dimension == other.dimension, seed == other.seed, maxEpochs == other.maxEpochs, selection == other.selection else { return other }
            let added = Set(other.grid.map(\.settings))
            return try Search(grid: grid.filter { !added.contains($0.settings) } + other.grid, dimension: dimension, seed: seed,
                              maxEpochs: maxEpochs, selection: selection)
        }
    }

    /// A validation search over one method's hyperparameters (`bench tune --suite --method
    /// --grid`), each point with every hyperparameter it resolved to, and its choice.
    public struct MethodSearch: Codable, Sendable, Hashable {
        public struct Point: Codable, Sendable, Hashable {
            public var hyperparameters: [String: ConfigValue]
            public var bestEpoch: Int
            public var epochsRun: Int
            /// nil: the run failed (its reason is in `failure`).
            public var validation: Double?
            public var failure: String?

            enum CodingKeys: String, CodingKey { case hyperparameters, bestEpoch = "best_epoch", epochsRun = "epochs_run", validation, failure }

            public init(hyperparameters: [String: ConfigValue], bestEpoch: Int, epochsRun: Int, validation: Double?, failure: String?) {
                self.hyperparameters = hyperparameters
                self.bestEpoch = bestEpoch
                self.epochsRun = epochsRun
                self.validation = validation
                self.failure = failure
            }
        }

        public var chosen: [String: ConfigValue]
        public var dimension: Int
        public var seed: UInt64
        /// The student training settings the search trained with (as they were then).
        public var training: Settings
        public var maxEpochs: Int
        public var selection: String
        public var grid: [Point]

        enum CodingKeys: String, CodingKey { case chosen, dimension = "dim", seed, training, maxEpochs = "max_epochs", selection, grid }

        /// The search over `grid`, choosing the highest validation value (the first on ties).
        public init(grid: [Point], dimension: Int, seed: UInt64, training: Settings, maxEpochs: Int, selection: String) throws {
            let finished = grid.filter { $0.validation != nil }
            guard let best = finished.max(by: { $0.validation! < $1.validation! }) else {
                throw HarnessError("no grid point finished, so nothing can be chosen: \(grid.compactMap(\.failure).first ?? "empty grid")")
            }
            chosen = finished.first { $0.validation == best.validation }!.hyperparameters
            self.grid = grid
            self.dimension = dimension
            self.seed = seed
            self.training = training
            self.maxEpochs = maxEpochs
            self.selection = selection
        }

        /// Extended by `other`'s points when both searched the same way (dimension, seed,
        /// training, budget, selection); a point searched again takes the new result.
        /// Otherwise `other` replaces it.
        public func extended(by other: MethodSearch) throws -> MethodSearch {
            guard dimension == other.dimension, seed == other.seed, training == other.training, maxEpochs == other.maxEpochs,
                  selection == other.selection else { return other }
            let added = Set(other.grid.map(\.hyperparameters))
            return try MethodSearch(grid: grid.filter { !added.contains($0.hyperparameters) } + other.grid, dimension: dimension, seed: seed,
                                    training: training, maxEpochs: maxEpochs, selection: selection)
        }
    }

    public enum Role: String, CaseIterable, Sendable { case teacher, student }

    public var formatVersion = TunedSettings.currentFormat
    public var dataset: String
    public var family: String
    public var evaluationProtocol: EvaluationProtocol
    public var teacher: Search?
    public var student: Search?
    /// Per method key, its hyperparameter search (absent: the method's defaults).
    public var methods: [String: MethodSearch]?

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", dataset, family, evaluationProtocol = "protocol", teacher, student, methods
    }

    public init(dataset: String, family: String, evaluationProtocol: EvaluationProtocol) {
        self.dataset = dataset
        self.family = family
        self.evaluationProtocol = evaluationProtocol
    }

    public subscript(role: Role) -> Search? {
        get { role == .teacher ? teacher : student }
        set { if role == .teacher { teacher = newValue } else { student = newValue } }
    }

    public static func read(_ path: String) throws -> TunedSettings {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw HarnessError("\(path): cannot read the tuned settings; rerun `bench tune --write \(path)`")
        }
        let s: TunedSettings
        do { s = try YAMLDecoder().decode(TunedSettings.self, from: text) } catch {
            throw HarnessError("\(path): not a tuned-settings file (\(RunKeyName.short("\(error)", 120))); rerun `bench tune --write \(path)` or restore it from git")
        }
        guard s.formatVersion == currentFormat else {
            throw HarnessError("\(path): format \(s.formatVersion), this bench reads \(currentFormat); rerun `bench tune --write \(path)`")
        }
        return s
    }

    /// Sorted keys and one value per line, so the file diffs like code.
    public func write(_ path: String) throws {
        let encoder = YAMLEncoder()
        encoder.options.sortKeys = true
        let text = "# Written by `bench tune --write`; chosen on validation only (docs/tuning.md).\n" + (try encoder.encode(self))
        try AtomicFile.write(text, to: path)
    }
}
