import Foundation
import Testing
@testable import BenchHarness
@testable import DistillKit

/// `bench tune --suite --method --grid`: validation-only searches recorded per dataset, chained
/// one setting at a time, and picked up by suites that read the folder.
@Suite(.serialized) struct MethodTunerTests {
    static let suiteText = """
        name: tiny
        datasets: [synthetic-tiny]
        teacher_dim: 16
        phi: [0.25]
        seeds: [0]
        methods: [student, rrd]
        training: {lr: 0.01, weight_decay: 0.001, max_epochs: 10, eval_every: 5, patience: 2}
        """

    static func setup(_ name: String) throws -> (dir: String, suite: Suite) {
        let dir = SuiteRunnerTests.temp("method-tuner-\(name)")
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return (dir, try Suite.parse(suiteText, file: "tiny.yaml", defaultName: "tiny", folder: dir))
    }

    @Test func aSearchChoosesOnValidationNeverReadsTestAndChains() throws {
        let (dir, suite) = try Self.setup("chain")
        let teachers = TeacherCache(root: dir + "/teachers")
        func search(_ grid: [(String, [ConfigValue])]) throws -> TunedSettings.MethodSearch {
            let tuner = try MethodTuner(suite: suite, method: "rrd", grid: grid, dimension: 4, seed: 0, scratchRoot: dir + "/scratch",
                                        settingsFolder: dir + "/hparams", teachers: teachers)
            let s = try tuner.run(threads: 1, progress: ProgressReporter(quiet: true))["synthetic-tiny"]!
            _ = try tuner.write(s, dataset: "synthetic-tiny", folder: dir + "/hparams")
            return s
        }
        let first = try search([("lambda", [.number(0.001), .number(0.5)])])
        #expect(first.grid.count == 2 && first.grid.allSatisfy { $0.validation != nil })
        let best = first.grid.max { $0.validation! < $1.validation! }!
        #expect(first.chosen == best.hyperparameters && first.dimension == 4)
        // Validation only: the scratch records hold no test metric and no teacher test value.
        let store = ResultsStore(root: dir + "/scratch/tune-tiny-rrd-synthetic-tiny")
        for r in try store.allRecords() {
            #expect(r.test.isEmpty && r.latency == nil && !r.validation.isEmpty, "\(r.key)")
            #expect(r.teacher?.testSelectionMetric == nil)
        }
        // The second search starts from the first one's choice, and the file keeps both grids.
        let second = try search([("K", [.number(5), .number(10)])])
        #expect(second.grid.allSatisfy { $0.hyperparameters["lambda"] == first.chosen["lambda"] })
        let file = try TunedSettings.read(dir + "/hparams/synthetic-tiny.yaml")
        let recorded = try #require(file.methods?["rrd"])
        #expect(recorded.grid.count == 4)
        #expect(recorded.chosen == recorded.grid.max { $0.validation! < $1.validation! }!.hyperparameters)
        // A suite that reads the folder runs rrd with the recorded choice; its run key keeps the plain variant.
        let tuned = try Suite.parse(Self.suiteText + "\nhparams: hparams", file: "tiny.yaml", defaultName: "tiny", folder: dir)
        let rrd = try tuned.expand().first { $0.method == "rrd" }!
        #expect(rrd.hyperparameters == recorded.chosen && rrd.variant == "rrd" && rrd.trainingSource == "hparams/synthetic-tiny.yaml")
    }

    @Test func badGridsAreRefusedBeforeAnyTraining() throws {
        let (dir, suite) = try Self.setup("bad")
        func error(_ grid: [(String, [ConfigValue])]) -> String {
            do { _ = try MethodTuner(suite: suite, method: "rrd", grid: grid, dimension: 4, seed: 0, scratchRoot: dir).points(on: "synthetic-tiny"); return "no error" }
            catch { return "\(error)" }
        }
        #expect(error([("Kay", [.number(5)])]).contains("--grid Kay: method 'rrd' has no hyperparameter 'Kay'; it has: K, L, N, T, lambda"))
        #expect(error([("K", [.number(-1)])]).contains("hyperparameter 'K'"))
        #expect(error([("K", [.number(5)]), ("K", [.number(6)])]).contains("given twice"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/scratch"))
        #expect(throws: HarnessError.self) { try MethodTuner.parseGrid(["lambda"]) }
        #expect(throws: HarnessError.self) { try MethodTuner.parseGrid(["lambda=0.1,"]) }
        let parsed = try MethodTuner.parseGrid(["lambda=0.001,1e-2", "variant=paper,code", "renormalise=true"])
        #expect(parsed.map(\.name) == ["lambda", "variant", "renormalise"])
        #expect(parsed[0].values == [.number(0.001), .number(0.01)] && parsed[1].values == [.string("paper"), .string("code")] && parsed[2].values == [.bool(true)])
    }
}
