import ArgumentParser
import BenchHarness
import BenchReports
import Foundation

struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Draw the plots of a results directory into its plots/ (PNG and SVG).")
    @Argument(help: "Results directory.") var runDirectory: String
    @Option(help: "Accuracy metric (default: the protocol's selection metric).") var metric: String?

    func run() throws {
        do {
            let files = try ResultPlots.draw(ResultsStore(root: runDirectory), metric: metric)
            print("\(files.count) files in \(runDirectory)/plots")
        } catch { throw fail(error) }
    }
}
