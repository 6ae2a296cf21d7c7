import DistillKit
import Foundation

/// `bench compare A B`: the finished runs of two results directories grouped into cells (a run
/// key without its seed: dataset, method or variant, size), compared cell by cell and metric by
/// metric, with Holm-adjusted p-values over the whole table.
///
/// Pairing rule, per cell. A seed *pairs* when both directories have a run of the cell with that
/// seed and the two records have equal `splitHash` and `datasetHash`: only then were the same
/// users scored on the same test items, which the paired tests assume. Let P be the paired seeds.
/// - Every seed of both sides pairs: **paired** over all runs.
/// - Otherwise (seed sets differ, or a common seed's split or dataset hash differs), **paired**
///   over P alone when P has at least 2 seeds, or when P has 1 seed and one side has no other
///   run (then Welch's test could not run either, while the per-user test on the shared split
///   still can). The seeds left out are listed as not compared.
/// - Otherwise **unpaired** over all finished runs of the cell on each side.
///
/// Paired: paired t-test across seeds; Wilcoxon signed-rank over users paired by id within each
/// seed, pooled over seeds. Unpaired: Welch's t-test across seed values; Mann–Whitney U over the
/// per-user values of every run of each side, pooled. The means are always over exactly the
/// runs that enter the tests. Each row says which case applies and why.
///
/// Holm's adjustment runs over the whole table once per test column: the seed-test column holds
/// paired t and Welch p-values together, the user-test column Wilcoxon and Mann–Whitney. Each
/// column answers one question ("does the mean differ across seeds?", "do users score
/// differently?") for every row, whichever test a row's pairing allowed.
public struct ResultsComparison: Sendable {
    public enum Pairing: String, Sendable { case paired, unpaired }

    /// The across-seeds test of a row. Differences are B − A.
    public enum SeedTest: Sendable {
        case paired(TTestResult)
        case welch(WelchTTestResult)

        public var name: String { if case .paired = self { "paired t" } else { "Welch t" } }
        public var result: any TTestLikeResult {
            switch self {
            case .paired(let r): return r
            case .welch(let r): return r
            }
        }
        public var t: Double { result.t }
        public var degreesOfFreedom: Double { result.realDegreesOfFreedom }
        public var pValue: Double { result.pValue }
        /// 95% interval for mean B − mean A.
        public var confidenceLower: Double { result.confidenceLower }
        public var confidenceUpper: Double { result.confidenceUpper }
        public var notComputableReason: String? { result.notComputableReason }
        public var isComputable: Bool { notComputableReason == nil }
    }

    /// The across-users test of a row, with B as the first sample (positive z: B higher).
    public enum UserTest: Sendable {
        case wilcoxon(WilcoxonResult)
        case mannWhitney(MannWhitneyResult)

        public var name: String { if case .wilcoxon = self { "Wilcoxon" } else { "Mann-Whitney" } }
        public var result: any RankTestResult {
            switch self {
            case .wilcoxon(let r): return r
            case .mannWhitney(let r): return r
            }
        }
        /// Wilcoxon: min(W+, W−); Mann–Whitney: U of B.
        public var statistic: Double { result.reportedStatistic }
        public var z: Double { result.z }
        public var pValue: Double { result.pValue }
        public var notComputableReason: String? { result.notComputableReason }
        public var isComputable: Bool { notComputableReason == nil }
    }

    public struct Row: Sendable {
        public let dataset: String
        public let method: String
        /// The part of the cell key between dataset and size when it is more than the method
        /// name (e.g. a family or a variant), else nil.
        public let variant: String?
        public let dimension: Int
        /// `ResultsComparison.cellKey` of the runs.
        public let cell: String
        public let metric: String
        public let pairing: Pairing
        /// Why not every seed pairs ("seeds differ (A 0–2, B 3–5)", "split hash differs for seed 1");
        /// empty when every seed of both sides pairs.
        public let reasons: [String]
        /// Seeds of the runs compared (and averaged) on each side.
        public let seedsA: [UInt64]
        public let seedsB: [UInt64]
        /// Seeds with finished runs that were left out (only when pairing on a subset).
        public let notComparedA: [UInt64]
        public let notComparedB: [UInt64]
        /// Means over the runs compared.
        public let meanA: Double
        public let meanB: Double
        public var difference: Double { meanB - meanA }
        public var relativeChange: Double { meanA == 0 ? .nan : difference / meanA }
        public let seedTest: SeedTest
        public let userTest: UserTest
        /// Per-user values entering the user test; equal (the number of user pairs) when paired.
        public let usersA: Int
        public let usersB: Int
        public var seedHolm = Double.nan
        public var userHolm = Double.nan

        /// "paired", "paired on seed 0: seeds differ (A 0–2, B 0); not compared: A seeds 1–2",
        /// "unpaired: split hash differs for seed 1".
        public var comparison: String {
            if pairing == .unpaired { return "unpaired: " + reasons.joined(separator: "; ") }
            if reasons.isEmpty { return "paired" }
            var notCompared: [String] = []
            if !notComparedA.isEmpty { notCompared.append("A \(ResultsComparison.seedWord(notComparedA)) \(ResultsComparison.seedList(notComparedA))") }
            if !notComparedB.isEmpty { notCompared.append("B \(ResultsComparison.seedWord(notComparedB)) \(ResultsComparison.seedList(notComparedB))") }
            return "paired on \(ResultsComparison.seedWord(seedsA)) \(ResultsComparison.seedList(seedsA)): "
                + reasons.joined(separator: "; ") + "; not compared: " + notCompared.joined(separator: ", ")
        }
    }

    public let protocolName: String
    public let rows: [Row]
    /// Cell keys with finished runs on one side only.
    public let onlyInA: [String]
    public let onlyInB: [String]

    /// The cell of a run: its key without the seed (`RunSpec.cellKey`).
    public static func cellKey(_ r: RunRecord) -> String { r.spec.cellKey }

    /// What `bench compare A B` prints: the comparison as Markdown, after writing the CSV to
    /// `csvPath` when one is given. Nothing is written without `csvPath`, and nothing at all when
    /// the comparison fails (every check runs before the write).
    public static func report(_ a: String, _ b: String, metrics: [String]? = nil, csvPath: String? = nil) throws -> String {
        let c = try compare(ResultsStore(root: a), ResultsStore(root: b), metrics: metrics)
        var out = c.markdown(a, b)
        if let csvPath {
            try AtomicFile.write(c.csv(), to: csvPath)
            out += "\nCSV: \(csvPath)\n"
        }
        return out
    }

    public static func compare(_ a: ResultsStore, _ b: ResultsStore, metrics: [String]? = nil) throws -> ResultsComparison {
        guard let ma = try a.readManifest() else { throw HarnessError("\(a.root): no manifest.json; not a results directory") }
        guard let mb = try b.readManifest() else { throw HarnessError("\(b.root): no manifest.json; not a results directory") }
        guard ma.evaluationProtocol == mb.evaluationProtocol else {
            throw HarnessError("refusing to compare different protocols: \(a.root) is \(ma.evaluationProtocol.rawValue), \(b.root) is \(mb.evaluationProtocol.rawValue)")
        }
        for (name, ha) in ma.datasetHashes.sorted(by: { $0.key < $1.key }) {
            if let hb = mb.datasetHashes[name], hb != ha {
                throw HarnessError("refusing to compare different data: dataset \(name) has hash \(ha) in \(a.root) and \(hb) in \(b.root)")
            }
        }
        let p = ma.evaluationProtocol
        let keys = metrics ?? p.metricKeys
        for k in keys where !p.metricKeys.contains(k) {
            throw HarnessError("unknown metric '\(k)' for \(p.rawValue); one of \(p.metricKeys.joined(separator: ", "))")
        }
        func cells(_ s: ResultsStore) throws -> [String: [RunRecord]] {
            Dictionary(grouping: try s.allRecords().filter { $0.status == .finished }, by: cellKey)
                .mapValues { $0.sorted { $0.spec.seed < $1.spec.seed } }
        }
        let ca = try cells(a), cb = try cells(b)
        // Dataset, then method, then size numerically (d5 before d10), then the cell key.
        let common = Set(ca.keys).intersection(cb.keys).sorted { x, y in
            let (rx, ry) = (ca[x]![0].spec, ca[y]![0].spec)
            return (rx.dataset.name, rx.method, rx.dimension, x) < (ry.dataset.name, ry.method, ry.dimension, y)
        }
        if common.isEmpty {
            throw HarnessError("nothing to compare: no run cell has finished runs in both directories; "
                               + "A \(a.root) holds \(holdings(ca)); B \(b.root) holds \(holdings(cb))")
        }

        var tables: [String: PerUserTable] = [:]
        func perUser(_ store: ResultsStore, _ side: String, _ key: String, _ metric: String) throws -> [String: Double] {
            let id = side + "/" + key
            if tables[id] == nil { tables[id] = try PerUserTable(store, key) }
            return try tables[id]!.values(metric)
        }

        var rows: [Row] = []
        for cell in common {
            let plan = CellPlan(ca[cell]!, cb[cell]!)
            let first = plan.runsA[0].spec
            for metric in keys {
                let sa = plan.runsA.map { $0.test[metric] ?? .nan }, sb = plan.runsB.map { $0.test[metric] ?? .nan }
                let seedTest: SeedTest, userTest: UserTest, usersA: Int, usersB: Int
                switch plan.pairing {
                case .paired:
                    // Same split per seed, so a user id names the same test items on both sides.
                    var userA: [Double] = [], userB: [Double] = []
                    for (ra, rb) in zip(plan.runsA, plan.runsB) {
                        let ua = try perUser(a, "A", ra.key, metric), ub = try perUser(b, "B", rb.key, metric)
                        for (user, va) in ua.sorted(by: { $0.key < $1.key }) {
                            if let vb = ub[user] { userA.append(va); userB.append(vb) }
                        }
                    }
                    seedTest = .paired(PairedTTest.test(sb, sa))
                    userTest = .wilcoxon(WilcoxonSignedRankTest.test(userB, userA))
                    (usersA, usersB) = (userA.count, userB.count)
                case .unpaired:
                    func pooled(_ store: ResultsStore, _ side: String, _ runs: [RunRecord]) throws -> [Double] {
                        try runs.flatMap { r in try perUser(store, side, r.key, metric).sorted { $0.key < $1.key }.map(\.value) }
                    }
                    let userA = try pooled(a, "A", plan.runsA), userB = try pooled(b, "B", plan.runsB)
                    seedTest = .welch(WelchTTest.test(sb, sa))
                    userTest = .mannWhitney(MannWhitneyUTest.test(userB, userA))
                    (usersA, usersB) = (userA.count, userB.count)
                }
                rows.append(Row(dataset: first.dataset.name, method: first.method, variant: variant(cell, first),
                                dimension: first.dimension, cell: cell, metric: metric, pairing: plan.pairing,
                                reasons: plan.reasons, seedsA: plan.runsA.map(\.spec.seed), seedsB: plan.runsB.map(\.spec.seed),
                                notComparedA: plan.notComparedA, notComparedB: plan.notComparedB,
                                meanA: Summary(sa).mean, meanB: Summary(sb).mean, seedTest: seedTest, userTest: userTest,
                                usersA: usersA, usersB: usersB))
            }
        }
        let seedHolm = HolmCorrection.adjust(rows.map { $0.seedTest.isComputable ? $0.seedTest.pValue : .nan })
        let userHolm = HolmCorrection.adjust(rows.map { $0.userTest.isComputable ? $0.userTest.pValue : .nan })
        for k in rows.indices { rows[k].seedHolm = seedHolm[k]; rows[k].userHolm = userHolm[k] }
        return ResultsComparison(protocolName: p.rawValue, rows: rows,
                                 onlyInA: Set(ca.keys).subtracting(cb.keys).sorted(), onlyInB: Set(cb.keys).subtracting(ca.keys).sorted())
    }

    /// Which runs of one cell are compared, and how (the rule in the type's documentation).
    struct CellPlan {
        var pairing: Pairing
        var reasons: [String] = []
        var runsA: [RunRecord]
        var runsB: [RunRecord]
        var notComparedA: [UInt64] = []
        var notComparedB: [UInt64] = []

        init(_ ra: [RunRecord], _ rb: [RunRecord]) {
            let byA = Dictionary(ra.map { ($0.spec.seed, $0) }, uniquingKeysWith: { x, _ in x })
            let byB = Dictionary(rb.map { ($0.spec.seed, $0) }, uniquingKeysWith: { x, _ in x })
            let seedsA = byA.keys.sorted(), seedsB = byB.keys.sorted()
            var paired: [UInt64] = []
            for seed in seedsA where byB[seed] != nil {
                let (x, y) = (byA[seed]!, byB[seed]!)
                if x.datasetHash != y.datasetHash { reasons.append("dataset hash differs for seed \(seed)") }
                else if x.splitHash != y.splitHash { reasons.append("split hash differs for seed \(seed)") }
                else { paired.append(seed) }
            }
            if seedsA != seedsB {
                reasons.insert("seeds differ (A \(ResultsComparison.seedList(seedsA)), B \(ResultsComparison.seedList(seedsB)))", at: 0)
            }
            let pairOnSubset = paired.count >= 2 || (paired.count == 1 && min(seedsA.count, seedsB.count) == 1)
            if reasons.isEmpty || pairOnSubset {
                pairing = .paired
                runsA = paired.map { byA[$0]! }
                runsB = paired.map { byB[$0]! }
                notComparedA = seedsA.filter { !paired.contains($0) }
                notComparedB = seedsB.filter { !paired.contains($0) }
            } else {
                pairing = .unpaired
                runsA = seedsA.map { byA[$0]! }
                runsB = seedsB.map { byB[$0]! }
            }
        }
    }

    /// One run's `test-users.tsv`, read once for all metrics.
    struct PerUserTable {
        let path: String
        let header: [Substring]
        let lines: [Substring]

        init(_ store: ResultsStore, _ key: String) throws {
            path = store.path("runs", key, "test-users.tsv")
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw HarnessError("\(path): missing; rerun \(key) to get per-user values")
            }
            let all = text.split(separator: "\n")
            header = all.first?.split(separator: "\t") ?? []
            lines = Array(all.dropFirst())
        }

        /// Per-user values of one metric, by user id.
        func values(_ metric: String) throws -> [String: Double] {
            guard let col = header.firstIndex(where: { $0 == metric }) else { throw HarnessError("\(path):1: no column \(metric)") }
            var out: [String: Double] = [:]
            for (n, line) in lines.enumerated() {
                let f = line.split(separator: "\t")
                guard f.count > col, let v = Double(f[col]) else { throw HarnessError("\(path):\(n + 2): malformed line") }
                out[String(f[0])] = v
            }
            return out
        }
    }

    /// The variant when it is more than the method's key (a named or non-default configuration).
    static func variant(_ cell: String, _ spec: RunSpec) -> String? { spec.variant == spec.method ? nil : spec.variant }

    /// "cellA (seeds 0–2), cellB (seed 0)" for the error that finds nothing in common.
    static func holdings(_ cells: [String: [RunRecord]]) -> String {
        if cells.isEmpty { return "no finished runs" }
        let shown = 12
        let listed = cells.keys.sorted().prefix(shown).map { cell in
            let seeds = cells[cell]!.map(\.spec.seed)
            return "\(cell) (\(seedWord(seeds)) \(seedList(seeds)))"
        }
        let more = cells.count > shown ? " and \(cells.count - shown) more" : ""
        return "\(cells.count) cell\(cells.count == 1 ? "" : "s"): " + listed.joined(separator: ", ") + more
    }

    static func seedWord(_ seeds: [UInt64]) -> String { seeds.count == 1 ? "seed" : "seeds" }

    /// Sorted seeds with runs of three or more consecutive seeds shortened: "0–2, 5, 7".
    static func seedList(_ seeds: [UInt64]) -> String {
        let sorted = seeds.sorted()
        var parts: [String] = []
        var k = 0
        while k < sorted.count {
            var end = k
            while end + 1 < sorted.count, sorted[end + 1] == sorted[end] + 1 { end += 1 }
            if end - k >= 2 { parts.append("\(sorted[k])–\(sorted[end])") }
            else { parts.append(contentsOf: sorted[k...end].map { "\($0)" }) }
            k = end + 1
        }
        return parts.joined(separator: ", ")
    }

    static func f(_ x: Double, _ format: String = "%.4f") -> String { x.isNaN ? "–" : String(format: format, x) }

    public func markdown(_ nameA: String, _ nameB: String) -> String {
        var out = "# \(nameB) vs \(nameA) (\(protocolName))\n\n"
        out += "A = \(nameA), B = \(nameB). Runs are grouped into cells (dataset, method, size) and paired by seed when both runs of a seed used the same split (equal split and dataset hashes).\n\n"
        out += "- **paired**: every seed of the cell pairs, or at least two seeds do (or one does and a side has no other run); means over the paired runs only, other seeds listed as not compared. "
        out += "Seed test: paired t-test across seeds; user test: Wilcoxon signed-rank over users paired by id within each seed, pooled over seeds.\n"
        out += "- **unpaired**: otherwise, for the reason given; means over all finished runs of each side. "
        out += "Seed test: Welch's t-test across seeds; user test: Mann-Whitney U over the per-user values of all runs of each side, pooled.\n\n"
        out += "diff = mean B − mean A; rel = diff / mean A. Holm over the whole table for each test column: seed tests (paired t and Welch) together, user tests (Wilcoxon and Mann-Whitney) together. "
        out += "users: user pairs when paired, per-user values A / B when unpaired. – = not computable (e.g. one seed per side).\n\n"
        let showVariant = rows.contains { $0.variant != nil }
        out += "| dataset | method |\(showVariant ? " variant |" : "") d | metric | comparison | seeds A | seeds B | mean A | mean B | diff | rel | seed test | p | p (Holm) | user test | p | p (Holm) | users |\n"
        out += "|---|---|\(showVariant ? "---|" : "")---:|---|---|---|---|---:|---:|---:|---:|---|---:|---:|---|---:|---:|---:|\n"
        for r in rows {
            let users = r.pairing == .paired ? "\(r.usersA)" : "\(r.usersA) / \(r.usersB)"
            out += "| \(r.dataset) | \(r.method) |\(showVariant ? " \(r.variant ?? "") |" : "") \(r.dimension) | \(r.metric) | \(r.comparison) "
            out += "| \(Self.seedList(r.seedsA)) | \(Self.seedList(r.seedsB)) | \(Self.f(r.meanA)) | \(Self.f(r.meanB)) "
            out += "| \(Self.f(r.difference, "%+.4f")) | \(Self.f(100 * r.relativeChange, "%+.1f%%")) "
            out += "| \(r.seedTest.name) | \(Self.f(r.seedTest.pValue, "%.3g")) | \(Self.f(r.seedHolm, "%.3g")) "
            out += "| \(r.userTest.name) | \(Self.f(r.userTest.pValue, "%.3g")) | \(Self.f(r.userHolm, "%.3g")) | \(users) |\n"
        }
        if !onlyInA.isEmpty { out += "\nOnly in A (not compared): \(onlyInA.joined(separator: ", "))\n" }
        if !onlyInB.isEmpty { out += "\nOnly in B (not compared): \(onlyInB.joined(separator: ", "))\n" }
        return out
    }

    /// One line per row. `seed_test` is `paired-t` or `welch`, `user_test` `wilcoxon` (statistic
    /// min(W+, W−)) or `mann-whitney` (statistic U of B); seed lists are space-separated.
    public func csv() -> String {
        var lines = ["dataset,method,variant,dim,metric,cell,pairing,reasons,seeds_a,seeds_b,not_compared_a,not_compared_b,"
            + "mean_a,mean_b,difference,relative_change,seed_test,seed_t,seed_df,seed_p,seed_p_holm,seed_ci_low,seed_ci_high,"
            + "user_test,user_statistic,user_z,user_p,user_p_holm,users_a,users_b"]
        func seeds(_ s: [UInt64]) -> String { s.map(String.init).joined(separator: " ") }
        for r in rows {
            let seedName: String
            switch r.seedTest { case .paired: seedName = "paired-t"; case .welch: seedName = "welch" }
            let userName: String
            switch r.userTest { case .wilcoxon: userName = "wilcoxon"; case .mannWhitney: userName = "mann-whitney" }
            let cells: [String] = [r.dataset, r.method, r.variant ?? "", "\(r.dimension)", r.metric, r.cell,
                                   r.pairing.rawValue, r.reasons.joined(separator: "; "),
                                   seeds(r.seedsA), seeds(r.seedsB), seeds(r.notComparedA), seeds(r.notComparedB),
                                   "\(r.meanA)", "\(r.meanB)", "\(r.difference)", "\(r.relativeChange)",
                                   seedName, "\(r.seedTest.t)", "\(r.seedTest.degreesOfFreedom)", "\(r.seedTest.pValue)", "\(r.seedHolm)",
                                   "\(r.seedTest.confidenceLower)", "\(r.seedTest.confidenceUpper)",
                                   userName, "\(r.userTest.statistic)", "\(r.userTest.z)", "\(r.userTest.pValue)", "\(r.userHolm)",
                                   "\(r.usersA)", "\(r.usersB)"]
            lines.append(cells.map(Self.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// RFC 4180 quoting for fields that need it (reasons hold commas).
    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
