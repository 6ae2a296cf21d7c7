import Foundation
import Testing
@testable import BenchHarness
@testable import DistillKit

@Suite(.serialized) struct GoldenTableTests {
    /// A finished tiny results directory and its golden table.
    static func fixture(_ name: String) throws -> (ResultsStore, GoldenTable) {
        let dir = SuiteRunnerTests.temp("golden-\(name)")
        let runner = SuiteRunner(suite: try SuiteRunnerTests.tinySuite(), store: ResultsStore(root: dir), threads: 2,
                                 progress: ProgressReporter(quiet: true), teachers: TeacherCache(root: SuiteRunnerTests.temp("golden-\(name)-cache")),
                                 commandLine: "test")
        try runner.run()
        let store = ResultsStore(root: dir)
        return (store, try GoldenTable.make(from: store))
    }

    @Test func untouchedRunPassesExactly() throws {
        let (store, golden) = try Self.fixture("pass")
        let check = try GoldenCheck.run(store, against: golden)
        #expect(check.passed && check.samePlatform)
        // Two runs x (6 holdout metrics + 4 per-popularity-group recalls).
        #expect(check.checkedValues == 2 * (EvaluationProtocol.holdout.metricKeys.count + Evaluator.popularityGroupKeys.count))
        // The file round-trips bit for bit (shortest round-trip decimal text).
        let path = SuiteRunnerTests.temp("golden-pass.json")
        try golden.write(path)
        #expect(try GoldenTable.read(path) == golden)
        #expect(try GoldenCheck.run(store, against: GoldenTable.read(path)).passed)
    }

    @Test func aPerturbedValueFailsAndIsNamed() throws {
        let (store, golden) = try Self.fixture("perturbed")
        var g = golden
        let key = "synthetic-tiny__bpr-mf__student__d4__seed0"
        g.runs[key]!.test["ndcg@20"]! = g.runs[key]!.test["ndcg@20"]!.nextUp   // one ulp
        let check = try GoldenCheck.run(store, against: g)
        #expect(!check.passed)
        #expect(check.mismatches.map(\.key) == [key] && check.mismatches[0].field == "test ndcg@20")
        #expect(check.report(golden: g, goldenPath: "g.json").contains("| \(key) | test ndcg@20 |"))
    }

    @Test func anotherPlatformUsesTheDeclaredBand() throws {
        let (store, golden) = try Self.fixture("band")
        var g = golden
        g.platform.blasCore = "SomeOtherKernel"
        let key = "synthetic-tiny__bpr-mf__teacher__d16__seed0"
        g.runs[key]!.test["recall@10"]! += 0.001
        #expect(try GoldenCheck.run(store, against: g).passed)            // within the default 0.002
        g.tolerance["recall@10"] = 0.0005
        let check = try GoldenCheck.run(store, against: g)
        #expect(!check.passed && !check.samePlatform && check.mismatches.map(\.field) == ["test recall@10"])
    }

    @Test func missingAndExtraKeysFail() throws {
        let (store, golden) = try Self.fixture("keys")
        var g = golden
        let removed = g.runs.removeValue(forKey: "synthetic-tiny__bpr-mf__teacher__d16__seed0")!
        g.runs["synthetic-tiny__bpr-mf__student__d4__seed9"] = removed
        let check = try GoldenCheck.run(store, against: g)
        #expect(!check.passed)
        #expect(check.missing == ["synthetic-tiny__bpr-mf__student__d4__seed9"])
        #expect(check.extra == ["synthetic-tiny__bpr-mf__teacher__d16__seed0"])
    }

    @Test func protocolAndDatasetMismatchesFail() throws {
        let (store, golden) = try Self.fixture("protocol")
        var g = golden
        g.evaluationProtocol = .loo499
        let check = try GoldenCheck.run(store, against: g)
        #expect(!check.passed && check.problems.contains { $0.contains("protocol mismatch: the run is holdout, the golden table is loo-499") })
        var h = golden
        h.runs["synthetic-tiny__bpr-mf__student__d4__seed0"]!.datasetHash = "0000"
        #expect(try GoldenCheck.run(store, against: h).problems.contains { $0.contains("dataset hash") })
    }
}
