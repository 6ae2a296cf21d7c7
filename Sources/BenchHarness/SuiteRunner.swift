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

    private var datasets: [String: Result<Interactions, Error>] = [:]
    private var splits: [String: Split] = [:]

    public init(suite: Suite, store: ResultsStore, threads: Int? = nil, progress: ProgressReporter = ProgressReporter(),
                teachers: TeacherCache = TeacherCache(), commandLine: String = CommandLine.arguments.joined(separator: " "),
                recordTiming: Bool = true) {
        self.recordTiming = recordTiming
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
        let runs = runs ?? suite.expand()
        try store.checkCompatible(with: suite.evaluationProtocol)
        try FileManager.default.createDirectory(atPath: store.root, withIntermediateDirectories: true)
        let lock = try DirectoryLock(directory: store.root)
        defer { lock.release() }
        store.removeStaleTemporaryFiles()
        BLAS.setThreads(threads)
        var manifest = try store.readManifest() ?? Manifest(
            suiteName: suite.name, suite: suite, evaluationProtocol: suite.evaluationProtocol,
            environment: EnvironmentFingerprint.current(), threads: threads, datasetHashes: [:], splitHashes: [:],
            startedAt: Self.timestamp(), finishedAt: nil, commandLines: [])
        manifest.environment = EnvironmentFingerprint.current()
        manifest.threads = threads
        manifest.startedAt = Self.timestamp()
        manifest.finishedAt = nil
        manifest.commandLines.append(commandLine)
        try store.writeManifest(manifest)

        progress.startSuite(total: runs.count)
        var ran = 0, skipped = 0
        var failed: [String] = []
        for (index, spec) in runs.enumerated() {
            progress.startRun(index + 1, "\(spec.dataset.name) \(spec.method) d=\(spec.dimension) seed \(spec.seed)")
            if let r = store.readRecord(spec.key), r.status == .finished, r.configHash == spec.configHash {
                skipped += 1
                progress.finishRun("\(spec.key): finished earlier, skipped", seconds: 0, counted: false)
                continue
            }
            let start = Date()
            let record: RunRecord
            do {
                record = try execute(spec, manifest: &manifest)
            } catch {
                record = failedRecord(spec, reason: "\(error)")
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
                progress.finishRun(String(format: "%@: test %@ %.4f, epoch %d, p50 %.1f µs, %.1f s", spec.key, m,
                                          record.test[m] ?? .nan, record.selectedEpoch, record.latency?.p50 ?? .nan, seconds), seconds: seconds)
            }
        }
        try ResultsSummary.write(store: store, protocol: suite.evaluationProtocol, suite: suite.name)
        manifest.finishedAt = Self.timestamp()
        try store.writeManifest(manifest)
        return Outcome(ran: ran, skipped: skipped, failed: failed)
    }

    private var lastEvaluation: EvaluationResult?
    private var lastSplit: Split?

    private func execute(_ spec: RunSpec, manifest: inout Manifest) throws -> RunRecord {
        let data = try dataset(spec.dataset)
        let split = try self.split(data, spec)
        manifest.datasetHashes[spec.dataset.name] = data.contentHash
        manifest.splitHashes["\(spec.dataset.name)-\(spec.evaluationProtocol.rawValue)-seed\(spec.seed)"] = split.hash
        try store.writeManifest(manifest)
        try store.exportSplit(split, dataset: spec.dataset.name)
        lastSplit = split

        let (teacher, teacherEntry, _) = try self.teacher(spec, data: data, split: split)
        let evaluator = Evaluator(split: split)
        let model: MatrixFactorization
        let outcome: TrainingOutcome
        var method: (any DistillationMethod)? = nil
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
            outcome = try Trainer(config: spec.training, seed: spec.seed, threads: threads)
                .train(model, split: split, method: m, teacher: type(of: m).requiresTeacher ? teacher : nil, progress: progress.event)
            if outcome.status == .failed { return failedRecord(spec, reason: outcome.failure ?? "training failed", data: data, split: split) }
        }
        let validation = evaluator.evaluate(model, part: .validation, threads: threads)
        let test = evaluator.evaluate(model, part: .test, threads: threads, keepTopK: true)
        lastEvaluation = test
        let latency = recordTiming ? LatencyProbe.measure(model, split: split, users: test.users, settings: spec.latency) : nil
        BLAS.setThreads(threads)
        let teacherTest = spec.isTeacher ? test : evaluator.evaluate(teacher, part: .test, threads: threads)
        let selection = spec.evaluationProtocol.selectionMetric
        return RunRecord(
            formatVersion: RunRecord.currentFormat, key: spec.key, configHash: spec.configHash, spec: spec, status: .finished,
            failure: nil, deviations: method?.deviations ?? [], datasetHash: data.contentHash, splitHash: split.hash,
            selectionMetric: selection, selectedEpoch: outcome.bestEpoch, epochsRun: outcome.epochsRun,
            trainingStatus: outcome.status.rawValue, trainSeconds: recordTiming ? outcome.seconds : 0,
            validation: validation.metrics, test: test.metrics, learningCurve: outcome.curve, latency: latency,
            model: .init(family: spec.family, dimension: spec.dimension, parameters: model.parameterCount,
                         inferenceBytes: model.inferenceBytes, trainingOnlyParameters: method?.trainingOnlyParameterCount ?? 0),
            teacher: .init(runKey: RunSpec.key(dataset: spec.dataset.name, method: MethodRegistry.teacherKey, dimension: spec.teacherDimension, seed: spec.seed),
                           cacheKey: teacherEntry.cacheKey, dimension: spec.teacherDimension, testSelectionMetric: teacherTest.value(selection)),
            codeRevision: EnvironmentFingerprint.revisionLabel)
    }

    private func failedRecord(_ spec: RunSpec, reason: String, data: Interactions? = nil, split: Split? = nil) -> RunRecord {
        RunRecord(formatVersion: RunRecord.currentFormat, key: spec.key, configHash: spec.configHash, spec: spec, status: .failed,
                  failure: reason, deviations: [], datasetHash: data?.contentHash ?? "", splitHash: split?.hash ?? "",
                  selectionMetric: spec.evaluationProtocol.selectionMetric, selectedEpoch: 0, epochsRun: 0,
                  trainingStatus: "failed", trainSeconds: 0, validation: [:], test: [:], learningCurve: [], latency: nil,
                  model: nil, teacher: nil, codeRevision: EnvironmentFingerprint.revisionLabel)
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
        let s = try Split.make(data, protocol: spec.evaluationProtocol, seed: spec.seed)
        splits[key] = s
        return s
    }

    /// The teacher of this (dataset, protocol, seed): from the cache, or trained and cached.
    private func teacher(_ spec: RunSpec, data: Interactions, split: Split) throws -> (MatrixFactorization, TeacherCache.Entry, Bool) {
        let key = spec.teacherCacheKey(datasetHash: data.contentHash, splitHash: split.hash, blasCore: BLAS.coreName)
        if let (m, e) = teachers.load(key) {
            if spec.isTeacher { progress.log("teacher \(spec.family) d=\(spec.teacherDimension) for \(spec.dataset.name) seed \(spec.seed) from the cache") }
            return (m, e, true)
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
/// whose process is gone is taken over.
public final class DirectoryLock {
    let path: String
    public init(directory: String) throws {
        let path = (directory as NSString).appendingPathComponent(".lock")
        self.path = path
        var fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0o644)
        if fd < 0 {
            if let text = try? String(contentsOfFile: path, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
               kill(pid, 0) == 0 || errno == EPERM {
                throw HarnessError("\(directory) is in use by another bench (pid \(pid)); wait for it, or delete \(path) if that process is gone")
            }
            try? FileManager.default.removeItem(atPath: path)
            fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0o644)
            guard fd >= 0 else { throw HarnessError("cannot create the lock \(path): \(String(cString: strerror(errno)))") }
        }
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }
    public func release() { try? FileManager.default.removeItem(atPath: path) }
}

extension EnvironmentFingerprint {
    /// The git revision with a `-dirty` suffix when the work tree had uncommitted changes.
    public static let revisionLabel: String = {
        let f = EnvironmentFingerprint.current()
        return f.gitRevision + (f.gitDirty ? "-dirty" : "")
    }()
}
