import ArgumentParser
import BenchHarness
import Foundation

struct Finalize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build summary.csv, tables, plots and the manifest of a results directory from its records; report runs failed or missing (exit 1 if any).")

    @Argument(help: "Results directory.") var runDirectory: String
    @Flag(help: "Do not draw plots.") var noPlots = false

    func run() throws {
        let complete: Bool
        do {
            let store = ResultsStore(root: runDirectory)
            let report = try ResultsFinalizer.finalize(store)
            if !noPlots { drawPlots(store, quiet: false) }
            print(report.text)
            complete = report.isComplete
        } catch { throw fail(error) }
        if !complete { throw ExitCode(1) }
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show how far a results directory is: runs finished, failed, running or missing, and each Slurm task that did not complete (state, exit code, log); exit 1 until every run is finished.")

    @Argument(help: "Results directory.") var runDirectory: String

    func run() throws {
        let complete: Bool
        do {
            let report = try ResultsStatus.report(ResultsStore(root: runDirectory))
            print(report.text, terminator: "")
            complete = report.complete
        } catch { throw fail(error) }
        if !complete { throw ExitCode(1) }
    }
}
