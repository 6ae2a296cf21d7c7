import ArgumentParser
import BenchHarness
import DistillKit
import Foundation

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two results directories cell by cell: runs paired by seed where they share a split, unpaired tests otherwise.")

    @Argument(help: "Results directory A (baseline).") var a: String
    @Argument(help: "Results directory B.") var b: String
    @Option(help: "Metrics to compare (comma-separated; default: all of the protocol's).") var metrics: String?
    @Option(help: "Also write the table as CSV to this file; without it nothing is written.") var csv: String?

    func run() throws {
        do {
            let text = try ResultsComparison.report(a, b, metrics: metrics.map { $0.split(separator: ",").map(String.init) }, csvPath: csv)
            print(text, terminator: "")
        } catch { throw fail(error) }
    }
}
