import Foundation
import Testing
@testable import BenchHarness
@testable import DistillKit

/// One suite run by several processes: selections (phases, shards, keys), run and cache locks,
/// temporary files of other writers, the finalize step, and `--jobs` / `--shard` / the Slurm
/// dry run end to end, each byte-identical to a serial run where it writes results.
@Suite(.serialized) struct ParallelRunTests {
    static func suite(_ methods: String = "[student, rrd]", seeds: String = "[0, 1]", phi: String = "[0.25, 0.5]") throws -> Suite {
        try Suite.parse("""
            name: par
            datasets: [synthetic-tiny]
            teacher_dim: 16
            phi: \(phi)
            seeds: \(seeds)
            methods: \(methods)
            training: {lr: 0.01, weight_decay: 0.01, max_epochs: 10, eval_every: 5, patience: 2}
            threads: 1
            """, file: "par.yaml", defaultName: "par")
    }

    // MARK: selections

    @Test func shardsCoverEachPhaseOnceAndIgnoreTheSuitesListOrder() throws {
        let runs = try Self.suite().expand()
        for phase in RunSelection.Phase.allCases {
            let whole = try RunSelection(phase: phase).apply(runs).map(\.key)
            for n in 1...5 {
                let shards = try (0..<n).map { try RunSelection(phase: phase, shard: ($0, n)).apply(runs).map(\.key) }
                #expect(shards.flatMap { $0 }.sorted() == whole.sorted(), "phase \(phase), \(n) shards")
                #expect(shards.map(\.count).max()! - shards.map(\.count).min()! <= 1, "shards of one phase differ by at most one run")
            }
        }
        #expect(try RunSelection(phase: .teachers).apply(runs).allSatisfy(\.isTeacher))
        #expect(try RunSelection(phase: .students).apply(runs).allSatisfy { !$0.isTeacher })
        // The same suite with its lists in another order: every shard holds the same runs.
        let reordered = try Self.suite("[rrd, student]", seeds: "[1, 0]", phi: "[0.5, 0.25]").expand()
        for i in 0..<3 {
            let a = try RunSelection(shard: (i, 3)).apply(runs).map(\.key).sorted()
            let b = try RunSelection(shard: (i, 3)).apply(reordered).map(\.key).sorted()
            #expect(a == b)
        }
    }

    @Test func badShardsAndUnknownKeysSayWhatIsExpected() throws {
        for bad in ["3/3", "-1/2", "1", "a/b", "0/0", "1/2/3"] {
            #expect(throws: HarnessError.self) { try RunSelection.parseShard(bad) }
        }
        #expect(try RunSelection.parseShard("2/8") == (2, 8))
        let runs = try Self.suite().expand()
        do {
            _ = try RunSelection(keys: ["nope__x"]).apply(runs)
            Issue.record("an unknown key was accepted")
        } catch {
            #expect("\(error)".contains("'nope__x' is not a run of this suite"))
        }
        #expect(try RunSelection(keys: [runs[3].key]).apply(runs).map(\.key) == [runs[3].key])
    }

    // MARK: locks and temporary files

    /// The pid of a process that has certainly exited.
    static func deadPID() throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }

    @Test func aRunLockIsHeldUntilReleasedAndTakenOverOnlyFromTheDeadOfThisHost() throws {
        let dir = SuiteRunnerTests.temp("locks")
        try AtomicFile.makeDirectory(dir)
        let path = (dir as NSString).appendingPathComponent(".lock")
        guard case .acquired(let lock) = try LockFile.tryAcquire(path) else { Issue.record("a free lock was not acquired"); return }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "\(WriterIdentity.current)\n")
        guard case .heldBy(let owner, _) = try LockFile.tryAcquire(path) else { Issue.record("a held lock was acquired twice"); return }
        #expect(owner == WriterIdentity.current)
        lock.release()
        #expect(!FileManager.default.fileExists(atPath: path))

        // A dead process of this host: taken over.
        let dead = WriterIdentity(host: WriterIdentity.current.host, pid: try Self.deadPID())
        try "\(dead)\n".write(toFile: path, atomically: false, encoding: .utf8)
        guard case .acquired(let taken) = try LockFile.tryAcquire(path) else { Issue.record("a dead owner's lock was not taken over"); return }
        taken.release()
        // Another host's process, dead or not, is never judged from here.
        let foreign = WriterIdentity(host: "some-other-node", pid: dead.pid)
        try "\(foreign)\n".write(toFile: path, atomically: false, encoding: .utf8)
        guard case .heldBy(let other, _) = try LockFile.tryAcquire(path) else { Issue.record("another host's lock was taken"); return }
        #expect(other == foreign)
        #expect(LockFile.describe(other, since: nil) == "pid \(dead.pid) on some-other-node")
        try FileManager.default.removeItem(atPath: path)

        // A waiting acquire returns once the holder lets go.
        guard case .acquired(let first) = try LockFile.tryAcquire(path) else { Issue.record("not acquired"); return }
        let released = DispatchSemaphore(value: 0)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { first.release(); released.signal() }
        var waited = ""
        let second = try LockFile.acquire(path, poll: 0.05) { waited = $0 }
        #expect(waited.contains("held by pid \(getpid())"))
        released.wait()
        second.release()
    }

    @Test func onlyTheTemporaryFilesOfDeadWritersOfThisHostAreSwept() throws {
        let dir = SuiteRunnerTests.temp("temps")
        let store = ResultsStore(root: dir)
        try AtomicFile.makeDirectory(store.path("runs", "k"))
        let dead = try Self.deadPID(), host = WriterIdentity.current.host
        let names = ["record.json.tmp-\(dead)@\(host)", "record.json.tmp-\(getpid())@\(host)", "record.json.tmp-\(dead)@other-node",
                     "summary.csv.tmp-\(dead)", "record.json"]
        for n in names { try Data("x".utf8).write(to: URL(fileURLWithPath: store.path("runs", "k", n))) }
        store.removeStaleTemporaryFiles()
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: store.path("runs", "k")))
        #expect(left == ["record.json.tmp-\(getpid())@\(host)", "record.json.tmp-\(dead)@other-node", "record.json"])
        #expect(WriterIdentity.writer(ofTemporary: "a.json.tmp-12@n1") == WriterIdentity(host: "n1", pid: 12))
        #expect(WriterIdentity.writer(ofTemporary: "a.json") == nil)
    }

    // MARK: phases in one process, finalize

    @Test func teachersThenShardedStudentsEqualASerialRunByteForByte() throws {
        let suite = try Self.suite()
        let serial = SuiteRunnerTests.temp("par-serial"), phased = SuiteRunnerTests.temp("par-phased")
        func runner(_ dir: String, cache: String) -> SuiteRunner {
            SuiteRunner(suite: suite, store: ResultsStore(root: dir), threads: 1, progress: ProgressReporter(quiet: true),
                        teachers: TeacherCache(root: cache), commandLine: "test", recordTiming: false)
        }
        try runner(serial, cache: SuiteRunnerTests.temp("par-serial-cache")).run()
        let cache = SuiteRunnerTests.temp("par-phased-cache")
        let teachers = try runner(phased, cache: cache).run(selection: RunSelection(phase: .teachers), finalize: false)
        #expect(teachers.ran == 2)
        // The teachers phase also left the artefacts RRD reads in the cache.
        let artefacts = try FileManager.default.subpathsOfDirectory(atPath: cache).filter { $0.contains("/artefacts/") }
        #expect(artefacts.count >= 2, "artefacts cached by the teachers phase: \(artefacts)")

        let partial = try ResultsFinalizer.finalize(ResultsStore(root: phased))
        #expect(partial.finished == 2 && partial.missing.count == 8 && !partial.isComplete)
        #expect(partial.text.contains("2 of 10 runs finished, 0 failed, 8 missing"))
        for i in 0..<3 {
            try runner(phased, cache: cache).run(selection: RunSelection(phase: .students, shard: (i, 3)), finalize: false)
        }
        let report = try ResultsFinalizer.finalize(ResultsStore(root: phased))
        #expect(report.isComplete && report.finished == 10)
        let a = Self.results(serial), b = Self.results(phased)
        #expect(a.keys.sorted() == b.keys.sorted())
        for (path, data) in a { #expect(b[path] == data, "\(path) differs between the serial and the phased run") }
        let manifest = try #require(try ResultsStore(root: phased).readManifest())
        #expect(manifest.runs?.finished == 10 && manifest.runs?.missing == [] && manifest.otherEnvironments == [])
        #expect(manifest.invocations.count == 4 && manifest.invocations.allSatisfy { $0.outcome == "finished" })
        #expect(manifest.invocations.map { $0.selection ?? "" } == ["teachers", "students, shard 0/3", "students, shard 1/3", "students, shard 2/3"])
    }

    // MARK: deferred latency

    static let quickLatency = "latency: {warmup: 5, min_queries: 20, min_seconds: 0, passes: 2, batch_users: 8}"

    @Test func deferredProbesRunInTheLatencyPhaseAndChangeNothingElse() throws {
        let suite = try Suite.parse(Self.suiteFile + "\n" + Self.quickLatency, file: "par.yaml", defaultName: "par")
        let inline = SuiteRunnerTests.temp("lat-inline"), deferred = SuiteRunnerTests.temp("lat-deferred")
        let cache = SuiteRunnerTests.temp("lat-cache")
        func runner(_ dir: String) -> SuiteRunner {
            SuiteRunner(suite: suite, store: ResultsStore(root: dir), threads: 1, progress: ProgressReporter(quiet: true),
                        teachers: TeacherCache(root: cache), commandLine: "test")
        }
        try runner(inline).run()
        let worker = runner(deferred)
        worker.deferLatency = true
        try worker.run(finalize: false)
        let store = ResultsStore(root: deferred)
        let keys = try suite.expand().map(\.key)
        for key in keys {
            let r = try #require(store.readRecord(key))
            #expect(r.latencyPending == true && r.latency == nil, "\(key): not waiting for its probe")
            #expect(FileManager.default.fileExists(atPath: store.modelAwaitingLatencyPath(key)))
        }
        let waiting = try ResultsFinalizer.finalize(store)
        #expect(waiting.awaitingLatency.count == keys.count && !waiting.isComplete && waiting.text.contains("10 awaiting latency"))
        #expect(try ResultsStatus.report(store, slurmStates: { _ in nil }).text.contains("10 awaiting latency"))

        let probes = try runner(deferred).run(selection: RunSelection(phase: .latency), finalize: true)
        #expect(probes.ran == keys.count && probes.failed.isEmpty && probes.report?.isComplete == true)
        for key in keys {
            let a = try #require(ResultsStore(root: inline).readRecord(key)), b = try #require(store.readRecord(key))
            #expect(a.latency?.conditions?.mode == "inline" && b.latency?.conditions?.mode == "deferred")
            #expect(b.latencyPending == nil && (b.latency?.p50 ?? 0) > 0 && (b.latency?.conditions?.othersBusyCores ?? -1) >= 0)
            #expect(a.test == b.test && a.validation == b.validation && a.selectedEpoch == b.selectedEpoch, "\(key): the probe changed a result")
            #expect(!FileManager.default.fileExists(atPath: store.modelAwaitingLatencyPath(key)), "\(key): its saved model was kept")
            #expect(FileManager.default.fileExists(atPath: (store.runDirectory(key) as NSString).appendingPathComponent("latency-raw.tsv")))
        }
        // A second latency phase has nothing left to do.
        #expect(try runner(deferred).run(selection: RunSelection(phase: .latency), finalize: false).ran == 0)
    }

    @Test func aFailedRunThatIsBeingRerunNamesWhoRerunsIt() throws {
        let dir = SuiteRunnerTests.temp("failed-held")
        let suite = try Self.suite(seeds: "[0]", phi: "[0.25]")
        try SuiteRunner(suite: suite, store: ResultsStore(root: dir), threads: 1, progress: ProgressReporter(quiet: true),
                        teachers: TeacherCache(root: SuiteRunnerTests.temp("failed-held-cache")), commandLine: "test", recordTiming: false).run()
        let store = ResultsStore(root: dir)
        let key = try #require(try suite.expand().first { !$0.isTeacher }?.key)
        // The run failed earlier, and a live process (this one) holds its lock to run it again.
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: store.recordPath(key)))) as? [String: Any])
        json["status"] = "failed"
        json["failure"] = "diverged"
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: store.recordPath(key)))
        guard case .acquired(let lock) = try LockFile.tryAcquire(store.runLockPath(key)) else { Issue.record("lock not taken"); return }
        defer { lock.release() }
        let expected = "failed   \(key): diverged (being rerun by pid \(getpid())"
        #expect(try ResultsFinalizer.survey(store).report.text.contains(expected))
        #expect(try ResultsStatus.report(store, slurmStates: { _ in nil }).text.contains(expected))
    }

    /// Records, per-user and top-K files, splits, summary and tables (not the manifest and the
    /// invocation files, which record when and by whom).
    static func results(_ root: String) -> [String: Data] {
        ResumeAfterKillTests.filesForComparison(root)
    }

    // MARK: the command line

    static let suiteFile = """
        name: par
        datasets: [synthetic-tiny]
        teacher_dim: 16
        phi: [0.25, 0.5]
        seeds: [0, 1]
        methods: [student, rrd]
        training: {lr: 0.01, weight_decay: 0.01, max_epochs: 10, eval_every: 5, patience: 2}
        threads: 1
        """

    @Test func jobsTwoWritesWhatASerialRunWrites() throws {
        let ws = try Workspace("jobs", cache: SuiteRunnerTests.temp("jobs-cache"))
        try ws.write("s.yaml", Self.suiteFile)
        try ws.invoke(["all", "--suite", "s.yaml", "--out", "serial", "--no-timing", "--no-plots"], status: 0,
                      mentions: ["serial: 10 runs done"], in: .stdout, results: "serial", writes: true)
        let o = try ws.invoke(["all", "--suite", "s.yaml", "--out", "jobs", "--no-timing", "--no-plots", "--jobs", "2"], status: 0,
                              mentions: ["10 of 10 runs finished, 0 failed, 0 missing", "jobs: 2 workers"], in: .stdout, results: "jobs", writes: true)
        #expect(o.stderr.contains("2 workers x 1 thread(s)") && o.stderr.contains("[w1] ") && o.stderr.contains("[w2] "))
        let a = Self.results(ws.path("serial")), b = Self.results(ws.path("jobs"))
        #expect(a.keys.sorted() == b.keys.sorted())
        for (path, data) in a { #expect(b[path] == data, "\(path) differs between --jobs 2 and a serial run") }
        let manifest = ws.json("jobs/manifest.json")
        let selections = (manifest?["invocations"] as? [[String: Any]] ?? []).compactMap { $0["selection"] as? String }
        #expect(selections.first == "2 workers x 1 thread(s)" && selections.filter { $0 == "teachers" }.count == 2)
        #expect(try ws.run(["status", "jobs"]).status == 0)
    }

    @Test func jobsTwoProbesEveryModelAfterItsWorkersAlone() throws {
        let ws = try Workspace("jobs-latency", cache: SuiteRunnerTests.temp("jobs-latency-cache"))
        try ws.write("s.yaml", Self.suiteFile + "\n" + Self.quickLatency)
        let o = try ws.invoke(["all", "--suite", "s.yaml", "--out", "out", "--no-plots", "--jobs", "2"], status: 0,
                              mentions: ["10 of 10 runs finished, 0 failed, 0 missing"], in: .stdout, writes: true)
        #expect(o.stderr.contains("latency deferred") && o.stderr.contains("p50 "), "workers defer, the parent probes: \(o.stderr.suffix(600))")
        let records = try ResultsStore(root: ws.path("out")).allRecords()
        #expect(records.count == 10 && records.allSatisfy { $0.latency?.conditions?.mode == "deferred" && $0.latencyPending == nil })
        #expect(!ws.entries().contains { $0.hasSuffix("model-awaiting-latency.bin") })
    }

    @Test func aLatencyProbeWithoutItsModelSaysHowToRecoverAndTheOthersAreProbed() throws {
        let ws = try Workspace("latency-missing", cache: SuiteRunnerTests.temp("latency-missing-cache"))
        try ws.write("s.yaml", Self.suiteFile + "\n" + Self.quickLatency)
        try ws.invoke(["all", "--suite", "s.yaml", "--out", "out", "--no-plots", "--defer-latency"], status: 0,
                      mentions: ["10 awaiting latency"], in: .stdout, writes: true)
        let key = "synthetic-tiny__bpr-mf__rrd__d4__seed1"
        let store = ResultsStore(root: ws.path("out"))
        try FileManager.default.removeItem(atPath: store.modelAwaitingLatencyPath(key))
        let before = try #require(FileManager.default.contents(atPath: store.recordPath(key)))
        try ws.invoke(["all", "--suite", "s.yaml", "--out", "out", "--no-plots", "--phase", "latency"], status: 1,
                      mentions: ["\(key): latency not measured", "model-awaiting-latency.bin: missing or unreadable",
                                 "delete out/runs/\(key) and rerun the suite to train it again"], writes: true)
        #expect(FileManager.default.contents(atPath: store.recordPath(key)) == before, "the record of the unprobed run changed")
        let records = try store.allRecords()
        #expect(records.filter { $0.latencyPending == true }.map(\.key) == [key])
        #expect(records.filter { $0.latency?.conditions?.mode == "deferred" }.count == 9)
        // The way out it names works.
        try FileManager.default.removeItem(atPath: store.runDirectory(key))
        try ws.invoke(["all", "--suite", "s.yaml", "--out", "out", "--no-plots"], status: 0,
                      mentions: ["1 runs done, 9 skipped"], in: .stdout, writes: true)
        #expect(store.readRecord(key)?.latency?.conditions?.mode == "inline")
    }

    @Test func badParallelOptionsAreRefusedAndWriteNothing() throws {
        let ws = try Workspace("parallel-bad")
        try ws.write("s.yaml", Self.suiteFile)
        let cases: [([String], String)] = [
            (["--jobs", "0"], "--jobs must be >= 1"),
            (["--jobs", "2", "--shard", "0/2"], "--shard is an option of one worker"),
            (["--jobs", "2", "--defer-latency"], "--defer-latency is an option of one worker"),
            (["--defer-latency", "--no-timing"], "--defer-latency has no probe to defer with --no-timing"),
            (["--shard", "2/2"], "is not i/n with 0 <= i < n"),
            (["--phase", "students2"], "'students2' is not all, teachers, students or latency"),
            (["--only", "synthetic-tiny__bpr-mf__wizard__d4__seed0"], "is not a run of this suite"),
            (["--executor", "pbs"], "'pbs' is not local or slurm"),
            (["--partition", "gpu"], "--partition goes with --executor slurm"),
            (["--dry-run"], "--dry-run goes with --executor slurm"),
        ]
        for (extra, message) in cases {
            let status: Int32 = message.contains("not a run of this suite") || message.contains("not i/n") ? 2 : 64
            try ws.invoke(["all", "--suite", "s.yaml", "--out", "out"] + extra, status: status, mentions: [message], writes: false)
        }
        try ws.invoke(["status", "nowhere"], status: 2, mentions: ["nowhere: no suite.json"], results: nil, writes: false)
        try ws.invoke(["finalize", "nowhere"], status: 2, mentions: ["nowhere: no suite.json"], results: nil, writes: false)
    }

    @Test func slurmDryRunPrintsTheArraysAndWritesNothing() throws {
        let ws = try Workspace("slurm-dry")
        try ws.write("s.yaml", Self.suiteFile)
        let o = try ws.invoke(["all", "--suite", "s.yaml", "--out", "out", "--executor", "slurm", "--dry-run", "--partition", "short",
                               "--time", "0:30:00", "--mem", "2G"], status: 0,
                              mentions: ["#SBATCH --array=0-1", "#SBATCH --array=0-7", "#SBATCH --partition=short", "#SBATCH --time=0:30:00",
                                         "#SBATCH --mem=2G", "--phase teachers", "finalize", "--defer-latency", "--phase latency || status=$?", "--dependency=afterok:<teachers job id> --kill-on-invalid-dep=yes",
                                         "--dependency=afterany:<teachers job id>:<students job id>"],
                              in: .stdout, writes: false)
        #expect(!o.stdout.contains("submitted"))
    }
}
