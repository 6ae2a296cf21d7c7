import ArgumentParser
import BenchHarness
import Foundation

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check a results directory against its golden table; exits 1 on any difference.")

    @Argument(help: "Results directory.") var runDirectory: String
    @Option(help: "Golden table (default: results/golden/<suite name>.json).") var golden: String?

    func run() throws {
        let passed: Bool
        do {
            let store = ResultsStore(root: runDirectory)
            let path = try goldenPath(golden, store)
            let table = try GoldenTable.read(path)
            let check = try GoldenCheck.run(store, against: table)
            print(check.report(golden: table, goldenPath: path), terminator: "")
            passed = check.passed
        } catch { throw fail(error) }
        if !passed { throw ExitCode(1) }
    }
}
