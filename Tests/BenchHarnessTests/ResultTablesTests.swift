import Foundation
import Testing
@testable import BenchHarness
@testable import DistillKit

/// The seed-aggregated tables on hand-made records: 2 datasets × {teacher, student, fake_kd} ×
/// 2 sizes × 2 seeds, metric values chosen as binary fractions so the expected means, stds and
/// gains can be worked out by hand (std of {a, b} = |a - b| / √2).
struct ResultTablesTests {
    /// A holdout record; `shown` = recall@20, ndcg@20, recall@50, ndcg@50 (the @10 values are
    /// halves, recall@20/pop1 = recall@20 and pop4 = recall@20 / 4); p50 latency = dim + seed µs;
    /// 100 users + items, so params = 100 · dim; seconds per epoch 0.25 (student) or 0.75
    /// (others) plus seed / 8, preparation 2 s for non-students.
    static func record(_ dataset: String, _ method: String, dim: Int, seed: UInt64, _ shown: [Double] = [],
                       failure: String? = nil) -> RunRecord {
        let spec = RunSpec(dataset: .init(name: dataset), evaluationProtocol: .holdout, method: method, variant: method, hyperparameters: [:],
                           family: "bpr-mf", teacherDimension: 200, dimension: dim, phi: Double(dim) / 200, seed: seed,
                           training: TrainingConfig(), teacherTraining: TrainingConfig(),
                           latency: LatencySettings())
        var test: [String: Double] = [:]
        var latency: LatencyReport?
        var model: RunRecord.Model?
        if failure == nil {
            for (k, m) in ["recall@20", "ndcg@20", "recall@50", "ndcg@50"].enumerated() { test[m] = shown[k] }
            test["recall@10"] = shown[0] / 2
            test["ndcg@10"] = shown[1] / 2
            test["recall@20/pop1"] = shown[0]
            test["recall@20/pop4"] = shown[0] / 4
            let p50 = Double(dim) + Double(seed)
            latency = LatencyReport(settings: LatencySettings(),
                                    passes: [.init(queries: 1, seconds: 1, p50: p50, p95: p50, p99: p50, qps: 1)],
                                    raw: [[p50]], batchUsersPerSecond: 1)
            model = .init(family: "bpr-mf", dimension: dim, parameters: 100 * dim, inferenceBytes: 400 * dim, trainingOnlyParameters: 0)
        }
        return RunRecord(formatVersion: RunRecord.currentFormat, key: spec.key, configHash: "", identity: nil, spec: spec,
                         status: failure == nil ? .finished : .failed, failure: failure, warnings: [], deviations: [], datasetHash: "",
                         splitHash: "", selectionMetric: "ndcg@20", selectedEpoch: 5, epochsRun: 10, trainingStatus: "early-stopped",
                         trainSeconds: 1, validation: test, test: test, learningCurve: [], latency: latency, model: model,
                         teacher: nil, cost: failure != nil || method == "teacher" ? nil
                            : .init(prepareSeconds: method == "student" ? 0 : 2, secondsPerEpoch: (method == "student" ? 0.25 : 0.75) + Double(seed) / 8,
                                    artefactSeconds: [:]),
                         codeRevision: "test")
    }

    static let records: [RunRecord] = [
        record("ml-100k", "teacher", dim: 200, seed: 0, [0.75, 0.5, 0.875, 0.625]),
        record("ml-100k", "teacher", dim: 200, seed: 1, [0.75, 0.5, 0.875, 0.625]),
        record("ml-100k", "student", dim: 5, seed: 0, [0.25, 0.125, 0.5, 0.25]),
        record("ml-100k", "student", dim: 5, seed: 1, [0.375, 0.25, 0.5, 0.25]),
        record("ml-100k", "fake_kd", dim: 5, seed: 0, [0.25, 0.25, 0.625, 0.25]),
        record("ml-100k", "fake_kd", dim: 5, seed: 1, [0.25, 0.25, 0.375, 0.25]),
        record("ml-100k", "student", dim: 10, seed: 0, [0.5, 0.25, 0.75, 0.375]),
        record("ml-100k", "student", dim: 10, seed: 1, [0.5, 0.25, 0.75, 0.375]),
        record("ml-100k", "fake_kd", dim: 10, seed: 0, [0.5, 0.1875, 0.75, 0.375]),
        record("ml-100k", "fake_kd", dim: 10, seed: 1, [0.5, 0.1875, 0.75, 0.5]),
        record("synthetic-tiny", "teacher", dim: 200, seed: 0, [0.5, 0.5, 0.5, 0.5]),
        record("synthetic-tiny", "teacher", dim: 200, seed: 1, [0.5, 0.5, 0.5, 0.5]),
        record("synthetic-tiny", "student", dim: 5, seed: 0, [0.125, 0.0625, 0.25, 0.125]),
        record("synthetic-tiny", "student", dim: 5, seed: 1, [0.125, 0.0625, 0.25, 0.125]),
        record("synthetic-tiny", "fake_kd", dim: 5, seed: 0, [0.125, 0.0625, 0.25, 0.125]),
        record("synthetic-tiny", "fake_kd", dim: 5, seed: 1, [0.125, 0.0625, 0.25, 0.125]),
        record("synthetic-tiny", "student", dim: 10, seed: 0, [0.25, 0.125, 0.5, 0.25]),
        record("synthetic-tiny", "student", dim: 10, seed: 1, [0.25, 0.125, 0.5, 0.25]),
        record("synthetic-tiny", "fake_kd", dim: 10, seed: 0, [0.25, 0.1875, 0.5, 0.25]),
        record("synthetic-tiny", "fake_kd", dim: 10, seed: 1, failure: "diverged: loss is nan at epoch 15"),
        record("broken", "student", dim: 5, seed: 0, failure: "broken.inter:3: expected at least 2 fields"),
    ]

    static let tables = ResultTables(records, protocol: .holdout, suite: "fixture")

    /// The Markdown lines of one dataset's section, rows of its `table`-th table only (0: the
    /// metrics, 1: popularity groups, 2: cost).
    static func markdownRows(_ dataset: String, table: Int = 0) -> [String] {
        let section = tables.markdown.components(separatedBy: "\n## ").first { $0.hasPrefix(dataset) }!
        let blocks = section.components(separatedBy: "\n\n").filter { $0.hasPrefix("| method") }
        return blocks[table].split(separator: "\n").map(String.init).filter { $0.hasPrefix("| ") && !$0.hasPrefix("| method") }
    }

    @Test func markdownRowsHoldMeansStdsGainsAndBestMarks() {
        // d=5: student wins recall@20, fake_kd wins ndcg@20 (0.25 vs 0.1875: +33.3%), both tie on the
        // @50 columns. The teacher is better everywhere but never bold.
        #expect(Self.markdownRows("ml-100k") == [
            "| teacher | 200 | 2 | 0.7500 ± 0.0000 | 0.5000 ± 0.0000 | 0.8750 ± 0.0000 | 0.6250 ± 0.0000 | – | 200.5 | 20000 |",
            "| student | 5 | 2 | **0.3125 ± 0.0884** | 0.1875 ± 0.0884 | **0.5000 ± 0.0000** | **0.2500 ± 0.0000** | – | 5.5 | 500 |",
            "| fake_kd | 5 | 2 | 0.2500 ± 0.0000 | **0.2500 ± 0.0000** | **0.5000 ± 0.1768** | **0.2500 ± 0.0000** | +33.3% | 5.5 | 500 |",
            "| student | 10 | 2 | **0.5000 ± 0.0000** | **0.2500 ± 0.0000** | **0.7500 ± 0.0000** | 0.3750 ± 0.0000 | – | 10.5 | 1000 |",
            "| fake_kd | 10 | 2 | **0.5000 ± 0.0000** | 0.1875 ± 0.0000 | **0.7500 ± 0.0000** | **0.4375 ± 0.0884** | -25.0% | 10.5 | 1000 |",
        ])
        // fake_kd d=10 has one finished seed: the mean alone, and its gain against 0.125 is +50%.
        #expect(Self.markdownRows("synthetic-tiny") == [
            "| teacher | 200 | 2 | 0.5000 ± 0.0000 | 0.5000 ± 0.0000 | 0.5000 ± 0.0000 | 0.5000 ± 0.0000 | – | 200.5 | 20000 |",
            "| student | 5 | 2 | **0.1250 ± 0.0000** | **0.0625 ± 0.0000** | **0.2500 ± 0.0000** | **0.1250 ± 0.0000** | – | 5.5 | 500 |",
            "| fake_kd | 5 | 2 | **0.1250 ± 0.0000** | **0.0625 ± 0.0000** | **0.2500 ± 0.0000** | **0.1250 ± 0.0000** | +0.0% | 5.5 | 500 |",
            "| student | 10 | 2 | **0.2500 ± 0.0000** | 0.1250 ± 0.0000 | **0.5000 ± 0.0000** | **0.2500 ± 0.0000** | – | 10.5 | 1000 |",
            "| fake_kd | 10 | 1 | **0.2500** | **0.1875** | **0.5000** | **0.2500** | +50.0% | 10.0 | 1000 |",
        ])
    }

    /// Popularity-group recall (pop2 and pop3 absent in the fixture) and the cost table, which
    /// leaves out the teacher and sets each method's seconds per epoch against the student's.
    @Test func markdownGroupAndCostTables() {
        #expect(Self.markdownRows("ml-100k", table: 1) == [
            "| teacher | 200 | 0.7500 | – | – | 0.1875 |", "| student | 5 | 0.3125 | – | – | 0.0781 |",
            "| fake_kd | 5 | 0.2500 | – | – | 0.0625 |", "| student | 10 | 0.5000 | – | – | 0.1250 |", "| fake_kd | 10 | 0.5000 | – | – | 0.1250 |",
        ])
        #expect(Self.markdownRows("ml-100k", table: 2) == [
            "| student | 5 | 0.312 | 1.00 | 0.00 | 0 |", "| fake_kd | 5 | 0.812 | 2.60 | 2.00 | 0 |",
            "| student | 10 | 0.312 | 1.00 | 0.00 | 0 |", "| fake_kd | 10 | 0.812 | 2.60 | 2.00 | 0 |",
        ])
    }

    @Test func markdownLabelsSyntheticDatasetsAndListsFailedRunsLast() {
        let md = Self.tables.markdown
        #expect(md.hasPrefix("# fixture: test metrics (holdout)\n"))
        #expect(md.contains("\n## ml-100k\n") && md.contains("\n## synthetic-tiny (synthetic)\n"))
        #expect(md.contains("| method | d | seeds | recall@20 | ndcg@20 | recall@50 | ndcg@50 | gain ndcg@20 | p50 µs | params |"))
        // A dataset whose every run failed gets no table, only its failures.
        #expect(!md.contains("## broken"))
        #expect(md.hasSuffix("""
            ## Failed runs

            - `broken__bpr-mf__student__d5__seed0`: broken.inter:3: expected at least 2 fields
            - `synthetic-tiny__bpr-mf__fake_kd__d10__seed1`: diverged: loss is nan at epoch 15

            """))
    }

    /// The aggregated CSV as rows keyed by "dataset/method/dim", each a column → cell map.
    static func csvRows() -> [String: [String: String]] {
        let lines = tables.csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        var rows: [String: [String: String]] = [:]
        for cells in lines.dropFirst() {
            let row = Dictionary(uniqueKeysWithValues: zip(lines[0], cells))
            rows["\(row["dataset"]!)/\(row["method"]!)/\(row["dim"]!)"] = row
        }
        return rows
    }

    @Test func csvCarriesEveryMetricWithRoundTripNumbersAndEmptyNA() throws {
        let header = Self.tables.csv.prefix { $0 != "\n" }
        #expect(header == "dataset,protocol,method,dim,seeds,recall@10_mean,recall@10_std,recall@20_mean,recall@20_std,"
            + "recall@50_mean,recall@50_std,ndcg@10_mean,ndcg@10_std,ndcg@20_mean,ndcg@20_std,ndcg@50_mean,ndcg@50_std,"
            + (1...4).map { "recall@20/pop\($0)_mean,recall@20/pop\($0)_std," }.joined()
            + "gain_ndcg@20_pct,latency_p50_us_mean,params,best_ndcg@20,"
            + "seconds_per_epoch_mean,epoch_cost_vs_student,prepare_seconds_mean,training_only_params")
        let rows = Self.csvRows()
        #expect(rows.count == 10)
        let student = try #require(rows["ml-100k/student/5"])
        #expect(student["protocol"] == "holdout" && student["seeds"] == "2")
        #expect(student["recall@20_mean"] == "0.3125" && student["recall@10_mean"] == "0.15625")
        #expect(abs(Double(student["recall@20_std"]!)! - 0.125 / 2.0.squareRoot()) < 1e-15)
        #expect(student["recall@50_std"] == "0.0" && student["gain_ndcg@20_pct"] == "")
        #expect(student["latency_p50_us_mean"] == "5.5" && student["params"] == "500" && student["best_ndcg@20"] == "0")
        #expect(student["recall@20/pop4_mean"] == "0.078125" && student["recall@20/pop2_mean"] == "")
        // Cost: student (0.25 + 0.375) / 2 s per epoch; fake_kd (0.75 + 0.875) / 2, so 1.625 / 0.625 = 2.6 times.
        #expect(student["seconds_per_epoch_mean"] == "0.3125" && student["epoch_cost_vs_student"] == "1.0" && student["prepare_seconds_mean"] == "0.0")
        #expect(rows["ml-100k/fake_kd/5"]?["epoch_cost_vs_student"] == "2.6" && rows["ml-100k/fake_kd/5"]?["prepare_seconds_mean"] == "2.0")
        #expect(rows["ml-100k/teacher/200"]?["seconds_per_epoch_mean"] == "")
        let fake = try #require(rows["ml-100k/fake_kd/5"])
        #expect(abs(Double(fake["gain_ndcg@20_pct"]!)! - 100.0 / 3) < 1e-12 && fake["best_ndcg@20"] == "1")
        #expect(rows["ml-100k/fake_kd/10"]?["gain_ndcg@20_pct"] == "-25.0" && rows["ml-100k/fake_kd/10"]?["best_ndcg@20"] == "0")
        #expect(rows["ml-100k/student/10"]?["best_ndcg@20"] == "1")
        let teacher = try #require(rows["ml-100k/teacher/200"])
        #expect(teacher["best_ndcg@20"] == "" && teacher["gain_ndcg@20_pct"] == "" && teacher["ndcg@20_mean"] == "0.5")
        // Ties mark every tied row.
        #expect(rows["synthetic-tiny/student/5"]?["best_ndcg@20"] == "1" && rows["synthetic-tiny/fake_kd/5"]?["best_ndcg@20"] == "1")
        let single = try #require(rows["synthetic-tiny/fake_kd/10"])
        #expect(single["seeds"] == "1" && single["ndcg@20_mean"] == "0.1875" && single["ndcg@20_std"] == "")
        #expect(single["gain_ndcg@20_pct"] == "50.0" && single["latency_p50_us_mean"] == "10.0")
        #expect(rows.keys.allSatisfy { !$0.hasPrefix("broken/") })
    }

    @Test func csvHeaderFollowsTheProtocol() {
        #expect(ResultTables([], protocol: .loo499, suite: "x").csv == "dataset,protocol,method,dim,seeds,"
            + ["hr", "ndcg", "mrr"].flatMap { m in [5, 10, 20].map { "\(m)@\($0)_mean,\(m)@\($0)_std," } }.joined()
            + "gain_ndcg@10_pct,latency_p50_us_mean,params,best_ndcg@10,"
            + "seconds_per_epoch_mean,epoch_cost_vs_student,prepare_seconds_mean,training_only_params\n")
    }

    @Test func latexTablesUseBooktabsBoldAndEscaping() {
        let tex = Self.tables.latex
        #expect(tex.components(separatedBy: "\\begin{tabular}{lrrrrrrrrr}\n\\toprule\n").count == 3)
        #expect(tex.components(separatedBy: "\\bottomrule\n\\end{tabular}\n\\end{table}\n").count == 3)
        #expect(tex.contains("\\caption{ml-100k, holdout protocol: test metrics, mean $\\pm$ sample std over seeds; "))
        #expect(tex.contains("\\caption{synthetic-tiny (synthetic), holdout protocol:"))
        #expect(tex.contains("method & $d$ & seeds & recall@20 & ndcg@20 & recall@50 & ndcg@50 & gain ndcg@20 (\\%) & p50 ($\\mu$s) & params \\\\\n\\midrule\n"))
        #expect(tex.contains("\nfake\\_kd & 5 & 2 & 0.2500 $\\pm$ 0.0000 & \\textbf{0.2500 $\\pm$ 0.0000} & \\textbf{0.5000 $\\pm$ 0.1768} & \\textbf{0.2500 $\\pm$ 0.0000} & +33.3\\% & 5.5 & 500 \\\\\n"))
        #expect(tex.contains("\nteacher & 200 & 2 & 0.7500 $\\pm$ 0.0000 & 0.5000 $\\pm$ 0.0000 & 0.8750 $\\pm$ 0.0000 & 0.6250 $\\pm$ 0.0000 & -- & 200.5 & 20000 \\\\\n"))
        #expect(!tex.contains("fake_kd") && !tex.contains("broken"))
        #expect(ResultTables.latexEscaped("a_b%c&d#e$f{g}h~i^j\\k") == "a\\_b\\%c\\&d\\#e\\$f\\{g\\}h\\textasciitilde{}i\\textasciicircum{}j\\textbackslash{}k")
    }

    /// Same records in any order, written twice: the same bytes in all four files.
    @Test func outputIsByteStable() throws {
        let shuffled = ResultTables(Self.records.reversed(), protocol: .holdout, suite: "fixture")
        #expect(shuffled.markdown == Self.tables.markdown && shuffled.csv == Self.tables.csv && shuffled.latex == Self.tables.latex)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("distillbench-tables-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = ResultsStore(root: dir)
        for r in Self.records { try store.write(r, evaluation: nil, split: nil) }
        let files = [store.summaryPath] + ["summary.md", "summary.csv", "summary.tex"].map { store.path("tables", $0) }
        try ResultsSummary.write(store: store, protocol: .holdout, suite: "fixture")
        let first = try files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        try ResultsSummary.write(store: store, protocol: .holdout, suite: "fixture")
        let second = try files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        #expect(first == second)
        // Records read back from record.json give the tables built in memory.
        #expect(first[1] == Data(Self.tables.markdown.utf8) && first[2] == Data(Self.tables.csv.utf8) && first[3] == Data(Self.tables.latex.utf8))
    }
}
