import DistillKit
import Foundation

/// A suite file (benchmarks/*.yaml): what to run.  One protocol per suite, because results of
/// different protocols never share a results directory, table or golden check.
public struct Suite: Codable, Sendable, Hashable {
    public struct DatasetSpec: Codable, Sendable, Hashable {
        /// A built-in name (`ml-100k`, `synthetic-*`) or a label for a user file.
        public var name: String
        /// As written in the suite file (relative paths are relative to the suite file's folder).
        public var path: String?
        public var options = InteractionFileOptions()
        /// `path` resolved against the suite file's folder; not recorded, since the same suite
        /// run from another folder or clone is the same run.
        public var resolvedPath: String?

        enum CodingKeys: String, CodingKey { case name, path, options }

        public init(name: String, path: String? = nil, relativeTo folder: String? = nil) {
            self.name = name
            self.path = path
            if let path, let folder, !path.hasPrefix("/") {
                resolvedPath = ((folder as NSString).appendingPathComponent(path) as NSString).standardizingPath
            } else {
                resolvedPath = path
            }
        }

        /// The catalog name to load.
        public var source: String { (resolvedPath ?? path).map { "file:\($0)" } ?? name }
    }

    public struct MethodSpec: Codable, Sendable, Hashable {
        public var key: String
        public var hyperparameters: [String: ConfigValue] = [:]
        /// The variant name in run keys, for two configurations of one method in one suite.
        public var name: String?

        public init(key: String, hyperparameters: [String: ConfigValue] = [:], name: String? = nil) {
            self.key = key
            self.hyperparameters = hyperparameters
            self.name = name
        }
    }

    public var name: String
    public var datasets: [DatasetSpec]
    public var evaluationProtocol: EvaluationProtocol = .holdout
    public var family = "bpr-mf"
    public var teacherDimension = 200
    /// Student sizes as ratios of the teacher dimension (rounded to the nearest integer >= 1).
    public var phis: [Double] = [0.025, 0.05, 0.1]
    public var seeds: [UInt64] = [0, 1, 2]
    public var methods: [MethodSpec] = [MethodSpec(key: "student")]
    public var training = TrainingDefaults.bprMF()
    /// Per dataset, the settings a validation search chose (from the `hparams:` folder); they
    /// replace the searched part of `training` for that dataset's teachers and students.
    public var tunedTraining: [String: TunedTraining] = [:]
    public var latency = LatencySettings()
    public var threads = 2

    /// The chosen settings of one dataset and the file they came from (as the suite names it).
    public struct TunedTraining: Codable, Sendable, Hashable {
        public var source: String
        public var teacher: TunedSettings.Settings?
        public var student: TunedSettings.Settings?
        /// Per method key, the hyperparameters its validation search chose; a suite's explicit
        /// hyperparameters override them.
        public var methods: [String: [String: ConfigValue]] = [:]

        public init(source: String, teacher: TunedSettings.Settings?, student: TunedSettings.Settings?, methods: [String: [String: ConfigValue]] = [:]) {
            self.source = source
            self.teacher = teacher
            self.student = student
            self.methods = methods
        }

        enum CodingKeys: String, CodingKey { case source, teacher, student, methods }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            source = try c.decode(String.self, forKey: .source)
            teacher = try c.decodeIfPresent(TunedSettings.Settings.self, forKey: .teacher)
            student = try c.decodeIfPresent(TunedSettings.Settings.self, forKey: .student)
            methods = try c.decodeIfPresent([String: [String: ConfigValue]].self, forKey: .methods) ?? [:]
        }
    }

    /// The hyperparameters method entry `m` runs with on `dataset`: the tuned choice for that
    /// dataset (if any) overlaid with the suite's explicit values.
    public func hyperparameters(of m: MethodSpec, on dataset: String) -> [String: ConfigValue] {
        (tunedTraining[dataset]?.methods[m.key] ?? [:]).merging(m.hyperparameters) { _, explicit in explicit }
    }

    /// The training config of `role` on `dataset`: the suite's, with the tuned settings applied.
    public func training(for dataset: String, _ role: TunedSettings.Role) -> TrainingConfig {
        let tuned = tunedTraining[dataset].flatMap { role == .teacher ? $0.teacher : $0.student }
        return tuned?.applied(to: training) ?? training
    }

    public func studentDimension(phi: Double) -> Int { max(1, Int((Double(teacherDimension) * phi).rounded())) }

    public init(name: String, datasets: [DatasetSpec]) {
        self.name = name
        self.datasets = datasets
    }

    enum CodingKeys: String, CodingKey {
        case name, datasets, evaluationProtocol, family, teacherDimension, phis, seeds, methods, training, tunedTraining, latency, threads
    }

    /// A field added after a manifest was written takes its default, so a results directory
    /// stays readable when the suite grows a setting (its runs rerun only if their identity changed).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        datasets = try c.decode([DatasetSpec].self, forKey: .datasets)
        evaluationProtocol = try c.decodeIfPresent(EvaluationProtocol.self, forKey: .evaluationProtocol) ?? evaluationProtocol
        family = try c.decodeIfPresent(String.self, forKey: .family) ?? family
        teacherDimension = try c.decodeIfPresent(Int.self, forKey: .teacherDimension) ?? teacherDimension
        phis = try c.decodeIfPresent([Double].self, forKey: .phis) ?? phis
        seeds = try c.decodeIfPresent([UInt64].self, forKey: .seeds) ?? seeds
        methods = try c.decodeIfPresent([MethodSpec].self, forKey: .methods) ?? methods
        training = try c.decodeIfPresent(TrainingConfig.self, forKey: .training) ?? training
        tunedTraining = try c.decodeIfPresent([String: TunedTraining].self, forKey: .tunedTraining) ?? [:]
        latency = try c.decodeIfPresent(LatencySettings.self, forKey: .latency) ?? latency
        threads = try c.decodeIfPresent(Int.self, forKey: .threads) ?? threads
    }
}

/// The BPR-MF training defaults of this suite (docs/tuning.md has the validation search).
public enum TrainingDefaults {
    public static func bprMF() -> TrainingConfig {
        var c = TrainingConfig()
        c.learningRate = 0.002
        c.weightDecay = 0.03
        c.maxEpochs = 400
        return c
    }
}

/// Errors in suite files name the file, the field and the fix.
public struct SuiteError: Error, CustomStringConvertible {
    public let file: String
    public let field: String
    public let reason: String
    public var description: String { "\(file): \(field): \(reason)" }

    public init(file: String, field: String, reason: String) {
        self.file = file
        self.field = field
        self.reason = reason
    }

    /// The same error, attributed to `file` (checks shared by suite files and the command line).
    func attributed(to file: String) -> SuiteError { SuiteError(file: file, field: field, reason: reason) }
}

extension Suite {
    /// Parses and validates a suite file.
    public static func load(path: String) throws -> Suite {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw SuiteError(file: path, field: "(file)", reason: "cannot read the file; check the path (suites live in benchmarks/)")
        }
        let defaultName = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return try parse(text, file: path, defaultName: defaultName, folder: (path as NSString).deletingLastPathComponent)
    }

    public static func parse(_ text: String, file: String, defaultName: String, folder: String = "") throws -> Suite {
        let r = FieldReader(file: file)
        let root = try r.topLevelMapping(text, expecting: "a mapping of fields (name, datasets, methods, ...)")
        try r.onlyKnown(root, ["name", "datasets", "protocol", "family", "teacher_dim", "phi", "seeds", "methods",
                               "training", "hparams", "latency", "threads"], at: "")
        var suite = Suite(name: try r.string(root["name"], "name") ?? defaultName, datasets: [])
        guard let ds = root["datasets"] as? [Any], !ds.isEmpty else {
            throw SuiteError(file: file, field: "datasets", reason: "required: a list of dataset names (\(DatasetCatalog.builtInNames.joined(separator: ", "))) or {name, path, format, ...} entries")
        }
        for (k, d) in ds.enumerated() {
            let at = "datasets[\(k)]"
            if let name = d as? String {
                guard DatasetCatalog.builtInNames.contains(name) else {
                    throw SuiteError(file: file, field: at, reason: "unknown dataset '\(name)'; built in: \(DatasetCatalog.builtInNames.joined(separator: ", ")); for a file give {name: NAME, path: PATH}")
                }
                suite.datasets.append(DatasetSpec(name: name))
            } else if let m = d as? [String: Any] {
                let reading = ["format", "separator", "encoding", "user_column", "item_column", "rating_column", "min_rating", "k_core"]
                try r.onlyKnown(m, ["name", "path"] + reading, at: at)
                guard let name = try r.string(m["name"], "\(at).name") else {
                    throw SuiteError(file: file, field: "\(at).name", reason: "required")
                }
                var spec = DatasetSpec(name: name, path: try r.string(m["path"], "\(at).path"), relativeTo: folder)
                if spec.path == nil && !DatasetCatalog.builtInNames.contains(name) {
                    throw SuiteError(file: file, field: "\(at).path", reason: "'\(name)' is not built in, so give the path of its file")
                }
                // A built-in name always means the same data: its reading options are its preset's.
                if spec.path == nil, let key = reading.first(where: { m[$0] != nil }) {
                    throw SuiteError(file: file, field: "\(at).\(key)", reason: "'\(name)' is built in and read as its preset says (`bench datasets describe \(name)`); reading options apply only to a file given with path")
                }
                if let f = try r.string(m["format"], "\(at).format") {
                    guard let format = InteractionFileFormat(rawValue: f) else {
                        throw SuiteError(file: file, field: "\(at).format", reason: "unknown format '\(f)'; one of \(InteractionFileFormat.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    spec.options.format = format
                }
                if let v = try r.string(m["separator"], "\(at).separator") {
                    spec.options.separator = try separator(v, field: "\(at).separator", format: spec.options.format ?? spec.path.flatMap(InteractionFileFormat.guess), file: file)
                }
                if let v = try r.string(m["encoding"], "\(at).encoding") {
                    guard let encoding = TextEncoding(rawValue: v) else {
                        throw SuiteError(file: file, field: "\(at).encoding", reason: "unknown encoding '\(RunKeyName.short(v))'; one of \(TextEncoding.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    spec.options.encoding = encoding
                }
                if let v = try r.string(m["user_column"], "\(at).user_column") { spec.options.userColumn = v }
                if let v = try r.string(m["item_column"], "\(at).item_column") { spec.options.itemColumn = v }
                spec.options.ratingColumn = try r.string(m["rating_column"], "\(at).rating_column")
                spec.options.minRating = try r.double(m["min_rating"], "\(at).min_rating")
                spec.options.kCore = try r.int(m["k_core"], "\(at).k_core", min: 1)
                suite.datasets.append(spec)
            } else {
                throw SuiteError(file: file, field: at, reason: "expected a dataset name or a mapping")
            }
        }
        if let p = try r.string(root["protocol"], "protocol") {
            guard let ep = EvaluationProtocol(rawValue: p) else {
                throw SuiteError(file: file, field: "protocol", reason: "unknown protocol '\(p)'; one of holdout, loo-499 (one per suite)")
            }
            suite.evaluationProtocol = ep
        }
        if let f = try r.string(root["family"], "family") { suite.family = f }
        suite.teacherDimension = try r.int(root["teacher_dim"], "teacher_dim", min: 1) ?? suite.teacherDimension
        if let phis = root["phi"] {
            guard let list = phis as? [Any], !list.isEmpty else { throw SuiteError(file: file, field: "phi", reason: "expected a non-empty list of ratios, e.g. [0.025, 0.05, 0.1]") }
            suite.phis = try list.enumerated().map { k, v in
                guard let d = try r.double(v, "phi[\(k)]"), d > 0, d <= 1 else { throw SuiteError(file: file, field: "phi[\(k)]", reason: "must be a ratio in (0, 1]") }
                return d
            }
        }
        if let seeds = root["seeds"] {
            guard let list = seeds as? [Any], !list.isEmpty else { throw SuiteError(file: file, field: "seeds", reason: "expected a non-empty list of integers") }
            suite.seeds = try list.enumerated().map { k, v in UInt64(try r.int(v, "seeds[\(k)]", min: 0)!) }
        }
        if let methods = root["methods"] {
            guard let list = methods as? [Any], !list.isEmpty else { throw SuiteError(file: file, field: "methods", reason: "expected a non-empty list of method keys") }
            suite.methods = try list.enumerated().map { k, v in
                let at = "methods[\(k)]"
                var spec: MethodSpec
                if let key = v as? String { spec = MethodSpec(key: key) }
                else if let m = v as? [String: Any], m.keys.filter({ $0 != "name" }).count == 1, let key = m.keys.first(where: { $0 != "name" }) {
                    spec = MethodSpec(key: key)
                    spec.name = try r.string(m["name"], "\(at).name")
                    guard let hp = m[key] as? [String: Any] else { throw SuiteError(file: file, field: "\(at).\(key)", reason: "expected a mapping of hyperparameters") }
                    for (name, value) in hp {
                        if let b = value as? Bool { spec.hyperparameters[name] = .bool(b) }
                        else if let s = value as? String, Double(s) == nil { spec.hyperparameters[name] = .string(s) }
                        else if let d = try r.double(value, "\(at).\(key).\(name)") { spec.hyperparameters[name] = .number(d) }
                    }
                } else { throw SuiteError(file: file, field: at, reason: "expected a method key or {key: {hyperparameter: value}, name: optional-variant-name}") }
                do { _ = try MethodRegistry.make(spec.key, hyperparameters: spec.hyperparameters) } catch {
                    throw SuiteError(file: file, field: at, reason: "\(error)")
                }
                return spec
            }
        }
        if let t = root["training"] { suite.training = try r.training(t, at: "training", base: suite.training) }
        if let hparams = try r.string(root["hparams"], "hparams") {
            for d in suite.datasets {
                let source = (hparams as NSString).appendingPathComponent("\(d.name).yaml")
                let path = source.hasPrefix("/") || folder.isEmpty ? source : (folder as NSString).appendingPathComponent(source)
                guard FileManager.default.fileExists(atPath: path) else { continue }   // not tuned: the suite's training
                let tuned = try TunedSettings.read(path)
                guard tuned.dataset == d.name, tuned.family == suite.family, tuned.evaluationProtocol == suite.evaluationProtocol else {
                    throw SuiteError(file: file, field: "hparams", reason: "\(path) was tuned for \(tuned.dataset), \(tuned.family), \(tuned.evaluationProtocol.rawValue), not \(d.name), \(suite.family), \(suite.evaluationProtocol.rawValue); rerun `bench tune --write \(path)` for this setting")
                }
                suite.tunedTraining[d.name] = TunedTraining(source: source, teacher: tuned.teacher?.chosen, student: tuned.student?.chosen,
                                                            methods: (tuned.methods ?? [:]).mapValues(\.chosen))
            }
        }
        if let l = root["latency"] {
            guard let m = l as? [String: Any] else { throw SuiteError(file: file, field: "latency", reason: "expected a mapping") }
            try r.onlyKnown(m, ["warmup", "min_queries", "min_seconds", "passes", "batch_users"], at: "latency")
            var s = suite.latency
            s.warmupQueries = try r.int(m["warmup"], "latency.warmup", min: 0) ?? s.warmupQueries
            s.minQueries = try r.int(m["min_queries"], "latency.min_queries", min: 1) ?? s.minQueries
            s.minSeconds = try r.double(m["min_seconds"], "latency.min_seconds") ?? s.minSeconds
            guard s.minSeconds >= 0 else { throw SuiteError(file: file, field: "latency.min_seconds", reason: "must be >= 0, got \(s.minSeconds)") }
            s.passes = try r.int(m["passes"], "latency.passes", min: 1) ?? s.passes
            s.batchUsers = try r.int(m["batch_users"], "latency.batch_users", min: 1) ?? s.batchUsers
            suite.latency = s
        }
        suite.threads = try r.int(root["threads"], "threads", min: 1) ?? suite.threads
        do { try suite.validate() } catch let e as SuiteError { throw e.attributed(to: file) }
        return suite
    }

    /// A dataset's `separator:` value: one of the allowed characters (`tab` spells a tab), and
    /// only for delimited files.
    static func separator(_ v: String, field: String, format: InteractionFileFormat?, file: String) throws -> Character {
        let c: Character? = v == "tab" ? "\t" : (v.count == 1 ? v.first : nil)
        guard let c, InteractionFileOptions.allowedSeparators.contains(c) else {
            throw SuiteError(file: file, field: field, reason: "unknown separator '\(RunKeyName.short(v))'; one of \(InteractionFileOptions.separatorNames) (quote it in YAML: separator: \";\")")
        }
        if let format, format != .delimited {
            throw SuiteError(file: file, field: field, reason: "a separator applies to delimited (csv) files only, and this file is read as \(format.rawValue); remove it or set format: csv")
        }
        return c
    }

    /// The checks every suite passes, from a file or built from command-line options, before
    /// anything is written: sizes, names, training settings, and one run key per run.
    public func validate() throws {
        func bad(_ field: String, _ reason: String) -> SuiteError { SuiteError(file: "", field: field, reason: reason) }
        if let refusal = RunKeyName.refusal(name, as: "suite") { throw bad("name", refusal) }
        for (k, d) in datasets.enumerated() {
            if let refusal = RunKeyName.refusal(d.name, as: "dataset") { throw bad("datasets[\(k)].name", refusal) }
        }
        if Set(datasets.map(\.name)).count != datasets.count { throw bad("datasets", "a dataset name appears twice") }
        for (k, m) in methods.enumerated() {
            if let name = m.name, let refusal = RunKeyName.refusal(name, as: "variant") { throw bad("methods[\(k)].name", refusal) }
        }
        guard ModelFamily.versions[family] != nil else { throw bad("family", "unknown model family '\(family)'; available: \(ModelFamily.names.joined(separator: ", "))") }
        guard teacherDimension >= 1 else { throw bad("teacher_dim", "must be >= 1, got \(teacherDimension)") }
        for (k, phi) in phis.enumerated() where !(phi > 0 && phi <= 1) { throw bad("phi[\(k)]", "must be a ratio in (0, 1], got \(phi)") }
        guard !seeds.isEmpty else { throw bad("seeds", "expected a non-empty list of integers") }
        if Set(seeds).count != seeds.count { throw bad("seeds", "a seed appears twice") }
        guard threads >= 1 else { throw bad("threads", "must be >= 1, got \(threads)") }
        do { try training.validate() } catch { throw bad("training", "\(error)") }
        for (dataset, tuned) in tunedTraining.sorted(by: { $0.key < $1.key }) {
            for role in TunedSettings.Role.allCases {
                do { try self.training(for: dataset, role).validate() } catch { throw bad("hparams", "\(tuned.source) (\(role.rawValue)): \(error)") }
            }
            for m in methods {
                do { _ = try MethodRegistry.make(m.key, hyperparameters: hyperparameters(of: m, on: dataset)) } catch {
                    throw bad("hparams", "\(tuned.source) (\(m.key)): \(error)")
                }
            }
        }
        _ = try expand()
    }
}
