import ArgumentParser
import BenchHarness
import Foundation

struct Claims: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score the papers' claims (benchmarks/claims.yaml) on a results directory: reproduced, not reproduced, inconclusive or not run.")
    @Argument(help: "Results directory.") var runDirectory: String
    @Option(help: "Claims file.") var claims = ClaimFile.defaultPath

    func run() throws {
        do {
            let results = try ClaimEvaluation.evaluate(try ClaimFile.load(path: claims), runDirectory: runDirectory)
            print(ClaimsReport.markdown(results, title: runDirectory), terminator: "")
        } catch { throw fail(error) }
    }
}
