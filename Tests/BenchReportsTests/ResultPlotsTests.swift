import Foundation
import Testing
@testable import BenchHarness
@testable import BenchReports
@testable import DistillKit

/// The plots of a real (tiny) results directory, plus a copied run posing as a distillation
/// method 10% better than the student, so the gain plot has a bar to draw.
@Suite(.serialized) struct ResultPlotsTests {
    static func directory() throws -> ResultsStore {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("distillbench-plots-\(getpid())").path
        try? FileManager.default.removeItem(atPath: base)
        let suite = try Suite.parse("""
            datasets: [synthetic-tiny]
            teacher_dim: 16
            phi: [0.25]
            seeds: [0]
            training: {lr: 0.01, weight_decay: 0.01, max_epochs: 10, eval_every: 5, patience: 2}
            latency: {warmup: 5, min_queries: 20, min_seconds: 0.01, passes: 2}
            """, file: "plots.yaml", defaultName: "plots")
        let store = ResultsStore(root: base + "/results")
        try SuiteRunner(suite: suite, store: store, threads: 1, progress: ProgressReporter(quiet: true),
                        teachers: TeacherCache(root: base + "/cache"), commandLine: "test").run()
        // The student's record under another method key, with NDCG@20 scaled by 1.1.
        let studentKey = "synthetic-tiny__bpr-mf__student__d4__seed0", fakeKey = "synthetic-tiny__bpr-mf__fake-kd__d4__seed0"
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: store.recordPath(studentKey)))) as! [String: Any]
        var spec = json["spec"] as! [String: Any]
        spec["method"] = "fake-kd"
        spec["variant"] = "fake-kd"
        json["spec"] = spec
        json["key"] = fakeKey
        var test = json["test"] as! [String: Double]
        test["ndcg@20"]! *= 1.1
        json["test"] = test
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: json), to: store.recordPath(fakeKey))
        return store
    }

    @Test func plotInputsComeFromTheRecords() throws {
        let store = try Self.directory()
        let records = try store.allRecords()
        let points = ResultPlots.accuracyLatencyPoints(records, metric: "ndcg@20")
        #expect(points.map(\.method).sorted() == ["fake-kd", "student", "teacher"])
        #expect(points.filter(\.isTeacher).map(\.size) == [16])
        // Students of one size are one model: one latency, pooled over their runs.
        let students = points.filter { !$0.isTeacher }
        let pooled = Summary(records.filter { !$0.spec.isTeacher }.sorted { $0.key < $1.key }.compactMap { $0.latency?.p50 }).mean
        #expect(students.count == 2 && students.allSatisfy { $0.latencyMicros == pooled })
        let bars = ResultPlots.gainBars(records, metric: "ndcg@20")
        #expect(bars.count == 1 && bars[0].method == "fake-kd" && bars[0].group == "d=4")
        #expect(abs(bars[0].gainPercent - 10) < 1e-9)
        #expect(ResultPlots.displayName("ndcg@20") == "NDCG@20" && ResultPlots.displayName("hr@5") == "HR@5")
    }

    @Test(.enabled(if: Plots.isAvailable, "python3-matplotlib not installed"))
    func drawsEveryPlotOfTheDirectory() throws {
        let store = try Self.directory()
        let files = try ResultPlots.draw(store)
        let names = files.map { ($0 as NSString).lastPathComponent }
        for n in ["accuracy-latency-synthetic-tiny.png", "accuracy-latency-synthetic-tiny.svg", "gain-synthetic-tiny.png",
                  "synthetic-tiny__bpr-mf__fake-kd__d4__seed0.png", "synthetic-tiny__bpr-mf__teacher__d16__seed0.svg"] {
            #expect(names.contains(n), "\(n) not drawn")
        }
        #expect(files.count == 2 + 2 + 3 * 2)
        for f in files where f.hasSuffix(".png") {
            #expect(Array(try Data(contentsOf: URL(fileURLWithPath: f)).prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
        }
    }
}
