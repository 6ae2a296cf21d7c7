import DistillKit
import Foundation

/// `bench finalize DIR`, also the last step of `bench all`: everything derived from a results
/// directory's records (summary.csv, tables, the manifest) is rebuilt from the records,
/// `suite.json` and `invocations/` alone, whoever wrote them and in whatever order; the report
/// says which of the suite's runs are finished, failed or missing.
public enum ResultsFinalizer {
    public struct Report: Sendable {
        public let directory: String
        public let expected: Int
        public let finished: Int
        /// Runs whose record says failed, and who is running each one again, if anyone.
        public let failed: [(key: String, reason: String, heldBy: String?)]
        /// Runs of the suite without a record, and who holds each one's lock, if anyone.
        public let missing: [(key: String, heldBy: String?)]
        /// Finished runs whose deferred latency probe has not run yet (`RunRecord.latencyPending`).
        public var awaitingLatency: [String] = []

        public var isComplete: Bool { failed.isEmpty && missing.isEmpty && awaitingLatency.isEmpty }

        public var text: String {
            var lines = ["\(directory): \(finished) of \(expected) runs finished, \(failed.count) failed, \(missing.count) missing"
                         + (awaitingLatency.isEmpty ? "" : ", \(awaitingLatency.count) awaiting latency (`bench all --phase latency --suite S --out \(directory)` probes them)")]
            var listed = failed.map { "  failed   \($0.key): \(RunKeyName.short($0.reason, 200))" + ($0.heldBy.map { " (being rerun by \($0))" } ?? "") }
            listed += missing.map { "  missing  \($0.key)" + ($0.heldBy.map { " (being run by \($0))" } ?? "") }
            listed += awaitingLatency.map { "  latency  \($0) (trained; its latency probe is deferred)" }
            // A phase or shard leaves most of a suite missing on purpose: name the first few.
            let shown = 20
            lines += listed.prefix(shown)
            if listed.count > shown { lines.append("  … and \(listed.count - shown) more (`bench status \(directory)` lists them all)") }
            return lines.joined(separator: "\n")
        }
    }

    /// The directory's suite, its records, and its runs sorted into finished, failed and missing
    /// (with who holds a missing run's lock); reads only.  `bench status` shows the same.
    public static func survey(_ store: ResultsStore) throws -> (suite: Suite, records: [RunRecord], report: Report) {
        guard let suite = try store.readSuite() else {
            throw HarnessError("\(store.root): no suite.json (nor manifest.json); not a results directory written by `bench all`")
        }
        let records = try store.allRecords()
        let byKey = Dictionary(records.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        var failed: [(key: String, reason: String, heldBy: String?)] = [], missing: [(key: String, heldBy: String?)] = []
        var finished = 0, awaitingLatency: [String] = []
        let expected = try suite.expand().map(\.key)
        for key in expected {
            switch byKey[key]?.status {
            case .finished?:
                finished += 1
                if byKey[key]?.latencyPending == true { awaitingLatency.append(key) }
            case .failed?: failed.append((key, byKey[key]?.failure ?? "", LockFile.holder(store.runLockPath(key))))
            case nil: missing.append((key, LockFile.holder(store.runLockPath(key))))
            }
        }
        var report = Report(directory: store.root, expected: expected.count, finished: finished, failed: failed, missing: missing)
        report.awaitingLatency = awaitingLatency
        return (suite, records, report)
    }

    @discardableResult
    public static func finalize(_ store: ResultsStore) throws -> Report {
        let (suite, records, report) = try survey(store)
        try ResultsSummary.write(store: store, protocol: suite.evaluationProtocol, suite: suite.name)
        try store.writeManifest(manifest(suite: suite, records: records, invocations: InvocationLog.readAll(store),
                                         counts: .init(expected: report.expected, finished: report.finished,
                                                       failed: report.failed.map(\.key), missing: report.missing.map(\.key))))
        return report
    }

    static func manifest(suite: Suite, records: [RunRecord], invocations: [Manifest.Invocation], counts: Manifest.RunCounts) -> Manifest {
        // The environment most records were written in (ties: the first in key order).
        var counted: [EnvironmentFingerprint: Int] = [:], order: [EnvironmentFingerprint] = []
        for r in records {
            guard let e = r.environment else { continue }
            if counted[e] == nil { order.append(e) }
            counted[e, default: 0] += 1
        }
        let most = counted.values.max() ?? 0
        let environment = order.first { counted[$0] == most } ?? EnvironmentFingerprint.process
        var datasetHashes: [String: String] = [:], splitHashes: [String: String] = [:]
        for r in records where !r.datasetHash.isEmpty {
            datasetHashes[r.spec.dataset.name] = r.datasetHash
            if !r.splitHash.isEmpty {
                splitHashes[ResultsStore.splitFolderName(dataset: r.spec.dataset.name, protocol: r.spec.evaluationProtocol, seed: r.spec.seed)] = r.splitHash
            }
        }
        let now = InvocationLog.timestamp(Date())
        return Manifest(suiteName: suite.name, suite: suite, evaluationProtocol: suite.evaluationProtocol, environment: environment,
                        threads: invocations.last?.threads ?? suite.threads, datasetHashes: datasetHashes, splitHashes: splitHashes,
                        startedAt: invocations.first?.startedAt ?? now, finishedAt: now, invocations: invocations,
                        otherEnvironments: order.filter { $0 != environment }, runs: counts)
    }
}
