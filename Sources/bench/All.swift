import ArgumentParser
import BenchHarness
import BenchReports
import Foundation

struct All: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a whole suite into a results directory (resumes: finished runs are skipped).")

    @Option(help: "Suite file.") var suite = "benchmarks/default.yaml"
    @Option(help: "Results directory (default: results/<suite name>).") var out: String?
    @Option(help: "Threads for training and evaluation (default: the suite's).") var threads: Int?
    @Flag(help: "No progress or per-run lines; only the final table.") var quiet = false
    @Flag(help: "Skip the latency probe and record training time as 0, so two runs compare byte for byte.") var noTiming = false
    @Flag(help: "Do not draw plots at the end.") var noPlots = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be >= 1, got \(threads)") }
    }

    func run() throws {
        noteDebugBuild(quiet: quiet)
        do {
            let s = try Suite.load(path: suite)
            let dir = out ?? "results/\(s.name)"
            let runner = SuiteRunner(suite: s, store: ResultsStore(root: dir), threads: threads, progress: ProgressReporter(quiet: quiet),
                                     recordTiming: !noTiming)
            let start = Date()
            let outcome = try runner.run()
            if !noPlots {
                // Plots are a report: without matplotlib the runs and tables still stand.
                do {
                    let files = try ResultPlots.draw(ResultsStore(root: dir))
                    if !quiet { print("plots: \(files.count) files in \(dir)/plots") }
                } catch {
                    FileHandle.standardError.write(Data("warning: plots not drawn: \(error)\n".utf8))
                }
            }
            let table = (try? String(contentsOfFile: ResultsStore(root: dir).path("tables", "summary.md"), encoding: .utf8)) ?? ""
            print(table)
            print("\(dir): \(outcome.ran) runs done, \(outcome.skipped) skipped (finished earlier), \(outcome.failed.count) failed, in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
            if !outcome.failed.isEmpty { throw ExitCode(1) }
        } catch let e as ExitCode { throw e } catch { throw fail(error) }
    }
}
