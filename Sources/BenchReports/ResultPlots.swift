import BenchHarness
import DistillKit
import Foundation

/// Draws the plots of a results directory into `plots/`: per dataset the accuracy-vs-latency
/// plane and the gain over `student`, per run the validation learning curve.  Reads records
/// only; nothing is retrained.
public enum ResultPlots {
    /// The files written, in drawing order.
    @discardableResult
    public static func draw(_ store: ResultsStore, metric: String? = nil) throws -> [String] {
        guard let manifest = try store.readManifest() else {
            throw HarnessError("\(store.root): no manifest.json; not a results directory")
        }
        let p = manifest.evaluationProtocol
        let metric = metric ?? p.selectionMetric
        guard Evaluator.reportedMetricKeys(p).contains(metric) else {
            throw HarnessError("unknown metric '\(metric)' for \(p.rawValue); one of \(Evaluator.reportedMetricKeys(p).joined(separator: ", "))")
        }
        let records = try store.allRecords().filter { $0.status == .finished }
        let dir = store.path("plots")
        try FileManager.default.createDirectory(atPath: store.path("plots", "curves"), withIntermediateDirectories: true)
        var written: [String] = []
        let label = "test \(displayName(metric))"
        for dataset in Set(records.map(\.spec.dataset.name)).sorted() {
            let rows = records.filter { $0.spec.dataset.name == dataset }
            let title = "\(dataset)\(DatasetCatalog.isSynthetic(dataset) ? " (synthetic)" : ""), \(p.rawValue)"
            let points = accuracyLatencyPoints(rows, metric: metric)
            if !points.isEmpty {
                written += try Plots.accuracyVsLatency(points: points, title: title, yLabel: label,
                                                       to: (dir as NSString).appendingPathComponent("accuracy-latency-\(dataset)"))
            }
            let bars = gainBars(rows, metric: metric)
            if !bars.isEmpty {
                written += try Plots.gainOverStudent(bars: bars, title: "\(title): gain in \(label) over student",
                                                     to: (dir as NSString).appendingPathComponent("gain-\(dataset)"))
            }
        }
        for r in records.sorted(by: { $0.key < $1.key }) where !r.learningCurve.isEmpty {
            let curve = LearningCurve(epochs: r.learningCurve.map(\.epoch), validation: r.learningCurve.map(\.validation),
                                      loss: r.learningCurve.map(\.loss), bestEpoch: r.selectedEpoch,
                                      metricName: displayName(r.selectionMetric))
            written += try Plots.learningCurve(curve, title: r.key, to: store.path("plots", "curves", r.key))
        }
        return written
    }

    /// "ndcg@20" -> "NDCG@20", as papers write them.
    static func displayName(_ metric: String) -> String {
        let names = ["ndcg": "NDCG", "recall": "Recall", "hr": "HR", "mrr": "MRR"]
        let parts = metric.split(separator: "@", maxSplits: 1)
        return (names[String(parts[0])] ?? String(parts[0])) + (parts.count > 1 ? "@\(parts[1])" : "")
    }

    /// One point per (method, dim): accuracy is the mean over its seeds (error bar: their
    /// standard deviation); latency is pooled over every run of the same inference model (family,
    /// dimension, parameter count).  Every method's student of one size is the same model, so its
    /// latency is one quantity: measuring it per method would only scatter the points by timing
    /// noise and draw a Pareto frontier out of it.
    static func accuracyLatencyPoints(_ rows: [RunRecord], metric: String) -> [AccuracyLatencyPoint] {
        func architecture(_ r: RunRecord) -> String { "\(r.spec.family)|\(r.spec.dimension)|\(r.model?.parameters ?? -1)" }
        let latencyOf = Dictionary(grouping: rows.filter { $0.latency != nil }, by: architecture).mapValues { rs in
            Summary(rs.sorted { $0.key < $1.key }.compactMap { $0.latency?.p50 })
        }
        let groups = Dictionary(grouping: rows) { "\($0.spec.variant)|\($0.spec.dimension)" }
        return groups.keys.sorted { a, b in
            let (ma, da) = (String(a.split(separator: "|")[0]), Int(a.split(separator: "|")[1])!)
            let (mb, db) = (String(b.split(separator: "|")[0]), Int(b.split(separator: "|")[1])!)
            return ma != mb ? Plots.methodOrder(ma, mb) : da < db
        }.compactMap { g in
            let rs = groups[g]!
            guard let latency = latencyOf[architecture(rs[0])] else { return nil }
            let accuracy = Summary(rs.compactMap { $0.test[metric] })
            guard latency.count > 0, !latency.mean.isNaN, !accuracy.mean.isNaN else { return nil }
            let s = rs[0].spec
            return AccuracyLatencyPoint(method: s.variant, size: s.dimension, label: "d=\(s.dimension)",
                                        latencyMicros: latency.mean, latencyError: latency.standardDeviation.isNaN ? nil : latency.standardDeviation,
                                        accuracy: accuracy.mean, accuracyError: accuracy.standardDeviation.isNaN ? 0 : accuracy.standardDeviation,
                                        isTeacher: s.isTeacher)
        }
    }

    /// % gain of each distillation method over `student` of the same dim, paired by seed;
    /// the error bar is the standard deviation of the per-seed gains.
    static func gainBars(_ rows: [RunRecord], metric: String) -> [GainBar] {
        let student = Dictionary(rows.filter { $0.spec.variant == StudentOnly.key }.map { ("\($0.spec.dimension)|\($0.spec.seed)", $0) },
                                 uniquingKeysWith: { a, _ in a })
        let methods = rows.filter { !$0.spec.isTeacher && $0.spec.variant != StudentOnly.key }
        let groups = Dictionary(grouping: methods) { "\($0.spec.variant)|\($0.spec.dimension)" }
        return groups.keys.sorted { a, b in
            let (ma, da) = (String(a.split(separator: "|")[0]), Int(a.split(separator: "|")[1])!)
            let (mb, db) = (String(b.split(separator: "|")[0]), Int(b.split(separator: "|")[1])!)
            return da != db ? da < db : Plots.methodOrder(ma, mb)
        }.compactMap { g in
            let rs = groups[g]!
            let gains = rs.compactMap { r -> Double? in
                guard let base = student["\(r.spec.dimension)|\(r.spec.seed)"]?.test[metric], let v = r.test[metric], base > 0 else { return nil }
                return 100 * (v / base - 1)
            }
            guard !gains.isEmpty else { return nil }
            let s = Summary(gains)
            return GainBar(method: rs[0].spec.variant, group: "d=\(rs[0].spec.dimension)", gainPercent: s.mean,
                           error: s.standardDeviation.isNaN ? nil : s.standardDeviation)
        }
    }
}
