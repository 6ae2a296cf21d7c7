import ArgumentParser
import BenchHarness
import Foundation

struct Golden: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Maintain golden tables.", subcommands: [Update.self])

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the golden table from a results directory (review its diff like code).")
        @Argument(help: "Results directory.") var runDirectory: String
        @Option(help: "Golden table (default: results/golden/<suite name>.json).") var golden: String?

        func run() throws {
            do {
                let store = ResultsStore(root: runDirectory)
                let path = try goldenPath(golden, store)
                let previous = FileManager.default.fileExists(atPath: path) ? try GoldenTable.read(path) : nil
                let table = try GoldenTable.make(from: store, keeping: previous)
                try table.write(path)
                print("\(path): \(table.runs.count) runs from \(runDirectory) (\(table.platform.cpuModel) | \(table.platform.blasCore) | \(table.platform.buildConfiguration))")
            } catch { throw fail(error) }
        }
    }
}

/// results/golden/<suite>.json unless given.
func goldenPath(_ given: String?, _ store: ResultsStore) throws -> String {
    if let given { return given }
    guard let m = try store.readManifest() else { throw HarnessError("\(store.root): no manifest.json; not a results directory") }
    return "results/golden/\(m.suiteName).json"
}
