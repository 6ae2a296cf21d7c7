import DistillKit
import Foundation

/// `bench compare A B`: the runs of two results directories matched by (dataset, method, dim),
/// with per-metric mean difference, a paired t-test across seeds, a per-user Wilcoxon
/// signed-rank test, and Holm-adjusted p-values over the whole table (each test separately).
///
/// Seeds are paired by position in sorted order (seed i of A with seed i of B), so two seed sets
/// can be compared; when the sets are equal this is pairing by seed.  Users are paired by id
/// within each seed pair and pooled across pairs.
public struct ResultsComparison: Sendable {
    public struct Row: Sendable {
        public let dataset: String
        public let method: String
        public let dimension: Int
        public let metric: String
        public let seedsA: [UInt64]
        public let seedsB: [UInt64]
        public let meanA: Double
        public let meanB: Double
        public var difference: Double { meanB - meanA }
        public var relativeChange: Double { meanA == 0 ? .nan : difference / meanA }
        public let seedTest: TTestResult
        public let userTest: WilcoxonResult
        public let users: Int
        public var seedHolm = Double.nan
        public var userHolm = Double.nan
    }

    public let protocolName: String
    public let rows: [Row]
    public let onlyInA: [String]
    public let onlyInB: [String]

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
        func groups(_ s: ResultsStore) throws -> [String: [RunRecord]] {
            Dictionary(grouping: try s.allRecords().filter { $0.status == .finished }) {
                "\($0.spec.dataset.name)__\($0.spec.method)__d\($0.spec.dimension)"
            }.mapValues { $0.sorted { $0.spec.seed < $1.spec.seed } }
        }
        let ga = try groups(a), gb = try groups(b)
        var rows: [Row] = []
        // Dataset, then method, then size numerically (d5 before d10).
        let common = Set(ga.keys).intersection(gb.keys).sorted { x, y in
            let (rx, ry) = (ga[x]![0].spec, ga[y]![0].spec)
            return (rx.dataset.name, rx.method, rx.dimension) < (ry.dataset.name, ry.method, ry.dimension)
        }
        for group in common {
            let ra = ga[group]!, rb = gb[group]!
            let pairs = min(ra.count, rb.count)
            for metric in keys {
                var userA: [Double] = [], userB: [Double] = []
                for k in 0..<pairs {
                    let ua = try perUser(a, ra[k].key, metric), ub = try perUser(b, rb[k].key, metric)
                    for (user, va) in ua.sorted(by: { $0.key < $1.key }) {
                        if let vb = ub[user] { userA.append(va); userB.append(vb) }
                    }
                }
                let sa = ra.compactMap { $0.test[metric] }, sb = rb.compactMap { $0.test[metric] }
                rows.append(Row(dataset: ra[0].spec.dataset.name, method: ra[0].spec.method, dimension: ra[0].spec.dimension,
                                metric: metric, seedsA: ra.map(\.spec.seed), seedsB: rb.map(\.spec.seed),
                                meanA: Summary(sa).mean, meanB: Summary(sb).mean,
                                seedTest: PairedTTest.test(Array(sb.prefix(pairs)), Array(sa.prefix(pairs))),
                                userTest: WilcoxonSignedRankTest.test(userB, userA), users: userA.count))
            }
        }
        let seedHolm = HolmCorrection.adjust(rows.map { $0.seedTest.isComputable ? $0.seedTest.pValue : .nan })
        let userHolm = HolmCorrection.adjust(rows.map { $0.userTest.isComputable ? $0.userTest.pValue : .nan })
        for k in rows.indices { rows[k].seedHolm = seedHolm[k]; rows[k].userHolm = userHolm[k] }
        return ResultsComparison(protocolName: p.rawValue, rows: rows,
                                 onlyInA: Set(ga.keys).subtracting(gb.keys).sorted(), onlyInB: Set(gb.keys).subtracting(ga.keys).sorted())
    }

    /// Per-user values of one metric from `test-users.tsv`.
    static func perUser(_ store: ResultsStore, _ key: String, _ metric: String) throws -> [String: Double] {
        let path = store.path("runs", key, "test-users.tsv")
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw HarnessError("\(path): missing; rerun \(key) to get per-user values")
        }
        let lines = text.split(separator: "\n")
        guard let header = lines.first?.split(separator: "\t"), let col = header.firstIndex(where: { $0 == metric }) else {
            throw HarnessError("\(path):1: no column \(metric)")
        }
        var out: [String: Double] = [:]
        for (n, line) in lines.dropFirst().enumerated() {
            let f = line.split(separator: "\t")
            guard f.count > col, let v = Double(f[col]) else { throw HarnessError("\(path):\(n + 2): malformed line") }
            out[String(f[0])] = v
        }
        return out
    }

    static func f(_ x: Double, _ format: String = "%.4f") -> String { x.isNaN ? "–" : String(format: format, x) }

    public func markdown(_ nameA: String, _ nameB: String) -> String {
        var out = "# \(nameB) vs \(nameA) (\(protocolName))\n\nDifference = mean B − mean A over seeds; t: paired t-test across seeds (paired by sorted position); W: Wilcoxon signed-rank over users pooled across seed pairs; Holm over the whole table, each test separately.\n\n"
        out += "| dataset | method | d | metric | mean A | mean B | diff | rel | t p | t p (Holm) | W p | W p (Holm) | seeds | users |\n"
        out += "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        for r in rows {
            out += "| \(r.dataset) | \(r.method) | \(r.dimension) | \(r.metric) | \(Self.f(r.meanA)) | \(Self.f(r.meanB)) | \(Self.f(r.difference, "%+.4f")) | \(Self.f(100 * r.relativeChange, "%+.1f%%")) | \(Self.f(r.seedTest.pValue, "%.3g")) | \(Self.f(r.seedHolm, "%.3g")) | \(Self.f(r.userTest.pValue, "%.3g")) | \(Self.f(r.userHolm, "%.3g")) | \(min(r.seedsA.count, r.seedsB.count)) | \(r.users) |\n"
        }
        if !onlyInA.isEmpty { out += "\nOnly in A (not compared): \(onlyInA.joined(separator: ", "))\n" }
        if !onlyInB.isEmpty { out += "\nOnly in B (not compared): \(onlyInB.joined(separator: ", "))\n" }
        return out
    }

    public func csv() -> String {
        var lines = ["dataset,method,dim,metric,seeds_a,seeds_b,mean_a,mean_b,difference,relative_change,t,t_p,t_p_holm,t_ci_low,t_ci_high,wilcoxon_statistic,wilcoxon_z,wilcoxon_p,wilcoxon_p_holm,users"]
        for r in rows {
            let cells: [String] = [r.dataset, r.method, "\(r.dimension)", r.metric,
                                   r.seedsA.map(String.init).joined(separator: " "), r.seedsB.map(String.init).joined(separator: " "),
                                   "\(r.meanA)", "\(r.meanB)", "\(r.difference)", "\(r.relativeChange)",
                                   "\(r.seedTest.t)", "\(r.seedTest.pValue)", "\(r.seedHolm)",
                                   "\(r.seedTest.confidenceLower)", "\(r.seedTest.confidenceUpper)",
                                   "\(r.userTest.statistic)", "\(r.userTest.z)", "\(r.userTest.pValue)", "\(r.userHolm)", "\(r.users)"]
            lines.append(cells.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
