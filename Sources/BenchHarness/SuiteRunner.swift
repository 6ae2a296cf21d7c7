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
    }

    /// Runs `runs` (default: the whole suite).
    @discardableResult
    public func run(_ runs: [RunSpec]? = nil) throws -> Outcome {
        let runs = try runs ?? suite.expand()
        try store.checkCompatible(with: suite)
        try AtomicFile.makeDirectory(store.root)
        let lock = try DirectoryLock(directory: store.root)
        defer { lock.release() }
        store.removeStaleTemporaryFiles()
        BLAS.setThreads(threads)
        var manifest = try openManifest()

        progress.startSuite(total: runs.count)
        var ran = 0, skipped = 0
        var failed: [String] = []
        for (index, spec) in runs.enumerated() {
            progress.startRun(index + 1, "\(spec.dataset.name) \(spec.variant) d=\(spec.dimension) seed \(spec.seed)")
            let start = Date()
            var record: RunRecord
            do {
                let identity = try spec.identity(dataSource: try dataSource(spec.dataset))
                let hash = try identity.hash()
                switch store.previousRecord(spec.key) {
                case .finished(let old) where old.configHash == hash:
                    try repairSplitFolder(spec, expected: old.splitHash)
                    skipped += 1
                    progress.finishRun("\(spec.key): finished earlier, skipped", seconds: 0, counted: false)
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
                do { record = try execute(spec, identity: identity, hash: hash, manifest: &manifest) } catch {
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
                    progress.finishRun(String(format: "%@: test %@ %.4f, epoch %d, p50 %.1f µs, %.1f s", spec.key, m,
                                              record.test[m] ?? .nan, record.selectedEpoch, record.latency?.p50 ?? .nan, seconds), seconds: seconds)
                }
                for w in record.warnings { progress.log("  warning: \(w)") }
            }
        }
        if !validationOnly { try ResultsSummary.write(store: store, protocol: suite.evaluationProtocol, suite: suite.name) }
        manifest.finishedAt = Self.timestamp()
        manifest.invocations[manifest.invocations.count - 1].finishedAt = manifest.finishedAt
        manifest.invocations[manifest.invocations.count - 1].outcome = "finished"
        try store.writeManifest(manifest)
        return Outcome(ran: ran, skipped: skipped, failed: failed)
    }

    /// The directory's manifest brought up to this invocation: the latest suite and environment,
    /// and this command appended to the history (an earlier one left "running" was interrupted).
    private func openManifest() throws -> Manifest {
        let now = Self.timestamp()
        var m = try store.readManifest() ?? Manifest(
            suiteName: suite.name, suite: suite, evaluationProtocol: suite.evaluationProtocol,
            environment: EnvironmentFingerprint.current(), threads: threads, datasetHashes: [:], splitHashes: [:],
            startedAt: now, finishedAt: nil, invocations: [])
        for k in m.invocations.indices where m.invocations[k].outcome == "running" { m.invocations[k].outcome = "interrupted" }
        m.suite = suite
        m.environment = EnvironmentFingerprint.current()
        m.threads = threads
        m.startedAt = now
        m.finishedAt = nil
        m.invocations.append(.init(commandLine: commandLine, suiteHash: SHA256.hex(try CanonicalJSON.encode(suite)), threads: threads,
                                   codeRevision: EnvironmentFingerprint.revisionLabel, startedAt: now, finishedAt: nil, outcome: "running"))
        try store.writeManifest(m)
        return m
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

    private func execute(_ spec: RunSpec, identity: RunIdentity, hash: String, manifest: inout Manifest) throws -> RunRecord {
        let data = try dataset(spec.dataset)
        let split = try self.split(data, spec)
        var warnings: [String] = []
        let saturated = split.train.saturatedUsers.count
        if saturated > 0 {
            warnings.append("\(saturated) user(s) have every item in their train split, so no negative can be sampled for them: their pairs are skipped in training")
        }
        manifest.datasetHashes[spec.dataset.name] = data.contentHash
        manifest.splitHashes[ResultsStore.splitFolderName(dataset: spec.dataset.name, protocol: spec.evaluationProtocol, seed: spec.seed)] = split.hash
        try store.writeManifest(manifest)
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
        let latency = recordTiming ? test.map { LatencyProbe.measure(model, split: split, users: $0.users, settings: spec.latency) } : nil
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

    private func dataset(_ spec: Suite.DatasetSpec) throws -> Interactions {
        if let cached = datasets[spec.name] { return try cached.get() }
        let r = Result { try DatasetCatalog.load(spec.source, options: spec.options, log: progress.log) }
        datasets[spec.name] = r
        return try r.get()
    }

    private func split(_ data: Interactions, _ spec: RunSpec) throws -> Split {
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

    static func timestamp() -> String { ISO8601DateFormatter().string(from: Date()) }
}

/// One `bench` at a time per results directory: a lock file holding the owner's pid; a lock
/// whose process is gone is taken over.  While held, SIGINT and SIGTERM release it and say how
/// to resume instead of leaving a stale lock behind (finished records are complete files; the
/// next run sweeps the interrupted writer's temporary files).
public final class DirectoryLock {
    let path: String
    public init(directory: String) throws {
        let path = (directory as NSString).appendingPathComponent(".lock")
        self.path = path
        // No signal between writing the lock and arming its cleanup: a stale lock needs no word.
        InterruptCleanup.block()
        defer { InterruptCleanup.unblock() }
        var fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0o644)
        if fd < 0 {
            if let text = try? String(contentsOfFile: path, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
               kill(pid, 0) == 0 || errno == EPERM {
                throw HarnessError("\(directory) is in use by another bench (pid \(pid)); wait for it, or delete \(path) if that process is gone")
            }
            try? FileManager.default.removeItem(atPath: path)
            fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0o644)
            guard fd >= 0 else { throw HarnessError("cannot create the lock \(path): \(String(cString: strerror(errno))); choose a writable --out") }
        }
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        InterruptCleanup.arm(lockPath: path, directory: directory)
    }

    public func release() {
        InterruptCleanup.disarm()
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// What a signal handler may touch: C strings prepared before the signal, unlink(2), write(2)
/// and _exit(2), all async-signal-safe.
enum InterruptCleanup {
    nonisolated(unsafe) static var lockPath: UnsafeMutablePointer<CChar>? = nil
    nonisolated(unsafe) static var message: UnsafeMutablePointer<CChar>? = nil

    static func arm(lockPath path: String, directory: String) {
        lockPath = strdup(path)
        message = strdup("\ninterrupted; the lock on \(directory) is released and finished runs are kept: rerun the same command to resume\n")
        for sig in [SIGINT, SIGTERM] {
            signal(sig) { sig in
                if let p = InterruptCleanup.lockPath { unlink(p) }
                if let m = InterruptCleanup.message { _ = write(STDERR_FILENO, m, strlen(m)) }
                _exit(128 + sig)
            }
        }
    }

    static var signals: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        return set
    }

    static func block() { var set = signals; pthread_sigmask(SIG_BLOCK, &set, nil) }

    /// Also run when the lock is armed: a parent that started us with these signals blocked
    /// (some test runners and job launchers do) must not make Ctrl-C silently do nothing.
    static func unblock() { var set = signals; pthread_sigmask(SIG_UNBLOCK, &set, nil) }

    static func disarm() {
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        free(lockPath); lockPath = nil
        free(message); message = nil
    }
}

extension EnvironmentFingerprint {
    /// The git revision with a `-dirty` suffix when the work tree had uncommitted changes.
    public static let revisionLabel: String = {
        let f = EnvironmentFingerprint.current()
        return f.gitRevision + (f.gitDirty ? "-dirty" : "")
    }()
}
