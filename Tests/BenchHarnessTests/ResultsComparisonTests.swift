import Foundation
import Testing
@testable import BenchHarness
@testable import DistillKit

@Suite(.serialized) struct ResultsComparisonTests {
    static func run(_ name: String, seeds: [UInt64], protocol p: EvaluationProtocol = .holdout, dataset: String = "synthetic-tiny") throws -> ResultsStore {
        var suite = try SuiteRunnerTests.tinySuite()
        suite.seeds = seeds
        suite.evaluationProtocol = p
        suite.datasets = [Suite.DatasetSpec(name: dataset)]
        let dir = SuiteRunnerTests.temp("compare-\(name)")
        try SuiteRunner(suite: suite, store: ResultsStore(root: dir), threads: 2, progress: ProgressReporter(quiet: true),
                        teachers: TeacherCache(root: SuiteRunnerTests.temp("compare-cache")), commandLine: "test",
                        recordTiming: false).run()
        return ResultsStore(root: dir)
    }

    @Test func statisticsAreTheTestsOfTheMatchedValues() throws {
        let a = try Self.run("a", seeds: [0, 1, 2]), b = try Self.run("b", seeds: [3, 4, 5])
        let c = try ResultsComparison.compare(a, b, metrics: ["ndcg@20"])
        #expect(c.rows.count == 2)   // teacher d16 and student d4
        for row in c.rows {
            let key = { (s: UInt64) in RunSpec.key(dataset: "synthetic-tiny", family: "bpr-mf", variant: row.method, dimension: row.dimension, seed: s) }
            let va = [0, 1, 2].map { a.readRecord(key($0))!.test["ndcg@20"]! }
            let vb = [3, 4, 5].map { b.readRecord(key($0))!.test["ndcg@20"]! }
            #expect(row.meanA == Summary(va).mean && row.meanB == Summary(vb).mean)
            #expect(row.seedTest.pValue == PairedTTest.test(vb, va).pValue)
            #expect(row.users > 0 && row.userTest.isComputable)
        }
        // Holm over the two rows of each test: min(1, 2 p_min) for the smaller p.
        let ps = c.rows.map(\.seedTest.pValue)
        #expect(c.rows.map(\.seedHolm) == HolmCorrection.adjust(ps))
        #expect(c.csv().split(separator: "\n").count == 3)
        #expect(c.markdown("A", "B").contains("| synthetic-tiny | student | 4 | ndcg@20 |"))
    }

    @Test func aRunComparedWithItselfHasNoDifference() throws {
        let a = try Self.run("self", seeds: [0, 1])
        let c = try ResultsComparison.compare(a, a)
        #expect(c.rows.allSatisfy { $0.difference == 0 && $0.seedTest.pValue == 1 && $0.userTest.pValue == 1 })
    }

    @Test func refusesOtherProtocolsAndOtherData() throws {
        let a = try Self.run("p-a", seeds: [0])
        let loo = try Self.run("p-loo", seeds: [0], protocol: .loo499, dataset: "synthetic-tiny")
        #expect { try ResultsComparison.compare(a, loo) } throws: { "\($0)".contains("is holdout") && "\($0)".contains("is loo-499") }
        // Same dataset name, other data: rewrite B's manifest hash.
        let b = try Self.run("p-b", seeds: [0])
        var m = try b.readManifest()!
        m.datasetHashes["synthetic-tiny"] = "beef"
        try b.writeManifest(m)
        #expect { try ResultsComparison.compare(a, b) } throws: { "\($0)".contains("dataset synthetic-tiny has hash") }
    }
}
