import Foundation
import Testing
@testable import BenchHarness
@testable import DistillKit

/// `bench compare` on small results directories written by hand (manifest, records, per-user
/// files), one per pairing case, plus one end-to-end run of the real runner's output.
@Suite(.serialized) struct ResultsComparisonTests {
    // MARK: fixtures

    /// One run of a fixture directory: every metric of the protocol has `value`, and every
    /// per-user column the user's value.
    struct Run {
        var method = "student"
        var dim = 4
        var seed: UInt64
        var value: Double
        var users: [(id: String, value: Double)]
        var split: String? = nil
        var datasetHash = "data-1"
        /// The variant in the run key; default the method key.
        var variant: String? = nil
    }

    /// A results directory with a manifest and the runs' `record.json` and `test-users.tsv`.
    static func directory(_ name: String, _ runs: [Run], protocol p: EvaluationProtocol = .holdout,
                          datasetHash: String = "data-1") throws -> ResultsStore {
        let store = ResultsStore(root: SuiteRunnerTests.temp("cmp-\(name)"))
        try store.writeManifest(Manifest(
            suiteName: name, suite: Suite(name: name, datasets: [.init(name: "tiny")]), evaluationProtocol: p,
            environment: EnvironmentFingerprint(gitRevision: "test", gitDirty: false, swiftVersion: "test", buildConfiguration: "debug",
                                                os: "test", cpuModel: "test", cores: 2, blasCore: "test"),
            threads: 2, datasetHashes: ["tiny": datasetHash], splitHashes: [:], startedAt: "test", finishedAt: "test", invocations: []))
        for run in runs {
            let spec = RunSpec(dataset: .init(name: "tiny"), evaluationProtocol: p, method: run.method, variant: run.variant ?? run.method,
                               hyperparameters: [:], family: "bpr-mf",
                               teacherDimension: 16, dimension: run.dim, phi: Double(run.dim) / 16, seed: run.seed,
                               training: TrainingConfig(), teacherTraining: TrainingConfig(),
                               latency: LatencySettings())
            let key = spec.key
            let test = Dictionary(uniqueKeysWithValues: p.metricKeys.map { ($0, run.value) })
            let record = RunRecord(formatVersion: RunRecord.currentFormat, key: key, configHash: "", identity: nil, spec: spec,
                                   status: .finished, failure: nil, warnings: [], deviations: [], datasetHash: run.datasetHash,
                                   splitHash: run.split ?? "split-seed\(run.seed)", selectionMetric: p.selectionMetric,
                                   selectedEpoch: 1, epochsRun: 1, trainingStatus: "finished", trainSeconds: 0, validation: test,
                                   test: test, learningCurve: [], latency: nil, model: nil, teacher: nil, codeRevision: "test")
            var users = "user\t" + p.metricKeys.joined(separator: "\t") + "\n"
            for u in run.users { users += u.id + "\t" + p.metricKeys.map { _ in "\(u.value)" }.joined(separator: "\t") + "\n" }
            try AtomicFile.write(users, to: store.path("runs", key, "test-users.tsv"))
            try AtomicFile.write(try CanonicalJSON.pretty(record), to: store.recordPath(key))
        }
        return store
    }

    /// Users u1...u(count) with the given values.
    static func users(_ values: [Double]) -> [(id: String, value: Double)] {
        values.enumerated().map { ("u\($0.offset + 1)", $0.element) }
    }

    static func files(under root: String) -> [String] {
        (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).sorted()
    }

    static func row(_ c: ResultsComparison, _ method: String = "student", metric: String = "ndcg@20") throws -> ResultsComparison.Row {
        try #require(c.rows.first { $0.method == method && $0.metric == metric })
    }

    // MARK: pairing cases

    /// Same seeds, same splits: paired t across seeds and Wilcoxon over users paired by id.
    @Test func equalSeedsArePaired() throws {
        // A: users u1...u5 at 0.1...0.5 in every seed; B: the same users raised by 0.001·(5·seed + k),
        // fifteen distinct positive differences, written in reverse order (pairing is by id, not line)
        // plus a user A does not have (left out).
        let base = [0.1, 0.2, 0.3, 0.4, 0.5]
        let a = try Self.directory("eq-a", zip([0, 1, 2] as [UInt64], [0.30, 0.32, 0.31]).map {
            Run(seed: $0, value: $1, users: Self.users(base))
        })
        let b = try Self.directory("eq-b", zip([0, 1, 2] as [UInt64], [0.35, 0.36, 0.34]).map { seed, value in
            let raised: [(id: String, value: Double)] = base.enumerated().map {
                ("u\($0.offset + 1)", $0.element + 0.001 * Double(5 * Int(seed) + $0.offset + 1))
            }
            return Run(seed: seed, value: value, users: Array(raised.reversed()) + [("u9", 0.9)])
        })
        let c = try ResultsComparison.compare(a, b, metrics: ["ndcg@20"])
        let r = try Self.row(c)
        #expect(c.rows.count == 1)
        #expect(r.pairing == .paired && r.reasons.isEmpty && r.comparison == "paired")
        #expect(r.seedsA == [0, 1, 2] && r.seedsB == [0, 1, 2] && r.notComparedA.isEmpty && r.notComparedB.isEmpty)
        #expect(abs(r.meanA - 0.31) < 1e-12 && abs(r.meanB - 0.35) < 1e-12)
        // hand: B − A = 0.05, 0.04, 0.03: mean 0.04, sd 0.01, t = 0.04 / (0.01/√3) = 4√3 with 2 df,
        // where the two-sided p is 1 − t/√(t² + 2) = 1 − √(48/50).
        guard case .paired(let t) = r.seedTest else { Issue.record("expected a paired t-test"); return }
        #expect(abs(t.t - 4 * 3.0.squareRoot()) < 1e-9)
        #expect(abs(t.pValue - (1 - (48.0 / 50).squareRoot())) < 1e-9)
        // hand: 15 positive untied differences: W− = 0, exact two-sided p = 2 / 2¹⁵.
        guard case .wilcoxon(let w) = r.userTest else { Issue.record("expected a Wilcoxon test"); return }
        #expect(r.usersA == 15 && r.usersB == 15)
        #expect(w.method == .exact && w.negativeRankSum == 0 && w.positiveRankSum == 120)
        #expect(w.pValue == 2.0 / 32768)
        let md = c.markdown("A", "B")
        #expect(md.contains("| tiny | student | 4 | ndcg@20 | paired | 0–2 | 0–2 |"))
        #expect(md.contains("| paired t |") && md.contains("| Wilcoxon |"))
    }

    /// Seeds 0–2 against 3–5: different splits, so Welch across seeds and Mann–Whitney across users.
    @Test func disjointSeedsAreUnpairedAndSaySo() throws {
        // Per run three users; every B user value is above every A user value.
        let a = try Self.directory("dis-a", zip([0, 1, 2] as [UInt64], [0.1, 0.2, 0.3]).map { seed, value in
            Run(seed: seed, value: value, users: Self.users([0.01, 0.02, 0.03].map { $0 + 0.03 * Double(seed) }))
        })
        let b = try Self.directory("dis-b", zip([3, 4, 5] as [UInt64], [0.4, 0.6, 0.8]).map { seed, value in
            Run(seed: seed, value: value, users: Self.users([0.51, 0.52, 0.53].map { $0 + 0.03 * Double(seed - 3) }))
        })
        let c = try ResultsComparison.compare(a, b, metrics: ["ndcg@20"])
        let r = try Self.row(c)
        #expect(r.pairing == .unpaired)
        #expect(r.reasons == ["seeds differ (A 0–2, B 3–5)"])
        #expect(r.comparison == "unpaired: seeds differ (A 0–2, B 3–5)")
        // Means over every run used: (0.1 + 0.2 + 0.3)/3 and (0.4 + 0.6 + 0.8)/3.
        #expect(r.seedsA == [0, 1, 2] && r.seedsB == [3, 4, 5])
        #expect(abs(r.meanA - 0.2) < 1e-12 && abs(r.meanB - 0.6) < 1e-12)
        // [0.4, 0.6, 0.8] vs [0.1, 0.2, 0.3] is 0.1 × ([4, 6, 8] vs [1, 2, 3]), and t is scale-free:
        // hand t = 4/√(5/3), ν = 50/17; scipy 1.17.1 stats.ttest_ind([4, 6, 8], [1, 2, 3], equal_var=False)
        // → p = 0.054786766041076435.
        guard case .welch(let t) = r.seedTest else { Issue.record("expected Welch's t-test"); return }
        #expect(abs(t.t - 4 / (5.0 / 3).squareRoot()) < 1e-9)
        #expect(abs(t.degreesOfFreedom - 50.0 / 17) < 1e-9)
        #expect(abs(t.pValue - 0.054786766041076435) < 1e-9)
        // hand: 9 pooled B values all above 9 pooled A values, no ties: U of B = 81 and only one of
        // the C(18, 9) = 48620 orderings is as extreme on each side, so p = 2/48620.
        guard case .mannWhitney(let u) = r.userTest else { Issue.record("expected a Mann-Whitney test"); return }
        #expect(r.usersA == 9 && r.usersB == 9)
        #expect(u.method == .exact && u.u == 81)
        #expect(abs(u.pValue - 2.0 / 48620) < 1e-15)
        let md = c.markdown("A", "B")
        #expect(md.contains("| tiny | student | 4 | ndcg@20 | unpaired: seeds differ (A 0–2, B 3–5) | 0–2 | 3–5 | 0.2000 | 0.6000 |"))
        #expect(md.contains("| Welch t | 0.0548 |") && md.contains("| Mann-Whitney | 4.11e-05 |") && md.contains("| 9 / 9 |"))
    }

    /// A seeds 0–2 against B seed 0: pair seed 0, average over seed 0 only, list seeds 1–2.
    @Test func aSubsetOfSeedsPairsOnlyThoseSeeds() throws {
        let a = try Self.directory("sub-a", zip([0, 1, 2] as [UInt64], [0.30, 0.50, 0.70]).map {
            Run(seed: $0, value: $1, users: Self.users([0.1, 0.2, 0.3, 0.4, 0.5]))
        })
        let b = try Self.directory("sub-b", [Run(seed: 0, value: 0.40, users: Self.users([0.11, 0.22, 0.33, 0.44, 0.55]))])
        let c = try ResultsComparison.compare(a, b, metrics: ["ndcg@20"])
        let r = try Self.row(c)
        #expect(r.pairing == .paired)
        #expect(r.seedsA == [0] && r.seedsB == [0])
        #expect(r.notComparedA == [1, 2] && r.notComparedB.isEmpty)
        #expect(r.meanA == 0.30 && r.meanB == 0.40)   // not the mean of A's three seeds (0.5)
        #expect(r.comparison == "paired on seed 0: seeds differ (A 0–2, B 0); not compared: A seeds 1, 2")
        // One pair: no seed test; the users of seed 0 still pair. hand: 5 positive untied differences, p = 2/2⁵.
        #expect(!r.seedTest.isComputable && r.seedTest.pValue.isNaN)
        guard case .wilcoxon(let w) = r.userTest else { Issue.record("expected a Wilcoxon test"); return }
        #expect(w.sampleSize == 5 && w.pValue == 0.0625)
        let md = c.markdown("A", "B")
        #expect(md.contains("| paired on seed 0: seeds differ (A 0–2, B 0); not compared: A seeds 1, 2 | 0 | 0 | 0.3000 | 0.4000 |"))
        #expect(md.contains("| paired t | – | – | Wilcoxon | 0.0625 |"))
    }

    /// Same seed, other split: never paired; the row names the seed.
    @Test func aSplitHashMismatchIsNamed() throws {
        let users = Self.users([0.1, 0.2, 0.3])
        let a = try Self.directory("split-a", [Run(seed: 0, value: 0.30, users: users), Run(seed: 1, value: 0.32, users: users)])
        let b = try Self.directory("split-b", [Run(seed: 0, value: 0.35, users: users),
                                               Run(seed: 1, value: 0.31, users: users, split: "another-split")])
        let c = try ResultsComparison.compare(a, b, metrics: ["ndcg@20"])
        let r = try Self.row(c)
        // Only seed 0 pairs and both sides have another run: unpaired over both seeds of each side.
        #expect(r.pairing == .unpaired)
        #expect(r.reasons == ["split hash differs for seed 1"])
        #expect(r.comparison == "unpaired: split hash differs for seed 1")
        #expect(r.seedsA == [0, 1] && r.seedsB == [0, 1])
        #expect(abs(r.meanA - 0.31) < 1e-12 && abs(r.meanB - 0.33) < 1e-12)
        #expect(r.seedTest.name == "Welch t" && r.userTest.name == "Mann-Whitney")
        #expect(r.usersA == 6 && r.usersB == 6)

        // With three seeds the two that pair are used, and seed 1 is left out on both sides.
        let a3 = try Self.directory("split3-a", [0, 1, 2].map { Run(seed: $0, value: 0.3, users: users) })
        let b3 = try Self.directory("split3-b", [0, 1, 2].map { Run(seed: $0, value: 0.4, users: users, split: $0 == 1 ? "another-split" : nil) })
        let r3 = try Self.row(try ResultsComparison.compare(a3, b3, metrics: ["ndcg@20"]))
        #expect(r3.pairing == .paired && r3.seedsA == [0, 2] && r3.notComparedA == [1] && r3.notComparedB == [1])
        #expect(r3.comparison == "paired on seeds 0, 2: split hash differs for seed 1; not compared: A seed 1, B seed 1")

        // A record of other data for one seed is named the same way.
        let bData = try Self.directory("split-data-b", [Run(seed: 0, value: 0.35, users: users, datasetHash: "data-2")])
        let aOne = try Self.directory("split-data-a", [Run(seed: 0, value: 0.30, users: users)])
        let rd = try Self.row(try ResultsComparison.compare(aOne, bData, metrics: ["ndcg@20"]))
        #expect(rd.pairing == .unpaired && rd.reasons == ["dataset hash differs for seed 0"])
        #expect(!rd.seedTest.isComputable)   // one run per side: Welch needs two
    }

    /// Nothing in common: an error naming both directories and their cells, and no file written.
    @Test func nothingInCommonIsAnErrorAndWritesNothing() throws {
        let a = try Self.directory("none-a", [0, 1, 2].map { Run(seed: $0, value: 0.3, users: Self.users([0.1])) })
        let b = try Self.directory("none-b", [Run(method: "rrd", seed: 0, value: 0.3, users: Self.users([0.1]))])
        let csv = SuiteRunnerTests.temp("none-out.csv")
        let cwdCSV = FileManager.default.currentDirectoryPath + "/compare.csv"
        let cwdBefore = try? FileManager.default.attributesOfItem(atPath: cwdCSV)[.modificationDate] as? Date
        #expect {
            _ = try ResultsComparison.report(a.root, b.root, csvPath: csv)
        } throws: {
            let m = "\($0)"
            return m.contains("nothing to compare") && m.contains(a.root) && m.contains(b.root)
                && m.contains("tiny__bpr-mf__student__d4 (seeds 0–2)") && m.contains("tiny__bpr-mf__rrd__d4 (seed 0)")
        }
        #expect(!FileManager.default.fileExists(atPath: csv))
        let cwdAfter = try? FileManager.default.attributesOfItem(atPath: cwdCSV)[.modificationDate] as? Date
        #expect(cwdBefore == cwdAfter)
        // An empty side says so.
        let empty = try Self.directory("none-empty", [])
        #expect { try ResultsComparison.compare(a, empty) } throws: { "\($0)".contains("B \(empty.root) holds no finished runs") }
    }

    @Test func refusesOtherProtocols() throws {
        let a = try Self.directory("proto-a", [Run(seed: 0, value: 0.3, users: Self.users([0.1]))])
        let loo = try Self.directory("proto-b", [Run(seed: 0, value: 0.3, users: Self.users([0.1]))], protocol: .loo499)
        let csv = SuiteRunnerTests.temp("proto-out.csv")
        #expect { _ = try ResultsComparison.report(a.root, loo.root, csvPath: csv) } throws: {
            "\($0)".contains("\(a.root) is holdout") && "\($0)".contains("\(loo.root) is loo-499")
        }
        #expect(!FileManager.default.fileExists(atPath: csv))
    }

    @Test func refusesOtherData() throws {
        let a = try Self.directory("data-a", [Run(seed: 0, value: 0.3, users: Self.users([0.1]))])
        let b = try Self.directory("data-b", [Run(seed: 0, value: 0.3, users: Self.users([0.1]))], datasetHash: "beef")
        let csv = SuiteRunnerTests.temp("data-out.csv")
        #expect { _ = try ResultsComparison.report(a.root, b.root, csvPath: csv) } throws: {
            "\($0)".contains("dataset tiny has hash data-1 in \(a.root) and beef in \(b.root)")
        }
        #expect(!FileManager.default.fileExists(atPath: csv))
    }

    /// The CSV goes to the path given and nowhere else; without a path nothing is written.
    @Test func csvIsWrittenOnlyWhereAsked() throws {
        let a = try Self.directory("csv-a", [0, 1, 2].map { Run(seed: $0, value: 0.3 + 0.01 * Double($0), users: Self.users([0.1, 0.2])) })
        let b = try Self.directory("csv-b", [3, 4, 5].map { Run(seed: $0, value: 0.4 + 0.01 * Double($0), users: Self.users([0.3, 0.4])) })
        let (filesA, filesB) = (Self.files(under: a.root), Self.files(under: b.root))
        let cwdCSV = FileManager.default.currentDirectoryPath + "/compare.csv"
        let cwdBefore = try? FileManager.default.attributesOfItem(atPath: cwdCSV)[.modificationDate] as? Date

        let printed = try ResultsComparison.report(a.root, b.root, metrics: ["ndcg@20", "recall@20"])
        #expect(!printed.contains("CSV:"))
        #expect(Self.files(under: a.root) == filesA && Self.files(under: b.root) == filesB)
        #expect((try? FileManager.default.attributesOfItem(atPath: cwdCSV)[.modificationDate] as? Date) == cwdBefore)

        let out = SuiteRunnerTests.temp("csv-out") + "/nested/table.csv"
        let withCSV = try ResultsComparison.report(a.root, b.root, metrics: ["ndcg@20", "recall@20"], csvPath: out)
        #expect(withCSV.hasSuffix("\nCSV: \(out)\n"))
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("dataset,method,variant,dim,metric,cell,pairing,reasons,seeds_a,seeds_b,"))
        // The reason holds a comma, so it is quoted.
        #expect(lines[1].hasPrefix("tiny,student,,4,ndcg@20,tiny__bpr-mf__student__d4,unpaired,\"seeds differ (A 0–2, B 3–5)\",0 1 2,3 4 5,,,"))
        #expect(lines[1].contains(",welch,") && lines[1].contains(",mann-whitney,"))
        #expect(Self.files(under: a.root) == filesA && Self.files(under: b.root) == filesB)
    }

    // MARK: cells and the table

    /// Two variants of one method are two cells, and the variant shows next to the method.
    @Test func variantKeysGroupAndShowTheVariant() throws {
        func runs(_ variant: String, _ value: Double) -> [Run] {
            [0, 1].map { Run(method: "rrd", seed: $0, value: value, users: Self.users([value]), variant: variant) }
        }
        let a = try Self.directory("var-a", runs("rrd-t1", 0.3) + runs("rrd-t2", 0.4))
        let b = try Self.directory("var-b", runs("rrd-t1", 0.35) + runs("rrd-t2", 0.45))
        let c = try ResultsComparison.compare(a, b, metrics: ["ndcg@20"])
        #expect(c.rows.map(\.cell) == ["tiny__bpr-mf__rrd-t1__d4", "tiny__bpr-mf__rrd-t2__d4"])
        #expect(c.rows.map(\.variant) == ["rrd-t1", "rrd-t2"])
        #expect(c.rows.allSatisfy { $0.pairing == .paired && $0.seedsA == [0, 1] })
        #expect(c.markdown("A", "B").contains("| tiny | rrd | rrd-t1 | 4 | ndcg@20 | paired |"))
    }

    /// Holm runs over the whole table per column, paired and unpaired rows together.
    @Test func holmSpansPairedAndUnpairedRows() throws {
        let users = Self.users([0.1, 0.2, 0.3])
        let a = try Self.directory("holm-a", [0, 1, 2].map { Run(seed: $0, value: 0.30 + 0.01 * Double($0 * $0), users: users) }
            + [0, 1, 2].map { Run(method: "teacher", dim: 16, seed: $0, value: 0.5 + 0.01 * Double($0), users: users) })
        let b = try Self.directory("holm-b", [0, 1, 2].map { Run(seed: $0, value: 0.35 + 0.01 * Double($0), users: users) }
            + [3, 4, 5].map { Run(method: "teacher", dim: 16, seed: $0, value: 0.6 + 0.02 * Double($0), users: users) })
        let c = try ResultsComparison.compare(a, b, metrics: ["ndcg@20"])
        #expect(c.rows.map(\.method) == ["student", "teacher"])
        #expect(c.rows.map(\.pairing) == [.paired, .unpaired])
        #expect(c.rows.map(\.seedHolm) == HolmCorrection.adjust(c.rows.map(\.seedTest.pValue)))
        #expect(c.rows.map(\.userHolm) == HolmCorrection.adjust(c.rows.map(\.userTest.pValue)))
        #expect(c.markdown("A", "B").contains("Holm over the whole table for each test column"))
    }

    // MARK: end to end

    static func run(_ name: String, seeds: [UInt64]) throws -> ResultsStore {
        var suite = try SuiteRunnerTests.tinySuite()
        suite.seeds = seeds
        let dir = SuiteRunnerTests.temp("compare-\(name)")
        try SuiteRunner(suite: suite, store: ResultsStore(root: dir), threads: 2, progress: ProgressReporter(quiet: true),
                        teachers: TeacherCache(root: SuiteRunnerTests.temp("compare-cache")), commandLine: "test",
                        recordTiming: false).run()
        return ResultsStore(root: dir)
    }

    /// On the runner's own output (real records and per-user files): a directory against itself
    /// pairs every seed and finds no difference.
    @Test func aRunComparedWithItselfHasNoDifference() throws {
        let a = try Self.run("self", seeds: [0, 1])
        let c = try ResultsComparison.compare(a, a)
        #expect(c.rows.count == 2 * EvaluationProtocol.holdout.metricKeys.count)   // teacher d16 and student d4
        #expect(c.rows.allSatisfy { $0.pairing == .paired && $0.seedsA == [0, 1] && $0.usersA > 0 })
        #expect(c.rows.allSatisfy { $0.difference == 0 && $0.seedTest.pValue == 1 && $0.userTest.pValue == 1 })
    }
}
