import ArgumentParser
import BenchHarness
import BenchReports
import DistillKit
import Foundation

struct All: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a whole suite into a results directory (resumes: finished runs are skipped).",
        discussion: """
        Serial by default. --jobs N runs N worker processes here (teachers first, then students);
        --executor slurm submits job arrays instead. Any number of processes may run one suite into
        one directory: each run is taken under its own lock, and `bench finalize DIR` builds the
        summary, tables, plots and manifest from the records.
        """)

    @Option(help: "Suite file.") var suite = "benchmarks/default.yaml"
    @Option(help: "Results directory (default: results/<suite name>).") var out: String?
    @Option(help: "Threads for training and evaluation (default: the suite's; with --jobs, per worker).") var threads: Int?
    @Flag(help: "No progress or per-run lines; only the final table.") var quiet = false
    @Flag(help: "Skip the latency probe and record training time as 0, so two runs compare byte for byte.") var noTiming = false
    @Flag(help: "Do not draw plots at the end.") var noPlots = false
    @Option(help: "Which runs: all, teachers (teacher rows and the artefacts the methods read), students, or latency (the probes deferred by --defer-latency).") var phase = "all"
    @Option(help: "Shard i/n (0 <= i < n) of the phase's runs sorted by key, e.g. --shard $SLURM_ARRAY_TASK_ID/8.") var shard: String?
    @Option(help: "Only this run key (repeatable).") var only: [String] = []
    @Flag(help: "Leave summary, tables, manifest and plots to `bench finalize` (for workers).") var noFinalize = false
    @Flag(help: "Save each trained model and leave its latency probe to --phase latency, which probes one model at a time (for processes sharing a machine; --jobs and --executor slurm do this).") var deferLatency = false
    @Option(help: "Worker processes on this machine (threads per worker: cores / N, at most --threads).") var jobs = 1
    @Option(help: "local, or slurm: submit the unfinished runs as sbatch job arrays and return.") var executor = "local"
    @Option(help: "Slurm partition (--executor slurm).") var partition: String?
    @Option(help: "Slurm time limit per task, e.g. 2:00:00 (--executor slurm).") var time: String?
    @Option(help: "Slurm memory per task, e.g. 4G (--executor slurm).") var mem: String?
    @Flag(help: "With --executor slurm: print the sbatch scripts and commands, submit and write nothing.") var dryRun = false
    @Flag(help: .hidden) var worker = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be >= 1, got \(threads)") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be >= 1, got \(jobs)") }
        guard ["local", "slurm"].contains(executor) else { throw ValidationError("--executor: '\(executor)' is not local or slurm") }
        guard RunSelection.Phase(rawValue: phase) != nil else { throw ValidationError("--phase: '\(phase)' is not all, teachers, students or latency") }
        if deferLatency && noTiming { throw ValidationError("--defer-latency has no probe to defer with --no-timing (drop one of them)") }
        if executor != "slurm" {
            for (name, value) in [("--partition", partition), ("--time", time), ("--mem", mem)] where value != nil {
                throw ValidationError("\(name) goes with --executor slurm")
            }
            if dryRun { throw ValidationError("--dry-run goes with --executor slurm") }
        }
        if jobs > 1 || executor == "slurm" {
            let picked = [phase != "all" ? "--phase" : nil, shard != nil ? "--shard" : nil, only.isEmpty ? nil : "--only",
                          noFinalize ? "--no-finalize" : nil, deferLatency ? "--defer-latency" : nil].compactMap { $0 }
            if let first = picked.first {
                throw ValidationError("\(first) is an option of one worker; \(jobs > 1 ? "--jobs" : "--executor slurm") runs the whole suite and sets its workers' options (drop \(first))")
            }
            if jobs > 1 && executor == "slurm" { throw ValidationError("--jobs is for this machine; with --executor slurm every run is its own array task") }
        }
    }

    func run() throws {
        noteDebugBuild(quiet: quiet || worker)
        do {
            let s = try Suite.load(path: suite)
            let dir = out ?? "results/\(s.name)"
            let store = ResultsStore(root: dir)
            let start = Date()
            if executor == "slurm" { return try submitToSlurm(s, store) }
            let outcome: SuiteRunner.Outcome?
            if jobs > 1 {
                outcome = nil
                try runWorkers(s, store)
            } else {
                let selection = RunSelection(phase: RunSelection.Phase(rawValue: phase)!, shard: try shard.map(RunSelection.parseShard),
                                             keys: only.isEmpty ? nil : only)
                let runner = SuiteRunner(suite: s, store: store, threads: threads, progress: ProgressReporter(quiet: quiet), recordTiming: !noTiming)
                runner.isWorker = worker
                runner.deferLatency = deferLatency
                outcome = try runner.run(selection: selection, finalize: !noFinalize)
            }
            var complete = true
            // Serial: the runner finalized (unless --no-finalize); workers: finalize here.
            let report = try outcome == nil ? ResultsFinalizer.finalize(store) : outcome?.report
            if let report {
                complete = report.isComplete
                if !noPlots { drawPlots(store, quiet: quiet) }
                print((try? String(contentsOfFile: store.path("tables", "summary.md"), encoding: .utf8)) ?? "")
                if !report.isComplete || jobs > 1 { print(report.text) }
            }
            let seconds = String(format: "%.1f", Date().timeIntervalSince(start))
            if let outcome {
                let held = outcome.heldElsewhere.isEmpty || worker ? "" : ", \(outcome.heldElsewhere.count) left to another bench"
                let skipped = worker ? "already finished (earlier or by another worker)" : "skipped (finished earlier)"
                print("\(dir): \(outcome.ran) runs done, \(outcome.skipped) \(skipped), \(outcome.failed.count) failed\(held), in \(seconds) s")
                if !outcome.failed.isEmpty { throw ExitCode(1) }
            } else {
                print("\(dir): \(jobs) workers, in \(seconds) s")
                if !complete { throw ExitCode(1) }
            }
        } catch let e as ExitCode { throw e } catch { throw fail(error) }
    }

    /// Teachers phase on every worker, then students, then the finalize step here.
    private func runWorkers(_ s: Suite, _ store: ResultsStore) throws {
        try store.checkCompatible(with: s)
        let perWorker = LocalWorkerPool.threads(workers: jobs, requested: threads ?? s.threads)
        var args = ["all", "--suite", suite, "--out", store.root, "--worker"]
        args.append(noTiming ? "--no-timing" : "--defer-latency")
        // The workers' own words die with the pipes that forward them, so say it here too.
        InterruptCleanup.setMessage("\ninterrupted; the workers were stopped and their run locks released, finished runs are kept: rerun the same command to resume\n")
        let pool = LocalWorkerPool(executable: LocalWorkerPool.currentExecutable, arguments: args, workers: jobs, threadsPerWorker: perWorker)
        let invocation = try InvocationLog(store: store, suite: s, commandLine: CommandLine.arguments.joined(separator: " "),
                                           threads: perWorker, selection: "\(jobs) workers x \(perWorker) thread(s)")
        if !quiet { FileHandle.standardError.write(Data("\(jobs) workers x \(perWorker) thread(s) (\(ProcessInfo.processInfo.activeProcessorCount) cores)\n".utf8)) }
        for phase in [RunSelection.Phase.teachers, .students] {
            let statuses = try pool.run(phase)
            // A worker's own failed runs exit 1 and are in its records; anything else stops here.
            if let bad = statuses.first(where: { $0 != 0 && $0 != 1 }) {
                try invocation.finish(outcome: "failed")
                throw HarnessError("a worker of the \(phase.rawValue) phase exited with status \(bad); see its [w<k>] lines above, then rerun the same command to resume")
            }
        }
        try invocation.finish()
        // The workers deferred their probes; now nothing else runs, so each probe has the machine.
        let probes = SuiteRunner(suite: s, store: store, threads: 1, progress: ProgressReporter(quiet: quiet), recordTiming: !noTiming)
        try probes.run(selection: RunSelection(phase: .latency), finalize: false)
    }

    private func submitToSlurm(_ s: Suite, _ store: ResultsStore) throws {
        try store.checkCompatible(with: s)
        let threads = self.threads ?? s.threads
        let runner = SuiteRunner(suite: s, store: store, threads: threads, progress: ProgressReporter(quiet: true), recordTiming: !noTiming)
        let pending = try runner.unfinished(try s.expand())
        let executor = SlurmExecutor(suitePath: suite, store: store, executable: LocalWorkerPool.currentExecutable,
                                     passThrough: [noTiming ? "--no-timing" : "--defer-latency"],
                                     options: .init(partition: partition, time: time, mem: mem, threads: threads))
        let name = InvocationLog.fileStamp(Date())
        let scripts = executor.scripts(name: name, teachers: pending.filter(\.isTeacher).map(\.key), students: pending.filter { !$0.isTeacher }.map(\.key))
        if dryRun {
            for script in scripts {
                print("# \(script.path)\(script.keys.isEmpty ? "" : " (\(script.keys.count) tasks)")")
                print(script.text)
            }
            var ids: [String: String] = [:]
            for script in scripts {
                print((["# would run: sbatch --parsable"] + SlurmExecutor.dependencies(script.role, submitted: ids) + [script.path]).joined(separator: " "))
                ids[script.role] = "<\(script.role) job id>"
            }
            return
        }
        let awaitingLatency = (try? ResultsFinalizer.survey(store))?.report.awaitingLatency ?? []
        if pending.isEmpty && awaitingLatency.isEmpty {
            print("\(store.root): every run of suite \(s.name) is finished; nothing to submit (`bench finalize \(store.root)` rebuilds the tables)")
            return
        }
        try AtomicFile.makeDirectory(store.root)
        try store.writeSuite(s)
        let submission = try executor.submit(scripts, name: name, commandLine: CommandLine.arguments.joined(separator: " ")) { line in
            if !quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
        print("\(store.root): submitted \(pending.count) runs as \(submission.jobs.map { "\($0.role) job \($0.jobID)" }.joined(separator: ", ")); follow with `bench status \(store.root)`")
    }
}

/// Plots are a report: without matplotlib the runs and tables still stand.
func drawPlots(_ store: ResultsStore, quiet: Bool) {
    do {
        let files = try ResultPlots.draw(store)
        if !quiet { print("plots: \(files.count) files in \(store.root)/plots") }
    } catch {
        FileHandle.standardError.write(Data("warning: plots not drawn: \(error)\n".utf8))
    }
}
