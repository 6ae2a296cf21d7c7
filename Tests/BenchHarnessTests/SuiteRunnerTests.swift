import Foundation
import Testing
@testable import BenchHarness
@testable import DistillKit

/// End to end on synthetic-tiny in temporary directories (own teacher cache each).
@Suite(.serialized) struct SuiteRunnerTests {
    static func tinySuite() throws -> Suite {
        try Suite.parse("""
            name: tiny
            datasets: [synthetic-tiny]
            teacher_dim: 16
            phi: [0.25]
            seeds: [0]
            training: {lr: 0.01, weight_decay: 0.01, max_epochs: 10, eval_every: 5, patience: 2}
            latency: {warmup: 5, min_queries: 20, min_seconds: 0.01, passes: 2}
            threads: 2
            """, file: "tiny.yaml", defaultName: "tiny")
    }

    static func temp(_ name: String) -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("distillbench-test-\(getpid())-\(name)").path
        try? FileManager.default.removeItem(atPath: d)
        return d
    }

    func runner(_ suite: Suite, _ dir: String, cache: String, threads: Int = 2) -> SuiteRunner {
        SuiteRunner(suite: suite, store: ResultsStore(root: dir), threads: threads, progress: ProgressReporter(quiet: true),
                    teachers: TeacherCache(root: cache), commandLine: "test")
    }

    @Test func writesACompleteResultsDirectoryAndResumes() throws {
        let dir = Self.temp("complete"), cache = Self.temp("complete-cache")
        let suite = try Self.tinySuite()
        let first = try runner(suite, dir, cache: cache).run()
        #expect(first.ran == 2 && first.failed.isEmpty)
        let store = ResultsStore(root: dir)
        for key in ["synthetic-tiny__bpr-mf__teacher__d16__seed0", "synthetic-tiny__bpr-mf__student__d4__seed0"] {
            for f in ["record.json", "test-topk.tsv", "test-users.tsv", "latency-raw.tsv"] {
                #expect(FileManager.default.fileExists(atPath: store.path("runs", key, f)), "\(key)/\(f)")
            }
        }
        for f in ["train.tsv", "valid.tsv", "test.tsv"] {
            #expect(FileManager.default.fileExists(atPath: store.path("splits", "synthetic-tiny-holdout-seed0", f)))
        }
        let csv = try String(contentsOfFile: store.summaryPath, encoding: .utf8)
        let header = csv.split(separator: "\n")[0]
        #expect(header.hasPrefix("dataset,protocol,method,family,teacher_dim,dim,phi,seed,"))
        for c in ["test_ndcg@20", "test_recall@50", "latency_p50_us", "latency_p99_us", "qps", "params", "train_seconds", "epochs"] {
            #expect(header.contains(c), "summary.csv lacks \(c)")
        }
        #expect(csv.split(separator: "\n").count == 3)
        let manifest = try #require(try store.readManifest())
        #expect(manifest.datasetHashes["synthetic-tiny"] != nil && !manifest.environment.blasCore.isEmpty)
        // Resume: nothing reruns; the teacher comes from the cache for a fresh directory.
        let again = try runner(suite, dir, cache: cache).run()
        #expect(again.ran == 0 && again.skipped == 2)
        let other = Self.temp("complete-2")
        let cacheEntries = try FileManager.default.contentsOfDirectory(atPath: cache)
        _ = try runner(suite, other, cache: cache).run()
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache) == cacheEntries)
        #expect(ResultsStore(root: other).readRecord("synthetic-tiny__bpr-mf__teacher__d16__seed0")?.test
                == store.readRecord("synthetic-tiny__bpr-mf__teacher__d16__seed0")?.test)
    }

    /// A changed config reruns exactly the runs it changes.
    @Test func changedConfigurationsRerun() throws {
        let dir = Self.temp("changed"), cache = Self.temp("changed-cache")
        var suite = try Self.tinySuite()
        _ = try runner(suite, dir, cache: cache).run()
        suite.phis = [0.25, 0.5]                       // adds one student size
        let added = try runner(suite, dir, cache: cache).run()
        #expect(added.ran == 1 && added.skipped == 2)
        suite.training.maxEpochs = 12                  // changes every run (teacher included)
        let changed = try runner(suite, dir, cache: cache).run()
        #expect(changed.ran == 3 && changed.skipped == 0)
        #expect(ResultsStore(root: dir).readRecord("synthetic-tiny__bpr-mf__student__d4__seed0")?.spec.training.maxEpochs == 12)
    }

    /// Same seed, fresh caches, 1 vs 2 threads: identical metrics and top-K lists.
    @Test func resultsAreBitIdenticalAcrossThreadCounts() throws {
        let suite = try Self.tinySuite()
        let a = Self.temp("t1"), b = Self.temp("t2")
        _ = try runner(suite, a, cache: Self.temp("t1-cache"), threads: 1).run()
        _ = try runner(suite, b, cache: Self.temp("t2-cache"), threads: 2).run()
        for key in ["synthetic-tiny__bpr-mf__teacher__d16__seed0", "synthetic-tiny__bpr-mf__student__d4__seed0"] {
            let ra = try #require(ResultsStore(root: a).readRecord(key)), rb = try #require(ResultsStore(root: b).readRecord(key))
            #expect(ra.test == rb.test && ra.validation == rb.validation && ra.learningCurve == rb.learningCurve)
            let ta = try String(contentsOfFile: ResultsStore(root: a).path("runs", key, "test-topk.tsv"), encoding: .utf8)
            let tb = try String(contentsOfFile: ResultsStore(root: b).path("runs", key, "test-topk.tsv"), encoding: .utf8)
            #expect(ta == tb)
        }
    }

    @Test func refusesADirectoryOfAnotherProtocol() throws {
        let dir = Self.temp("protocol"), cache = Self.temp("protocol-cache")
        _ = try runner(try Self.tinySuite(), dir, cache: cache).run()
        var loo = try Self.tinySuite()
        loo.evaluationProtocol = .loo499
        #expect(throws: HarnessError.self) { try runner(loo, dir, cache: cache).run() }
        do { try runner(loo, dir, cache: cache).run() } catch { #expect("\(error)".contains("holds holdout results and this run is loo-499")) }
    }

    /// A broken dataset fails its runs with the reason; the other dataset's runs still finish.
    @Test func aFailedRunNeverTakesTheSuiteDown() throws {
        let dir = Self.temp("failing"), cache = Self.temp("failing-cache")
        let bad = Self.temp("bad.inter")
        try "user_id:token\titem_id:token\n1\t2\n3\n".write(toFile: bad, atomically: true, encoding: .utf8)
        var suite = try Self.tinySuite()
        suite.datasets.append(Suite.DatasetSpec(name: "broken", path: bad))
        let outcome = try runner(suite, dir, cache: cache).run()
        #expect(outcome.failed.count == 2 && outcome.ran == 4)
        let r = try #require(ResultsStore(root: dir).readRecord("broken__bpr-mf__student__d4__seed0"))
        #expect(r.status == .failed && r.failure!.contains("\(bad):3: expected at least 2 fields"))
        let md = try String(contentsOfFile: ResultsStore(root: dir).path("tables", "summary.md"), encoding: .utf8)
        #expect(md.contains("Failed runs"))
    }
}
