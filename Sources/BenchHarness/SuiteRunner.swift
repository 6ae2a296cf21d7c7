import DistillKit
import Foundation

/// Runs the runs of a suite into a results directory: loads data, makes and exports splits,
/// trains or loads teachers, trains students with their method, evaluates, probes latency,
/// writes records; skips runs already finished with the same config hash.  A failing run is
/// recorded as failed with its reason and never stops the others.
public final class SuiteRunner {
    public let suite: Suite
    public let store: ResultsStore
    public let threads: Int
    public let progress: ProgressReporter
    public let teachers: TeacherCache
    public let commandLine: String
    /// False: no latency probe and training time recorded as 0, so two runs can be compared
    /// byte for byte (resume tests, determinism checks).
    public let recordTiming: Bool
    /// True for hyperparameter searches: runs are evaluated on validation only; test is never
    /// read (records carry no test metrics) and latency is not probed.
    public let validationOnly: Bool
    /// A worker of `--jobs`: runs held by its siblings are theirs by design, so it says nothing
    /// about them.
    public var isWorker = false
    /// Leave the latency probe to `bench all --phase latency` (see `RunRecord.latencyPending`):
    /// for workers that share the machine, whose probes would time each other's training.
    public var deferLatency = false

    private var datasets: [String: Result<Interactions, Error>] = [:]
    private var dataSources: [String: Result<String, Error>] = [:]
    private var splits: [String: Split] = [:]
    /// The artefacts of the teacher used last (runs of one cell share its teacher).
    private var artefacts: (key: String, value: TeacherArtefacts)?

    public init(suite: Suite, store: ResultsStore, threads: Int? = nil, progress: ProgressReporter = ProgressReporter(),
                teachers: TeacherCache = TeacherCache(), commandLine: String = CommandLine.arguments.joined(separator: " "),
                recordTiming: Bool = true, validationOnly: Bool = false) {
        self.recordTiming = recordTiming && !validationOnly
        self.validationOnly = validationOnly
        self.suite = suite
        self.store = store
        self.threads = threads ?? suite.threads
        self.progress = progress
        self.teachers = teachers
        self.commandLine = commandLine
    }

    public struct Outcome: Sendable {
        public let ran: Int
        public let skipped: Int
        public let failed: [String]
        /// Runs another live `bench` process holds (its run lock), left to it.
        public let heldElsewhere: [String]
        /// The finalize step's report (nil with `finalize: false`).
        public let report: ResultsFinalizer.Report?
    }

    /// Runs `runs` (default: the whole suite), or the slice `selection` takes of them, and
    /// (with `finalize`) rewrites the directory's summary, tables and manifest from its records.
    ///
    /// Several processes may run one suite into one directory at once (`--jobs`, Slurm arrays):
    /// each run is taken under its own lock (`runs/<key>/.lock`, owner pid@host), a run held by
    /// a live process is left to it, and nothing here deletes another process's files.
    @discardableResult
    public func run(_ runs: [RunSpec]? = nil, selection: RunSelection = RunSelection(), finalize: Bool = true) throws -> Outcome {
        let all = try runs ?? suite.expand()
        let runs = try selection.apply(all)
        try store.checkCompatible(with: suite)
        try AtomicFile.makeDirectory(store.root)
        store.removeStaleTemporaryFiles()
        if !validationOnly { try store.writeSuite(suite) }
        InterruptCleanup.setMessage("\ninterrupted; finished runs are kept and this process's run locks are released: rerun the same command to resume\n")
        BLAS.setThreads(threads)
        let invocation = try InvocationLog(store: store, suite: suite, commandLine: commandLine, threads: threads, selection: selection.label)
        if selection.phase == .latency {
            let outcome = try measureDeferredLatency(runs)
            try invocation.finish()
            let report = finalize ? try ResultsFinalizer.finalize(store) : nil
            return Outcome(ran: outcome.ran, skipped: 0, failed: outcome.failed, heldElsewhere: outcome.held, report: report)
        }

        progress.startSuite(total: runs.count)
        var ran = 0, skipped = 0
        var failed: [String] = [], held: [String] = []
        for (index, spec) in runs.enumerated() {
            progress.startRun(index + 1, "\(spec.dataset.name) \(spec.variant) d=\(spec.dimension) seed \(spec.seed)")
            let start = Date()
            var record: RunRecord
            var lock: LockFile? = nil
            defer { lock?.release() }
            do {
                let identity = try spec.identity(dataSource: try dataSource(spec.dataset))
                let hash = try identity.hash()
                // A finished run is skipped without its lock, except in the teachers phase, where
                // preparing its artefacts is work one process should do.
                if selection.phase != .teachers, case .finished(let old) = store.previousRecord(spec.key), old.configHash == hash {
                    try finishedEarlier(spec, old, all: all, selection: selection)
                    skipped += 1
                    continue
                }
                switch try LockFile.tryAcquire(store.runLockPath(spec.key)) {
                case .acquired(let l): lock = l
                case .heldBy(let owner, let since):
                    held.append(spec.key)
                    if isWorker { continue }
                    progress.finishRun("\(spec.key): being run by \(LockFile.describe(owner, since: since)); left to it (delete \(store.runLockPath(spec.key)) if that process is gone)",
                                       seconds: 0, counted: false)
                    continue
                }
                // Looked at again under the lock: another process may have finished it meanwhile.
                switch store.previousRecord(spec.key) {
                case .finished(let old) where old.configHash == hash:
                    try finishedEarlier(spec, old, all: all, selection: selection)
                    skipped += 1
                    continue
                case .finished(let old):
                    let why = old.identity.map { identity.changes(from: $0) } ?? []
                    progress.log("rerunning \(spec.key): changed since its record: \(why.isEmpty ? "its configuration hash" : why.joined(separator: "; "))")
                case .failed(let old):
                    progress.log("rerunning \(spec.key): it failed earlier (\(RunKeyName.short(old.failure ?? "", 120)))")
                case .unreadable(let why):
                    progress.log("rerunning \(spec.key): \(why)")
                case .none:
                    break
                }
                do {
                    record = try execute(spec, identity: identity, hash: hash)
                    if selection.phase == .teachers && record.status == .finished { prepareArtefactsOrWarn(for: spec, all: all) }
                } catch {
                    record = failedRecord(spec, identity: identity, hash: hash, reason: "\(error)")
                }
            } catch {
                record = failedRecord(spec, identity: nil, hash: "", reason: "\(error)")
            }
            try store.write(record, evaluation: lastEvaluation, split: lastSplit)
            lastEvaluation = nil
            ran += 1
            let seconds = Date().timeIntervalSince(start)
            if record.status == .failed {
                failed.append(spec.key)
                progress.finishRun("\(spec.key): FAILED: \(record.failure ?? "")", seconds: seconds)
            } else {
                let m = suite.evaluationProtocol.selectionMetric
                if validationOnly {
                    progress.finishRun(String(format: "%@: validation %@ %.4f, epoch %d, %.1f s", spec.key, m,
                                              record.validation[m] ?? .nan, record.selectedEpoch, seconds), seconds: seconds)
                } else {
                    let latency = record.latencyPending == true ? "latency deferred"
                        : record.latency.map { String(format: "p50 %.1f µs", $0.p50) } ?? "no latency (timing off)"
                    progress.finishRun(String(format: "%@: test %@ %.4f, epoch %d, %@, %.1f s", spec.key, m,
                                              record.test[m] ?? .nan, record.selectedEpoch, latency, seconds), seconds: seconds)
                }
                for w in record.warnings { progress.log("  warning: \(w)") }
            }
        }
        try invocation.finish()
        let report = finalize && !validationOnly ? try ResultsFinalizer.finalize(store) : nil
        return Outcome(ran: ran, skipped: skipped, failed: failed, heldElsewhere: held, report: report)
    }

    /// The runs among `runs` without a finished record of their current identity: what running
    /// them again would do (the Slurm executor submits only these).
    public func unfinished(_ runs: [RunSpec]) throws -> [RunSpec] {
        try runs.filter { spec in
            let hash = try spec.identity(dataSource: try dataSource(spec.dataset)).hash()
            if case .finished(let old) = store.previousRecord(spec.key), old.configHash == hash { return false }
            return true
        }
    }

    /// A run whose record is finished with the same identity: its split folder is made whole,
    /// and in the teachers phase its artefacts are made sure of (a cache may have been cleared).
    private func finishedEarlier(_ spec: RunSpec, _ old: RunRecord, all: [RunSpec], selection: RunSelection) throws {
        try repairSplitFolder(spec, expected: old.splitHash)
        if selection.phase == .teachers { prepareArtefactsOrWarn(for: spec, all: all) }
        // A worker walks the runs its siblings finish as it goes: skipping those is no news.
        if !isWorker { progress.finishRun("\(spec.key): finished earlier, skipped", seconds: 0, counted: false) }
    }

    /// The teacher stands whatever its artefacts do: a student that needs a missing artefact
    /// computes it itself (and fails with its own reason if it cannot).
    private func prepareArtefactsOrWarn(for teacherSpec: RunSpec, all: [RunSpec]) {
        do { try prepareArtefacts(for: teacherSpec, all: all) } catch {
            progress.log("  warning: teacher artefacts of \(teacherSpec.key) not prepared: \(error)")
        }
    }

    /// Teachers phase: computes (or loads) every artefact the suite's methods will read from
    /// this teacher, by letting each method prepare once, so student workers only load them.
    private func prepareArtefacts(for teacherSpec: RunSpec, all: [RunSpec]) throws {
        let students = all.filter { !$0.isTeacher && $0.teacherKey == teacherSpec.key }
        var seen = Set<String>()
        for spec in students where seen.insert("\(spec.variant)|\(spec.dimension)").inserted {
            let m = try MethodRegistry.make(spec.method, hyperparameters: spec.hyperparameters)
            guard type(of: m).requiresTeacher else { continue }
            let data = try dataset(spec.dataset)
            let split = try self.split(data, spec)
            let (teacher, entry, _) = try self.teacher(spec, data: data, split: split)
            let student = MatrixFactorization(users: split.userCount, items: split.itemCount, dimension: spec.dimension,
                                              initStd: spec.training.initStd, seed: spec.seed)
            try m.prepare(DistillationContext(student: student, teacher: teacher, artefacts: teacherArtefacts(teacher, key: entry.cacheKey, split: split),
                                              split: split, seed: spec.seed, threads: threads, training: spec.training))
        }
    }

    private var lastEvaluation: EvaluationResult?
    private var lastSplit: Split?

    /// A skipped run's exported split must still be whole: if its folder's digest file is missing
    /// or names another split, the split is made again (it is deterministic) and rewritten.
    private func repairSplitFolder(_ spec: RunSpec, expected: String) throws {
        let digest = store.path("splits", ResultsStore.splitFolderName(dataset: spec.dataset.name, protocol: spec.evaluationProtocol, seed: spec.seed), "split.sha256")
        if (try? String(contentsOfFile: digest, encoding: .utf8)) == "\(expected)\n" { return }
        progress.log("rewriting the split folder of \(spec.dataset.name) seed \(spec.seed): its split.sha256 is missing or stale")
        try store.exportSplit(try split(try dataset(spec.dataset), spec), dataset: spec.dataset.name)
    }

    private func execute(_ spec: RunSpec, identity: RunIdentity, hash: String) throws -> RunRecord {
        let data = try dataset(spec.dataset)
        let split = try self.split(data, spec)
        var warnings: [String] = []
        let saturated = split.train.saturatedUsers.count
        if saturated > 0 {
            warnings.append("\(saturated) user(s) have every item in their train split, so no negative can be sampled for them: their pairs are skipped in training")
        }
        try store.exportSplit(split, dataset: spec.dataset.name)
        lastSplit = split

        let (teacher, teacherEntry, _) = try self.teacher(spec, data: data, split: split)
        let evaluator = Evaluator(split: split)
        let model: MatrixFactorization
        let outcome: TrainingOutcome
        var method: (any DistillationMethod)? = nil
        var cost: RunRecord.Cost? = nil
        if spec.isTeacher {
            model = teacher
            outcome = TrainingOutcome(status: TrainingOutcome.Status(rawValue: teacherEntry.trainingStatus) ?? .completed,
                                      failure: nil, bestEpoch: teacherEntry.selectedEpoch, bestValidation: teacherEntry.bestValidation,
                                      epochsRun: teacherEntry.epochsRun, seconds: teacherEntry.trainSeconds, curve: teacherEntry.learningCurve)
        } else {
            let m = try MethodRegistry.make(spec.method, hyperparameters: spec.hyperparameters)
            method = m
            model = MatrixFactorization(users: split.userCount, items: split.itemCount, dimension: spec.dimension,
                                        initStd: spec.training.initStd, seed: spec.seed)
            let needsTeacher = type(of: m).requiresTeacher
            let shared = needsTeacher ? teacherArtefacts(teacher, key: teacherEntry.cacheKey, split: split) : nil
            let before = shared?.seconds ?? [:]
            outcome = try Trainer(config: spec.training, seed: spec.seed, threads: threads)
                .train(model, split: split, method: m, teacher: needsTeacher ? teacher : nil, artefacts: shared, progress: progress.event)
            if recordTiming {
                var used: [String: Double] = [:]
                for (name, t) in shared?.seconds ?? [:] { used[name] = before[name] == nil ? t : 0 }
                cost = .init(prepareSeconds: outcome.prepareSeconds,
                             secondsPerEpoch: outcome.epochsRun > 0 ? outcome.epochSeconds / Double(outcome.epochsRun) : 0,
                             artefactSeconds: used)
            }
            if outcome.status == .failed {
                return failedRecord(spec, identity: identity, hash: hash, reason: outcome.failure ?? "training failed", data: data, split: split)
            }
        }
        let validation = evaluator.evaluate(model, part: .validation, threads: threads)
        let test = validationOnly ? nil : evaluator.evaluate(model, part: .test, threads: threads, keepTopK: true)
        lastEvaluation = test
        let latency = recordTiming && !deferLatency ? test.map { LatencyProbe.measure(model, split: split, users: $0.users, settings: spec.latency) } : nil
        BLAS.setThreads(threads)
        let teacherTest = validationOnly ? nil : spec.isTeacher ? test : evaluator.evaluate(teacher, part: .test, threads: threads)
        let selection = spec.evaluationProtocol.selectionMetric
        var record = RunRecord(
            formatVersion: RunRecord.currentFormat, key: spec.key, configHash: hash, identity: identity, spec: spec, status: .finished,
            failure: nil, warnings: warnings, deviations: method?.deviations ?? [], datasetHash: data.contentHash, splitHash: split.hash,
            selectionMetric: selection, selectedEpoch: outcome.bestEpoch, epochsRun: outcome.epochsRun,
            trainingStatus: outcome.status.rawValue, trainSeconds: recordTiming ? outcome.seconds : 0,
            validation: validation.metrics, test: test?.metrics ?? [:], learningCurve: outcome.curve, latency: latency,
            model: .init(family: spec.family, dimension: spec.dimension, parameters: model.parameterCount,
                         inferenceBytes: model.inferenceBytes, trainingOnlyParameters: method?.trainingOnlyParameterCount ?? 0),
            teacher: .init(runKey: spec.teacherKey,
                           cacheKey: teacherEntry.cacheKey, dimension: spec.teacherDimension, testSelectionMetric: teacherTest?.value(selection)),
            codeRevision: EnvironmentFingerprint.revisionLabel)
        record.cost = cost
        record.environment = EnvironmentFingerprint.process
        if recordTiming && deferLatency && test != nil {
            // The model goes first: a record that says "pending" always has its model.
            try AtomicFile.write(try ModelCheckpoint.encode(model), to: store.modelAwaitingLatencyPath(spec.key))
            record.latencyPending = true
        }
        return record
    }

    /// The artefacts of the teacher cached under `key`, shared by every run that uses it and
    /// stored next to it.
    private func teacherArtefacts(_ teacher: MatrixFactorization, key: String, split: Split) -> TeacherArtefacts {
        if let a = artefacts, a.key == key { return a.value }
        let value = TeacherArtefacts(teacher: teacher, train: split.train, store: teachers.artefactStore(key), threads: threads)
        artefacts = (key, value)
        return value
    }

    private func failedRecord(_ spec: RunSpec, identity: RunIdentity?, hash: String, reason: String,
                              data: Interactions? = nil, split: Split? = nil) -> RunRecord {
        RunRecord(formatVersion: RunRecord.currentFormat, key: spec.key, configHash: hash, identity: identity, spec: spec, status: .failed,
                  failure: reason, warnings: [], deviations: [], datasetHash: data?.contentHash ?? "", splitHash: split?.hash ?? "",
                  selectionMetric: spec.evaluationProtocol.selectionMetric, selectedEpoch: 0, epochsRun: 0,
                  trainingStatus: "failed", trainSeconds: 0, validation: [:], test: [:], learningCurve: [], latency: nil,
                  model: nil, teacher: nil, codeRevision: EnvironmentFingerprint.revisionLabel)
    }

    /// What the dataset's data is (see `DatasetCatalog.sourceFingerprint`), once per dataset.
    private func dataSource(_ spec: Suite.DatasetSpec) throws -> String {
        if let cached = dataSources[spec.name] { return try cached.get() }
        let r = Result { try DatasetCatalog.sourceFingerprint(spec.source) }
        dataSources[spec.name] = r
        return try r.get()
    }

    func dataset(_ spec: Suite.DatasetSpec) throws -> Interactions {
        if let cached = datasets[spec.name] { return try cached.get() }
        let r = Result { try DatasetCatalog.load(spec.source, options: spec.options, log: progress.log) }
        datasets[spec.name] = r
        return try r.get()
    }

    func split(_ data: Interactions, _ spec: RunSpec) throws -> Split {
        let key = "\(spec.dataset.name)|\(spec.seed)"
        if let s = splits[key] { return s }
        let s: Split
        do { s = try Split.make(data, protocol: spec.evaluationProtocol, seed: spec.seed) } catch {
            throw HarnessError("dataset \(spec.dataset.name), seed \(spec.seed): \(error)")
        }
        splits[key] = s
        return s
    }

    /// The teacher of this (dataset, protocol, seed): from the cache, or trained and cached.
    private func teacher(_ spec: RunSpec, data: Interactions, split: Split) throws -> (MatrixFactorization, TeacherCache.Entry, Bool) {
        let key = try spec.teacherCacheKey(datasetHash: data.contentHash, splitHash: split.hash, blasCore: BLAS.coreName)
        // One process trains a teacher; another that needs it meanwhile waits for it, then loads it.
        let lock = try teachers.lockPath(key).map { try LockFile.acquire($0, waiting: progress.log) }
        defer { lock?.release() }
        switch teachers.lookup(key, users: split.userCount, items: split.itemCount, dimension: spec.teacherDimension) {
        case .hit(let m, let e):
            if spec.isTeacher { progress.log("teacher \(spec.family) d=\(spec.teacherDimension) for \(spec.dataset.name) seed \(spec.seed) from the cache") }
            return (m, e, true)
        case .discarded(let reason):
            progress.log("teacher cache entry discarded, retraining: \(reason)")
        case .miss:
            break
        }
        progress.log("training teacher \(spec.family) d=\(spec.teacherDimension) for \(spec.dataset.name) seed \(spec.seed) (cached afterwards)")
        let model = MatrixFactorization(users: split.userCount, items: split.itemCount, dimension: spec.teacherDimension,
                                        initStd: spec.teacherTraining.initStd, seed: spec.seed)
        let outcome = try Trainer(config: spec.teacherTraining, seed: spec.seed, threads: threads)
            .train(model, split: split, method: StudentOnly(hyperparameters: [:]), progress: progress.event)
        guard outcome.status != .failed else {
            throw HarnessError("teacher training failed: \(outcome.failure ?? "unknown")")
        }
        let entry = TeacherCache.Entry(cacheKey: key, selectedEpoch: outcome.bestEpoch, epochsRun: outcome.epochsRun,
                                       trainingStatus: outcome.status.rawValue, trainSeconds: recordTiming ? outcome.seconds : 0,
                                       bestValidation: outcome.bestValidation, learningCurve: outcome.curve)
        try teachers.store(model, entry)
        return (model, entry, false)
    }
}

extension EnvironmentFingerprint {
    /// The git revision with a `-dirty` suffix when the work tree had uncommitted changes.
    public static let revisionLabel: String = process.gitRevision + (process.gitDirty ? "-dirty" : "")

    /// This process's fingerprint, taken once (it runs git and swift).
    public static let process: EnvironmentFingerprint = current()
}
