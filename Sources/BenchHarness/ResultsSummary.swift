import DistillKit
import Foundation

/// The top-level `summary.csv` (one row per run) and the rewrite of everything derived from the
/// records after each suite: `summary.csv` plus `tables/` (see `ResultTables`).
public enum ResultsSummary {
    public static func csv(_ records: [RunRecord], protocol p: EvaluationProtocol) -> String {
        let metrics = Evaluator.reportedMetricKeys(p)
        var header = ["dataset", "protocol", "method", "family", "teacher_dim", "dim", "phi", "seed", "status", "epochs", "selected_epoch", "train_seconds"]
        header += metrics.map { "test_\($0)" }
        header += ["latency_p50_us", "latency_p95_us", "latency_p99_us", "qps", "batch_users_per_s", "params",
                   "seconds_per_epoch", "prepare_seconds", "training_only_params"]
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
            row += [r.cost.map { String(format: "%.4f", $0.secondsPerEpoch) } ?? "", r.cost.map { String(format: "%.3f", $0.prepareSeconds) } ?? "",
                    r.model.map { "\($0.trainingOnlyParameters)" } ?? ""]
            lines.append(row.map(csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// RFC 4180 quoting, only where a field needs it (user-file dataset names may hold commas).
    static func csvField(_ s: String) -> String {
        s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// Rewrites summary.csv and tables/summary.{md,csv,tex} from the directory's records.
    public static func write(store: ResultsStore, protocol p: EvaluationProtocol, suite: String) throws {
        let records = try store.allRecords()
        try AtomicFile.write(csv(records, protocol: p), to: store.summaryPath)
        let tables = ResultTables(records, protocol: p, suite: suite)
        try AtomicFile.write(tables.markdown, to: store.path("tables", "summary.md"))
        try AtomicFile.write(tables.csv, to: store.path("tables", "summary.csv"))
        try AtomicFile.write(tables.latex, to: store.path("tables", "summary.tex"))
    }
}
