import DistillKit
import Foundation

/// `results/golden/<suite>.json`: the metrics of a reference run per run key, and the platform
/// that produced them.
///
/// On the same platform (CPU model, BLAS kernel, build configuration, Swift version) every value
/// must match bit for bit: training never touches BLAS and every reduction has a fixed order.
/// On another platform only evaluation scoring can differ (a BLAS kernel may round the last bit of
/// a score differently and swap two near-tied items), so each metric gets a declared absolute band.
public struct GoldenTable: Codable, Sendable, Equatable {
    public struct Platform: Codable, Sendable, Hashable {
        public var cpuModel: String
        public var blasCore: String
        public var buildConfiguration: String
        public var swiftVersion: String

        public init(_ f: EnvironmentFingerprint) {
            cpuModel = f.cpuModel; blasCore = f.blasCore
            buildConfiguration = f.buildConfiguration; swiftVersion = f.swiftVersion
        }
    }

    public struct Entry: Codable, Sendable, Equatable {
        public var datasetHash: String
        public var splitHash: String
        public var selectedEpoch: Int
        public var test: [String: Double]
    }

    public var suite: String
    public var evaluationProtocol: EvaluationProtocol
    public var platform: Platform
    /// Absolute band per metric key (and "default") used when the platform differs.
    public var tolerance: [String: Double]
    /// How the band was chosen (kept in the file so reviewers see it next to the numbers).
    public var toleranceNote: String
    public var runs: [String: Entry]

    /// The band used across platforms unless a metric names its own: ten times the largest
    /// difference seen between OpenBLAS kernels on the smoke and default suites (docs/golden.md).
    public static let defaultTolerance = 0.002

    public func band(_ metric: String) -> Double { tolerance[metric] ?? tolerance["default"] ?? Self.defaultTolerance }

    /// A golden table from the finished runs of a results directory (failed runs are refused:
    /// a golden table of failures checks nothing).
    public static func make(from store: ResultsStore, keeping previous: GoldenTable? = nil) throws -> GoldenTable {
        guard let manifest = try store.readManifest() else {
            throw HarnessError("\(store.root): no manifest.json; is this a results directory written by `bench all`?")
        }
        let records = try store.allRecords()
        guard !records.isEmpty else { throw HarnessError("\(store.root): no runs to take a golden table from") }
        if let failed = records.first(where: { $0.status == .failed }) {
            throw HarnessError("\(failed.key) failed (\(failed.failure ?? "")); fix or rerun it before updating the golden table")
        }
        var runs: [String: Entry] = [:]
        for r in records {
            runs[r.key] = Entry(datasetHash: r.datasetHash, splitHash: r.splitHash, selectedEpoch: r.selectedEpoch, test: r.test)
        }
        return GoldenTable(suite: manifest.suiteName, evaluationProtocol: manifest.evaluationProtocol,
                           platform: Platform(manifest.environment),
                           tolerance: previous?.tolerance ?? ["default": defaultTolerance],
                           toleranceNote: previous?.toleranceNote ?? "absolute band per metric when the platform differs; see docs/golden.md",
                           runs: runs)
    }

    public static func read(_ path: String) throws -> GoldenTable {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HarnessError("\(path): no golden table; create it with `bench golden update <run-dir> --golden \(path)`")
        }
        do { return try JSONDecoder().decode(GoldenTable.self, from: data) } catch {
            throw HarnessError("\(path): not a golden table (\(RunKeyName.short("\(error)", 100))); restore it from git (`git checkout -- \(path)`) or rewrite it with `bench golden update <results dir>`")
        }
    }

    /// Sorted keys and pretty printing, so a golden diff reviews like code.
    public func write(_ path: String) throws { try AtomicFile.write(try CanonicalJSON.pretty(self), to: path) }
}

/// The outcome of `bench check`: every difference, or none.
public struct GoldenCheck: Sendable {
    public struct Mismatch: Sendable {
        public let key: String
        public let field: String
        public let expected: String
        public let got: String
        public let difference: String
    }

    public let samePlatform: Bool
    public let mismatches: [Mismatch]
    public let missing: [String]
    public let extra: [String]
    public let problems: [String]
    public let checkedValues: Int

    public var passed: Bool { mismatches.isEmpty && missing.isEmpty && extra.isEmpty && problems.isEmpty }

    public static func run(_ store: ResultsStore, against golden: GoldenTable) throws -> GoldenCheck {
        guard let manifest = try store.readManifest() else {
            throw HarnessError("\(store.root): no manifest.json; is this a results directory written by `bench all`?")
        }
        var problems: [String] = []
        if manifest.evaluationProtocol != golden.evaluationProtocol {
            problems.append("protocol mismatch: the run is \(manifest.evaluationProtocol.rawValue), the golden table is \(golden.evaluationProtocol.rawValue)")
        }
        let same = GoldenTable.Platform(manifest.environment) == golden.platform
        let records = Dictionary(uniqueKeysWithValues: try store.allRecords().map { ($0.key, $0) })
        var mismatches: [Mismatch] = []
        var checked = 0
        for key in golden.runs.keys.sorted() {
            guard let r = records[key], let g = golden.runs[key] else { continue }
            if r.status == .failed {
                mismatches.append(Mismatch(key: key, field: "status", expected: "finished", got: "failed: \(r.failure ?? "")", difference: "–"))
                continue
            }
            if r.datasetHash != g.datasetHash {
                problems.append("\(key): dataset hash \(r.datasetHash) differs from the golden \(g.datasetHash) (the data changed)")
            }
            if r.splitHash != g.splitHash {
                problems.append("\(key): split hash \(r.splitHash) differs from the golden \(g.splitHash)")
            }
            if same && r.selectedEpoch != g.selectedEpoch {
                mismatches.append(Mismatch(key: key, field: "selected_epoch", expected: "\(g.selectedEpoch)", got: "\(r.selectedEpoch)",
                                           difference: "\(r.selectedEpoch - g.selectedEpoch)"))
            }
            for metric in g.test.keys.sorted() {
                checked += 1
                let e = g.test[metric]!
                guard let v = r.test[metric] else {
                    mismatches.append(Mismatch(key: key, field: "test \(metric)", expected: "\(e)", got: "missing", difference: "–"))
                    continue
                }
                let ok = same ? v.bitPattern == e.bitPattern : abs(v - e) <= golden.band(metric)
                if !ok {
                    mismatches.append(Mismatch(key: key, field: "test \(metric)", expected: "\(e)", got: "\(v)",
                                               difference: String(format: "%+.3g", v - e)))
                }
            }
        }
        let missing = golden.runs.keys.filter { records[$0] == nil }.sorted()
        let extra = records.keys.filter { golden.runs[$0] == nil }.sorted()
        return GoldenCheck(samePlatform: same, mismatches: mismatches, missing: missing, extra: extra, problems: problems, checkedValues: checked)
    }

    /// The report `bench check` prints.
    public func report(golden: GoldenTable, goldenPath: String) -> String {
        var out = "golden table \(goldenPath) (\(golden.runs.count) runs); "
        out += samePlatform ? "same platform: exact comparison\n" : "other platform (golden: \(golden.platform.cpuModel) | \(golden.platform.blasCore) | \(golden.platform.buildConfiguration)): per-metric bands, default ±\(golden.band("default"))\n"
        for p in problems { out += "PROBLEM: \(p)\n" }
        if !mismatches.isEmpty {
            out += "\n| run key | value | expected | got | difference |\n|---|---|---:|---:|---:|\n"
            for m in mismatches { out += "| \(m.key) | \(m.field) | \(m.expected) | \(m.got) | \(m.difference) |\n" }
        }
        for k in missing { out += "MISSING run key (in the golden table, not in the run): \(k)\n" }
        for k in extra { out += "EXTRA run key (in the run, not in the golden table): \(k)\n" }
        out += passed ? "PASS: \(checkedValues) values match\n"
            : "FAIL: \(mismatches.count) values outside tolerance, \(missing.count) missing, \(extra.count) extra, \(problems.count) other problems\n"
        return out
    }
}
