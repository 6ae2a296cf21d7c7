import DistillKit
import Foundation

/// The seed-aggregated tables of a results directory, `tables/summary.{md,csv,tex}`: one row per
/// finished (dataset, method, dimension) over its seeds. The rows are computed once and rendered
/// three ways, so the formats cannot disagree; rows are sorted and numbers formatted by fixed
/// rules, so the same records always give the same bytes (resume and golden checks compare files).
public struct ResultTables: Sendable {
    /// One (dataset, method, dimension) over its finished seeds.
    public struct Row: Sendable {
        public let dataset: String
        public let method: String
        public let dimension: Int
        public let seeds: Int
        /// Per metric key, over the seeds that report it (summed in seed order).
        public let metrics: [String: Summary]
        /// Relative change of the mean selection metric vs `student` of the same dataset and
        /// dimension, in %; nil for the teacher, for the student itself and without a student row.
        public let gainPercent: Double?
        /// Mean over seeds of the single-thread p50 query latency in µs; nil without latency.
        public let latencyP50: Double?
        public let parameters: Int?
        /// Mean seconds per training epoch over the seeds that timed it, and that as a multiple
        /// of `student`'s of the same dataset and size (a method's extra cost).
        public let secondsPerEpoch: Double?
        public let epochCostRatio: Double?
        /// Mean seconds of the method's preparation (teacher artefacts, computed or loaded).
        public let prepareSeconds: Double?
        /// Parameters used only in training (a method's own modules).
        public let trainingOnlyParameters: Int?
        /// Metric keys whose mean is the best (ties included) among the student-sized rows of the
        /// same dataset and dimension; empty for the teacher, which is the reference, not a rival.
        public let best: Set<String>

        public var isTeacher: Bool { method == MethodRegistry.teacherKey }
    }

    public let evaluationProtocol: EvaluationProtocol
    public let suite: String
    /// By dataset name, then the teacher, dimension, `MethodRegistry.keys` order, method name.
    public let rows: [Row]
    /// Failed runs by key, listed under the Markdown tables with their reasons.
    public let failed: [RunRecord]

    public init(_ records: [RunRecord], protocol p: EvaluationProtocol, suite: String) {
        evaluationProtocol = p
        self.suite = suite
        failed = records.filter { $0.status == .failed }.sorted { $0.key < $1.key }
        // Seed order fixes the summation order of every mean, whatever order the records came in.
        let groups = Dictionary(grouping: records.filter { $0.status == .finished }) {
            GroupKey(dataset: $0.spec.dataset.name, method: $0.spec.variant, dimension: $0.spec.dimension)
        }.mapValues { $0.sorted { $0.spec.seed < $1.spec.seed } }
        let metrics = groups.mapValues { runs in
            Evaluator.reportedMetricKeys(p).reduce(into: [String: Summary]()) { out, m in
                let values = runs.compactMap { $0.test[m] }
                if !values.isEmpty { out[m] = Summary(values) }
            }
        }
        let keys = groups.keys.sorted(by: Self.tableOrder)
        let selection = p.selectionMetric
        // Timing of runs that were timed (a `--no-timing` run records none).
        let epochSeconds = groups.mapValues { runs -> Double? in
            let t = runs.compactMap { $0.cost?.secondsPerEpoch }.filter { $0 > 0 }
            return t.isEmpty ? nil : Summary(t).mean
        }
        rows = keys.map { k in
            let runs = groups[k]!, mine = metrics[k]!
            var gain: Double?
            if k.method != StudentOnly.key, k.method != MethodRegistry.teacherKey,
               let base = metrics[GroupKey(dataset: k.dataset, method: StudentOnly.key, dimension: k.dimension)]?[selection]?.mean,
               let value = mine[selection]?.mean, base.isFinite, base != 0, value.isFinite {
                gain = 100 * (value / base - 1)
            }
            var best = Set<String>()
            let rivals = keys.filter { $0.dataset == k.dataset && $0.dimension == k.dimension && $0.method != MethodRegistry.teacherKey }
            // A row alone at its size has nothing to be best against.
            if k.method != MethodRegistry.teacherKey, rivals.count > 1 {
                for m in p.metricKeys {
                    guard let v = mine[m]?.mean, !v.isNaN else { continue }
                    // NaN or missing rivals compare false and so never beat a number.
                    if !rivals.contains(where: { (metrics[$0]![m]?.mean ?? -.infinity) > v }) { best.insert(m) }
                }
            }
            let latencies = runs.compactMap { $0.latency?.p50 }
            let perEpoch = epochSeconds[k] ?? nil
            let studentEpoch = epochSeconds[GroupKey(dataset: k.dataset, method: StudentOnly.key, dimension: k.dimension)] ?? nil
            let prepare = runs.compactMap { $0.cost?.prepareSeconds }
            return Row(dataset: k.dataset, method: k.method, dimension: k.dimension, seeds: runs.count, metrics: mine,
                       gainPercent: gain, latencyP50: latencies.isEmpty ? nil : Summary(latencies).mean,
                       parameters: runs.first?.model?.parameters,
                       secondsPerEpoch: perEpoch, epochCostRatio: perEpoch.flatMap { e in studentEpoch.map { e / $0 } },
                       prepareSeconds: prepare.isEmpty ? nil : Summary(prepare).mean,
                       trainingOnlyParameters: runs.first?.model?.trainingOnlyParameters, best: best)
        }
    }

    private struct GroupKey: Hashable {
        let dataset: String
        let method: String
        let dimension: Int
    }

    private static func tableOrder(_ a: GroupKey, _ b: GroupKey) -> Bool {
        if a.dataset != b.dataset { return a.dataset < b.dataset }
        let ta = a.method == MethodRegistry.teacherKey, tb = b.method == MethodRegistry.teacherKey
        if ta != tb { return ta }
        if a.dimension != b.dimension { return a.dimension < b.dimension }
        let ia = MethodRegistry.keys.firstIndex(of: a.method) ?? .max, ib = MethodRegistry.keys.firstIndex(of: b.method) ?? .max
        return ia != ib ? ia < ib : a.method < b.method
    }

    /// The metric columns of the Markdown and LaTeX tables (the CSV carries every metric).
    public static func shownMetrics(_ p: EvaluationProtocol) -> [String] {
        p == .holdout ? ["recall@20", "ndcg@20", "recall@50", "ndcg@50"] : ["hr@10", "ndcg@10", "hr@20", "ndcg@20"]
    }

    private var datasets: [String] { rows.map(\.dataset).reduce(into: []) { if $0.last != $1 { $0.append($1) } } }

    private static func datasetTitle(_ name: String) -> String { name + (DatasetCatalog.isSynthetic(name) ? " (synthetic)" : "") }

    // MARK: Markdown and LaTeX

    /// What differs between the Markdown and the LaTeX cells; the numbers' precision does not.
    private struct Notation {
        let plusMinus: String
        let percent: String
        let missing: String
        let bold: @Sendable (String) -> String
        let text: @Sendable (String) -> String
    }

    private static let markdownNotation = Notation(plusMinus: "±", percent: "%", missing: "–", bold: { "**\($0)**" }, text: { $0 })
    private static let latexNotation = Notation(plusMinus: "$\\pm$", percent: "\\%", missing: "--", bold: { "\\textbf{\($0)}" }, text: latexEscaped)

    /// method, d, seeds, the shown metrics ("mean ± std", the mean alone for one seed), gain, p50 µs, params.
    private func cells(_ row: Row, _ n: Notation) -> [String] {
        var cells = [n.text(row.method), "\(row.dimension)", "\(row.seeds)"]
        for m in Self.shownMetrics(evaluationProtocol) {
            guard let s = row.metrics[m] else { cells.append(n.missing); continue }
            let text = s.standardDeviation.isNaN
                ? String(format: "%.4f", s.mean) : String(format: "%.4f \(n.plusMinus) %.4f", s.mean, s.standardDeviation)
            cells.append(row.best.contains(m) ? n.bold(text) : text)
        }
        cells.append(row.gainPercent.map { String(format: "%+.1f", $0) + n.percent } ?? n.missing)
        cells.append(row.latencyP50.map { String(format: "%.1f", $0) } ?? n.missing)
        cells.append(row.parameters.map { "\($0)" } ?? n.missing)
        return cells
    }

    public var markdown: String {
        let p = evaluationProtocol, selection = p.selectionMetric, shown = Self.shownMetrics(p)
        var out = "# \(suite): test metrics (\(p.rawValue))\n\nMean ± sample std over seeds (the mean alone for one seed); "
            + "**bold** = best mean among the student-sized rows of the same dataset and size (teacher excluded); "
            + "gain = relative change of the mean \(selection) vs `\(StudentOnly.key)` of the same dataset and size. "
            + "p50 = single-thread per-query latency.\n"
        for dataset in datasets {
            out += "\n## \(Self.datasetTitle(dataset))\n\n"
            out += "| method | d | seeds | " + shown.joined(separator: " | ") + " | gain \(selection) | p50 µs | params |\n"
            out += "|---|---:|---:|" + String(repeating: "---:|", count: shown.count + 3) + "\n"
            for row in rows where row.dataset == dataset {
                out += "| " + cells(row, Self.markdownNotation).joined(separator: " | ") + " |\n"
            }
            let groupKeys = Evaluator.reportedMetricKeys(p).filter { !p.metricKeys.contains($0) }
            if !groupKeys.isEmpty, rows.contains(where: { $0.dataset == dataset && groupKeys.contains(where: $0.metrics.keys.contains) }) {
                out += "\nRecall@\(Evaluator.popularityGroupCutoff) inside the train split's \(groupKeys.count) popularity groups of equal interaction mass (pop1 = most popular):\n\n"
                out += "| method | d | " + groupKeys.map { $0.split(separator: "/").last.map(String.init) ?? $0 }.joined(separator: " | ") + " |\n"
                out += "|---|---:|" + String(repeating: "---:|", count: groupKeys.count) + "\n"
                for row in rows where row.dataset == dataset {
                    out += "| \(row.method) | \(row.dimension) | " + groupKeys.map { k in row.metrics[k].map { String(format: "%.4f", $0.mean) } ?? "–" }
                        .joined(separator: " | ") + " |\n"
                }
            }
            if rows.contains(where: { $0.dataset == dataset && !$0.isTeacher && $0.secondsPerEpoch != nil }) {
                out += "\nTraining cost (mean over seeds): seconds per epoch, its multiple of `\(StudentOnly.key)`'s, the method's preparation "
                    + "(teacher artefacts computed or loaded) and its training-only parameters:\n\n"
                out += "| method | d | s/epoch | × student | prepare s | training-only params |\n|---|---:|---:|---:|---:|---:|\n"
                for row in rows where row.dataset == dataset && !row.isTeacher {
                    out += "| \(row.method) | \(row.dimension) | " + [row.secondsPerEpoch.map { String(format: "%.3f", $0) } ?? "–",
                        row.epochCostRatio.map { String(format: "%.2f", $0) } ?? "–", row.prepareSeconds.map { String(format: "%.2f", $0) } ?? "–",
                        row.trainingOnlyParameters.map { "\($0)" } ?? "–"].joined(separator: " | ") + " |\n"
                }
            }
        }
        if !failed.isEmpty {
            out += "\n## Failed runs\n\n"
            for f in failed { out += "- `\(f.key)`: \(f.failure ?? "unknown")\n" }
        }
        return out
    }

    /// One booktabs `table` per dataset; the including document needs `\usepackage{booktabs}`.
    public var latex: String {
        let p = evaluationProtocol, selection = p.selectionMetric, shown = Self.shownMetrics(p)
        let esc = Self.latexEscaped
        var out = "% \(suite): test metrics (\(p.rawValue)); needs \\usepackage{booktabs}\n"
        for dataset in datasets {
            out += "\n\\begin{table}[t]\n\\centering\n"
            out += "\\caption{\(esc(Self.datasetTitle(dataset))), \(esc(p.rawValue)) protocol: test metrics, mean $\\pm$ sample std over seeds; "
                + "gain = relative change of the mean \(esc(selection)) vs \(esc(StudentOnly.key)) of the same size; "
                + "\\textbf{bold} = best among the student-sized rows of the same size.}\n"
            out += "\\begin{tabular}{lrr" + String(repeating: "r", count: shown.count + 3) + "}\n\\toprule\n"
            out += (["method", "$d$", "seeds"] + shown.map(esc) + ["gain \(esc(selection)) (\\%)", "p50 ($\\mu$s)", "params"])
                .joined(separator: " & ") + " \\\\\n\\midrule\n"
            for row in rows where row.dataset == dataset {
                out += cells(row, Self.latexNotation).joined(separator: " & ") + " \\\\\n"
            }
            out += "\\bottomrule\n\\end{tabular}\n\\end{table}\n"
        }
        return out
    }

    /// Escapes LaTeX's special characters in text (names come from suite files and user data).
    static func latexEscaped(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "\\": out += "\\textbackslash{}"
            case "~": out += "\\textasciitilde{}"
            case "^": out += "\\textasciicircum{}"
            case "&", "%", "$", "#", "_", "{", "}": out += "\\\(c)"
            default: out.append(c)
            }
        }
        return out
    }

    // MARK: CSV

    /// Every metric as `<metric>_mean`, `<metric>_std`, then gain, mean p50, params and
    /// `best_<selection>` ("1"/"0"; empty for the teacher). Numbers are shortest round-trip text,
    /// n/a (including the std of a single seed) is an empty cell.
    public var csv: String {
        let p = evaluationProtocol, selection = p.selectionMetric
        func number(_ x: Double?) -> String { x.map { $0.isNaN ? "" : "\($0)" } ?? "" }
        var header = ["dataset", "protocol", "method", "dim", "seeds"]
        let reported = Evaluator.reportedMetricKeys(p)
        header += reported.flatMap { ["\($0)_mean", "\($0)_std"] }
        header += ["gain_\(selection)_pct", "latency_p50_us_mean", "params", "best_\(selection)",
                   "seconds_per_epoch_mean", "epoch_cost_vs_student", "prepare_seconds_mean", "training_only_params"]
        var lines = [header.joined(separator: ",")]
        for row in rows {
            var cells = [row.dataset, p.rawValue, row.method, "\(row.dimension)", "\(row.seeds)"]
            cells += reported.flatMap { [number(row.metrics[$0]?.mean), number(row.metrics[$0]?.standardDeviation)] }
            cells += [number(row.gainPercent), number(row.latencyP50), row.parameters.map { "\($0)" } ?? "",
                      row.isTeacher ? "" : row.best.contains(selection) ? "1" : "0",
                      number(row.secondsPerEpoch), number(row.epochCostRatio), number(row.prepareSeconds),
                      row.trainingOnlyParameters.map { "\($0)" } ?? ""]
            lines.append(cells.map(ResultsSummary.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
