import ArgumentParser
import BenchHarness
import DistillKit
import Foundation

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run one (dataset, method, size, seed) into DIR; several runs build one results directory.")

    @Option(help: "Dataset: a built-in name or file:PATH.") var dataset: String
    @Option(help: "holdout or loo-499.") var `protocol` = "holdout"
    @Option(help: "Method key (see `bench list methods`), or teacher.") var method: String
    @Option(help: "Student dimension.") var dim: Int
    @Option(help: "Seed.") var seed: UInt64 = 0
    @Option(help: "Teacher dimension.") var teacherDim = 200
    @Option(help: "Results directory.") var out: String
    @Option(help: "Threads.") var threads = 2

    /// The suite file's checks, applied to the options before anything is written.
    func validate() throws {
        guard dim >= 1 else { throw ValidationError("--dim must be >= 1, got \(dim)") }
        guard teacherDim >= 1 else { throw ValidationError("--teacher-dim must be >= 1, got \(teacherDim)") }
        guard dim <= teacherDim else { throw ValidationError("--dim (\(dim)) must not exceed --teacher-dim (\(teacherDim)): students are ratios phi in (0, 1] of the teacher") }
        guard threads >= 1 else { throw ValidationError("--threads must be >= 1, got \(threads)") }
    }

    func run() throws {
        noteDebugBuild()
        do {
            guard let p = EvaluationProtocol(rawValue: `protocol`) else {
                throw HarnessError("--protocol: unknown protocol '\(RunKeyName.short(`protocol`))'; one of holdout, loo-499")
            }
            if method != MethodRegistry.teacherKey { _ = try MethodRegistry.type(for: method) }
            let spec: Suite.DatasetSpec
            if dataset.hasPrefix("file:") {
                let path = String(dataset.dropFirst(5))
                let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
                spec = Suite.DatasetSpec(name: RunKeyName.sanitized(stem), path: path)
            } else {
                guard DatasetCatalog.builtInNames.contains(dataset) else { throw DataError.unknownDataset(name: RunKeyName.short(dataset), known: DatasetCatalog.builtInNames) }
                spec = Suite.DatasetSpec(name: dataset)
            }
            var suite = Suite(name: "adhoc", datasets: [spec])
            if let existing = try ResultsStore(root: out).readSuite() { suite = existing; suite.datasets = [spec] }
            suite.evaluationProtocol = p
            suite.teacherDimension = teacherDim
            suite.seeds = [seed]
            suite.threads = threads
            let isTeacher = method == MethodRegistry.teacherKey
            suite.phis = [Double(dim) / Double(teacherDim)]
            suite.methods = isTeacher ? [] : [Suite.MethodSpec(key: method)]
            do { try suite.validate() } catch let e as SuiteError { throw HarnessError("command line: \(e.field): \(e.reason)") }
            let runs = try suite.expand().filter { $0.method == method }
            let outcome = try SuiteRunner(suite: suite, store: ResultsStore(root: out), threads: threads).run(runs)
            print("\(out): \(outcome.ran) run(s) done, \(outcome.skipped) skipped, \(outcome.failed.count) failed")
            if !outcome.failed.isEmpty { throw ExitCode(1) }
        } catch let e as ExitCode { throw e } catch { throw fail(error) }
    }
}
