import DistillKit
import Foundation

/// `summary.csv` (one row per run) and `tables/summary.md` (mean ± std over seeds, gain vs
/// `student` of the same dataset and size), rebuilt from the records.
public enum ResultsSummary {
    public static func csv(_ records: [RunRecord], protocol p: EvaluationProtocol) -> String {
        let metrics = p.metricKeys
        var header = ["dataset", "protocol", "method", "family", "teacher_dim", "dim", "phi", "seed", "status", "epochs", "selected_epoch", "train_seconds"]
        header += metrics.map { "test_\($0)" }
        header += ["latency_p50_us", "latency_p95_us", "latency_p99_us", "qps", "batch_users_per_s", "params"]
        var lines = [header.joined(separator: ",")]
        for r in records.sorted(by: { $0.key < $1.key }) {
            let s = r.spec
            var row = [s.dataset.name, s.evaluationProtocol.rawValue, s.method, s.family, "\(s.teacherDimension)", "\(s.dimension)",
                       ResultsStore.number(s.phi), "\(s.seed)", r.status.rawValue, "\(r.epochsRun)", "\(r.selectedEpoch)",
                       String(format: "%.3f", r.trainSeconds)]
            row += metrics.map { r.test[$0].map(ResultsStore.number) ?? "" }
            if let l = r.latency {
                row += [String(format: "%.2f", l.p50), String(format: "%.2f", l.p95), String(format: "%.2f", l.p99),
                        String(format: "%.1f", l.qps), String(format: "%.1f", l.batchUsersPerSecond)]
            } else { row += ["", "", "", "", ""] }
            row += [r.model.map { "\($0.parameters)" } ?? ""]
            lines.append(row.map(csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func csvField(_ s: String) -> String {
        s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// "mean ± std" over seeds (just the mean for a single seed).
    static func meanStd(_ xs: [Double]) -> String {
        let s = Summary(xs)
        return s.standardDeviation.isNaN ? String(format: "%.4f", s.mean) : String(format: "%.4f ± %.4f", s.mean, s.standardDeviation)
    }

    /// The Markdown table: per dataset, a row per (method, dim).
    public static func markdown(_ records: [RunRecord], protocol p: EvaluationProtocol, suite: String) -> String {
        let finished = records.filter { $0.status == .finished }
        let shown = p == .holdout ? ["recall@20", "ndcg@20", "recall@50", "ndcg@50"] : ["hr@10", "ndcg@10", "hr@20", "ndcg@20"]
        let gainMetric = p.selectionMetric
        var out = "# \(suite): test metrics (\(p.rawValue))\n\nMean ± sample std over seeds (the mean alone for one seed); gain = relative change of the mean \(gainMetric) vs `student` of the same dataset and size. p50 = single-thread per-query latency.\n"
        let failed = records.filter { $0.status == .failed }
        for dataset in Array(Set(records.map(\.spec.dataset.name))).sorted() {
            let rows = finished.filter { $0.spec.dataset.name == dataset }
            out += "\n## \(dataset)\(DatasetCatalog.isSynthetic(dataset) ? " (synthetic)" : "")\n\n"
            out += "| method | d | seeds | " + shown.joined(separator: " | ") + " | gain \(gainMetric) | p50 µs | params |\n"
            out += "|---|---:|---:|" + String(repeating: "---:|", count: shown.count + 3) + "\n"
            let groups = Dictionary(grouping: rows) { "\($0.spec.method)|\($0.spec.dimension)" }
            let ordered = groups.keys.sorted { a, b in
                let (ma, da) = split(a), (mb, db) = split(b)
                let ta = ma == MethodRegistry.teacherKey, tb = mb == MethodRegistry.teacherKey
                if ta != tb { return ta }
                if da != db { return da < db }
                let ia = MethodRegistry.keys.firstIndex(of: ma) ?? 99, ib = MethodRegistry.keys.firstIndex(of: mb) ?? 99
                return ia != ib ? ia < ib : ma < mb
            }
            for g in ordered {
                let rs = groups[g]!
                let (method, dim) = split(g)
                var cells = [method, "\(dim)", "\(rs.count)"]
                for m in shown { cells.append(meanStd(rs.compactMap { $0.test[m] })) }
                let base = groups["student|\(dim)"].map { Summary($0.compactMap { $0.test[gainMetric] }).mean }
                let mine = Summary(rs.compactMap { $0.test[gainMetric] }).mean
                if method == "student" || method == MethodRegistry.teacherKey || base == nil { cells.append("–") }
                else { cells.append(String(format: "%+.1f%%", 100 * (mine / base! - 1))) }
                cells.append(String(format: "%.1f", Summary(rs.compactMap { $0.latency?.p50 }).mean))
                cells.append("\(rs.first?.model?.parameters ?? 0)")
                out += "| " + cells.joined(separator: " | ") + " |\n"
            }
        }
        if !failed.isEmpty {
            out += "\n## Failed runs\n\n"
            for f in failed { out += "- `\(f.key)`: \(f.failure ?? "unknown")\n" }
        }
        return out
    }

    private static func split(_ g: String) -> (String, Int) {
        let parts = g.split(separator: "|")
        return (String(parts[0]), Int(parts[1]) ?? 0)
    }

    /// Rewrites summary.csv and tables/summary.md from the directory's records.
    public static func write(store: ResultsStore, protocol p: EvaluationProtocol, suite: String) throws {
        let records = try store.allRecords()
        try AtomicFile.write(csv(records, protocol: p), to: store.summaryPath)
        try AtomicFile.write(markdown(records, protocol: p, suite: suite), to: store.path("tables", "summary.md"))
    }
}
