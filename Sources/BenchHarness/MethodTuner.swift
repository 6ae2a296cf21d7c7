import DistillKit
import Foundation

/// A validation search over one method's hyperparameters on every dataset of a suite
/// (`bench tune --suite FILE --method KEY --grid name=v1,v2 ...`).
///
/// Each grid point is a variant of the method run at one student size and seed, with the
/// suite's training (tuned settings included), through the normal suite runner in a scratch
/// results directory: teachers come from the cache, an interrupted search resumes, and a
/// failed point is recorded as failed.  Runs are validation-only: test is never evaluated.
/// A point starts from the hyperparameters the suite would use on that dataset (an earlier
/// search's choice, then the suite's explicit values) and sets the grid's names on top, so
/// searches can be chained one setting at a time.
public struct MethodTuner {
    public let suite: Suite
    public let method: String
    public let grid: [(name: String, values: [ConfigValue])]
    public let dimension: Int
    public let seed: UInt64
    /// Scratch results directories go under here, one per dataset.
    public let scratchRoot: String
    /// The folder of per-dataset settings files the search writes to: an earlier choice there
    /// is the starting point when the suite itself does not read that folder.
    public let settingsFolder: String?
    public let teachers: TeacherCache

    public init(suite: Suite, method: String, grid: [(name: String, values: [ConfigValue])], dimension: Int, seed: UInt64,
                scratchRoot: String, settingsFolder: String? = nil, teachers: TeacherCache = TeacherCache()) throws {
        let type = try MethodRegistry.type(for: method)
        for (name, values) in grid {
            guard type.defaults[name] != nil else {
                throw HarnessError("--grid \(name): method '\(method)' has no hyperparameter '\(name)'; it has: \(type.defaults.keys.sorted().joined(separator: ", "))")
            }
            guard !values.isEmpty else { throw HarnessError("--grid \(name): give at least one value (name=v1,v2,...)") }
        }
        guard Set(grid.map(\.name)).count == grid.count else { throw HarnessError("--grid: a hyperparameter is given twice; list all its values in one --grid name=v1,v2") }
        self.suite = suite
        self.method = method
        self.grid = grid
        self.dimension = dimension
        self.seed = seed
        self.scratchRoot = scratchRoot
        self.settingsFolder = settingsFolder
        self.teachers = teachers
    }

    /// `--grid name=v1,v2`: numbers stay numbers, true/false are booleans, anything else a string.
    public static func parseGrid(_ entries: [String]) throws -> [(name: String, values: [ConfigValue])] {
        try entries.map { e in
            let parts = e.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw HarnessError("--grid '\(RunKeyName.short(e))': expected name=v1,v2,... (e.g. --grid lambda=0.001,0.01)")
            }
            let values = parts[1].split(separator: ",", omittingEmptySubsequences: false).map { raw -> ConfigValue in
                let v = raw.trimmingCharacters(in: .whitespaces)
                if let d = Double(v), d.isFinite { return .number(d) }
                if v == "true" || v == "false" { return .bool(v == "true") }
                return .string(v)
            }
            if values.contains(.string("")) { throw HarnessError("--grid \(parts[0]): an empty value in '\(RunKeyName.short(parts[1]))'") }
            return (parts[0], values)
        }
    }


    /// The suite's entry for this method (its explicit values), or a bare one.
    var baseSpec: Suite.MethodSpec { suite.methods.first { $0.key == method } ?? Suite.MethodSpec(key: method) }

    /// Every grid point on `dataset`: the base hyperparameters with the grid's values set, and
    /// a variant name spelling the grid's values.
    public func points(on dataset: String) throws -> [(variant: String, hyperparameters: [String: ConfigValue])] {
        var combos: [[(String, ConfigValue)]] = [[]]
        for (name, values) in grid { combos = combos.flatMap { c in values.map { c + [(name, $0)] } } }
        var base = suite.hyperparameters(of: baseSpec, on: dataset)
        if suite.tunedTraining[dataset]?.methods[method] == nil, let folder = settingsFolder {
            let path = (folder as NSString).appendingPathComponent("\(dataset).yaml")
            if FileManager.default.fileExists(atPath: path), let earlier = try TunedSettings.read(path).methods?[method]?.chosen {
                base = earlier.merging(baseSpec.hyperparameters) { _, explicit in explicit }
            }
        }
        return try combos.enumerated().map { k, combo in
            var hp = base
            for (n, v) in combo { hp[n] = v }
            _ = try MethodRegistry.make(method, hyperparameters: hp)   // refuse a bad value before any training
            let spelled = ([method] + combo.map { "\($0.0)\($0.1)" }).joined(separator: "-")
            let variant = RunKeyName.refusal(spelled, as: "variant") == nil ? spelled : "\(method)-grid\(k)"
            return (variant, try MethodRegistry.type(for: method).resolve(hp))
        }
    }

    /// The suite that runs the points on one dataset: one seed, one size, the teacher and each point.
    public func searchSuite(on dataset: Suite.DatasetSpec) throws -> Suite {
        var s = suite
        s.name = RunKeyName.sanitized("tune-\(suite.name)-\(method)-\(dataset.name)")
        s.datasets = [dataset]
        s.seeds = [seed]
        s.phis = [Double(dimension) / Double(suite.teacherDimension)]
        guard s.studentDimension(phi: s.phis[0]) == dimension else {
            throw HarnessError("--dim \(dimension) is not reachable from teacher_dim \(suite.teacherDimension)")
        }
        s.methods = try points(on: dataset.name).map { Suite.MethodSpec(key: method, hyperparameters: $0.hyperparameters, name: $0.variant) }
        try s.validate()
        return s
    }

    /// Runs the search on every dataset of the suite and returns each dataset's search.
    public func run(threads: Int?, progress: ProgressReporter) throws -> [String: TunedSettings.MethodSearch] {
        var out: [String: TunedSettings.MethodSearch] = [:]
        for d in suite.datasets {
            let s = try searchSuite(on: d)
            let store = ResultsStore(root: (scratchRoot as NSString).appendingPathComponent(s.name))
            progress.log("search \(method) on \(d.name): \(s.methods.count) point(s) at d=\(dimension), seed \(seed), validation only, in \(store.root)")
            try SuiteRunner(suite: s, store: store, threads: threads, progress: progress, teachers: teachers, validationOnly: true).run()
            let selection = "validation \(suite.evaluationProtocol.selectionMetric)"
            var points: [TunedSettings.MethodSearch.Point] = []
            for m in s.methods {
                let key = RunSpec.key(dataset: d.name, family: s.family, variant: m.name!, dimension: dimension, seed: seed)
                switch store.previousRecord(key) {
                case .finished(let r):
                    points.append(.init(hyperparameters: r.spec.hyperparameters, bestEpoch: r.selectedEpoch, epochsRun: r.epochsRun,
                                        validation: r.validation[suite.evaluationProtocol.selectionMetric], failure: nil))
                case .failed(let r):
                    points.append(.init(hyperparameters: m.hyperparameters, bestEpoch: 0, epochsRun: r.epochsRun, validation: nil, failure: r.failure))
                case .unreadable(let why):
                    points.append(.init(hyperparameters: m.hyperparameters, bestEpoch: 0, epochsRun: 0, validation: nil, failure: why))
                case .none:
                    points.append(.init(hyperparameters: m.hyperparameters, bestEpoch: 0, epochsRun: 0, validation: nil, failure: "no record written"))
                }
            }
            let training = s.training(for: d.name, .student)
            out[d.name] = try TunedSettings.MethodSearch(grid: points, dimension: dimension, seed: seed, training: .init(training),
                                                         maxEpochs: training.maxEpochs, selection: selection)
        }
        return out
    }

    /// Records `search` for `dataset` in `folder/<dataset>.yaml` (created if absent), extending
    /// an earlier search made the same way; returns the file's path and the search as recorded.
    public func write(_ search: TunedSettings.MethodSearch, dataset: String, folder: String) throws -> (String, TunedSettings.MethodSearch) {
        let path = (folder as NSString).appendingPathComponent("\(dataset).yaml")
        var file = FileManager.default.fileExists(atPath: path) ? try TunedSettings.read(path)
            : TunedSettings(dataset: dataset, family: suite.family, evaluationProtocol: suite.evaluationProtocol)
        guard file.dataset == dataset, file.evaluationProtocol == suite.evaluationProtocol, file.family == suite.family else {
            throw HarnessError("\(path) holds settings for \(file.dataset), \(file.family), \(file.evaluationProtocol.rawValue), not \(dataset), \(suite.family), \(suite.evaluationProtocol.rawValue); write to another folder")
        }
        var methods = file.methods ?? [:]
        methods[method] = try methods[method].map { try $0.extended(by: search) } ?? search
        file.methods = methods
        try AtomicFile.makeDirectory(folder)
        try file.write(path)
        return (path, methods[method]!)
    }
}
