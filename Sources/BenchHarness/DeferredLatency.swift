import DistillKit
import Foundation

/// `bench all --phase latency`: the probes that workers deferred.  Workers that share a machine
/// (`--jobs`, Slurm tasks on one node) would time each other's training, so they save the
/// trained model and leave the probe; this phase runs the probes one after another, after the
/// workers, in one process, and fills in each record's latency.
extension SuiteRunner {
    struct LatencyPhaseOutcome {
        var ran = 0
        var failed: [String] = []
        var held: [String] = []
    }

    func measureDeferredLatency(_ runs: [RunSpec]) throws -> LatencyPhaseOutcome {
        let pending = runs.filter { store.readRecord($0.key)?.latencyPending == true }
        var outcome = LatencyPhaseOutcome()
        progress.startSuite(total: pending.count)
        if pending.isEmpty { progress.log("no run awaits its latency probe") }
        for (index, spec) in pending.enumerated() {
            progress.startRun(index + 1, "latency \(spec.key)")
            let start = Date()
            var lock: LockFile? = nil
            defer { lock?.release() }
            switch try LockFile.tryAcquire(store.runLockPath(spec.key)) {
            case .acquired(let l): lock = l
            case .heldBy(let owner, let since):
                outcome.held.append(spec.key)
                progress.finishRun("\(spec.key): being run by \(LockFile.describe(owner, since: since)); left to it", seconds: 0, counted: false)
                continue
            }
            do {
                // Read again under the lock: another process may have probed or rerun it meanwhile.
                guard var record = store.readRecord(spec.key), record.latencyPending == true else {
                    progress.finishRun("\(spec.key): measured meanwhile by another process", seconds: 0, counted: false)
                    continue
                }
                record.latency = try probeSavedModel(spec, record: record)
                record.latencyPending = nil
                try store.write(record, evaluation: nil, split: nil)
                try? FileManager.default.removeItem(atPath: store.modelAwaitingLatencyPath(spec.key))
                outcome.ran += 1
                let seconds = Date().timeIntervalSince(start)
                progress.finishRun(String(format: "%@: p50 %.1f µs, %.0f queries/s, %.1f s", spec.key,
                                          record.latency?.p50 ?? .nan, record.latency?.qps ?? .nan, seconds), seconds: seconds)
            } catch {
                outcome.failed.append(spec.key)
                progress.finishRun("\(spec.key): latency not measured: \(error)", seconds: Date().timeIntervalSince(start))
            }
        }
        return outcome
    }

    /// The probe of protocol.md §5 on the run's saved model, over the test users of its split.
    private func probeSavedModel(_ spec: RunSpec, record: RunRecord) throws -> LatencyReport {
        let path = store.modelAwaitingLatencyPath(spec.key)
        let again = "delete \(store.runDirectory(spec.key)) and rerun the suite to train it again"
        let model: MatrixFactorization
        do { model = try ModelCheckpoint.readMatrixFactorization(from: path) } catch {
            throw HarnessError("\(error); the run's record awaits a latency probe of this model: \(again)")
        }
        let split = try self.split(try dataset(spec.dataset), spec)
        guard split.hash == record.splitHash else {
            throw HarnessError("the split of \(spec.dataset.name) seed \(spec.seed) is no longer the one the run was trained on (\(record.splitHash.prefix(12)) -> \(split.hash.prefix(12))): \(again)")
        }
        guard model.userCount == split.userCount, model.itemCount == split.itemCount, model.dimension == record.model?.dimension else {
            throw HarnessError("\(path): a \(model.userCount) x \(model.itemCount) d=\(model.dimension) model, not the run's \(split.userCount) x \(split.itemCount) d=\(record.model?.dimension ?? 0): \(again)")
        }
        let users = split.evaluatedUsers(split.test).map { Int32($0) }
        return LatencyProbe.measure(model, split: split, users: users, settings: spec.latency, mode: "deferred")
    }
}
