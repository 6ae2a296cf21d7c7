import ArgumentParser
import BenchHarness
import DistillKit
import Foundation

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Compare two results directories run by run, with paired statistics.")

    @Argument(help: "Results directory A (baseline).") var a: String
    @Argument(help: "Results directory B.") var b: String
    @Option(help: "Metrics to compare (comma-separated; default: all of the protocol's).") var metrics: String?
    @Option(help: "CSV file to write.") var csv = "compare.csv"

    func run() throws {
        do {
            let c = try ResultsComparison.compare(ResultsStore(root: a), ResultsStore(root: b),
                                                  metrics: metrics.map { $0.split(separator: ",").map(String.init) })
            print(c.markdown(a, b), terminator: "")
            try AtomicFile.write(c.csv(), to: csv)
            print("\nCSV: \(csv)")
        } catch { throw fail(error) }
    }
}
