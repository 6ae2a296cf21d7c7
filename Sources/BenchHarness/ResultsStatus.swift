import DistillKit
import Foundation

/// `bench status DIR`: how far a results directory is — the suite's runs finished, failed,
/// running (locked) or missing — and, for a directory run through Slurm, every submitted job
/// with the state of each task that did not complete, its exit code and its log file.
public enum ResultsStatus {
    public struct Report: Sendable {
        public let text: String
        public let complete: Bool
    }

    public static func report(_ store: ResultsStore, slurmStates: (String) -> [Int: SlurmExecutor.TaskState]? = SlurmExecutor.taskStates) throws -> Report {
        let (suite, _, survey) = try ResultsFinalizer.survey(store)
        var lines: [String] = []

        // Slurm: the latest task of each key, and every task that did not complete.
        var latestTask: [String: (job: SlurmExecutor.Job, task: Int, state: SlurmExecutor.TaskState?)] = [:]
        let submissions = SlurmExecutor.submissions(store)
        for s in submissions {
            lines.append("slurm submission \(s.name) (\(s.submittedAt)):")
            for job in s.jobs {
                let states = slurmStates(job.jobID)
                let tasks = job.keys.isEmpty ? [-1] : Array(job.keys.indices)
                var counts: [String: Int] = [:]
                var notes: [String] = []
                for t in tasks {
                    let state = states?[t]
                    counts[state?.state ?? "no Slurm record", default: 0] += 1
                    let log = job.logPattern.replacingOccurrences(of: "{task}", with: t >= 0 ? "\(t)" : job.jobID)
                    if t >= 0 { latestTask[job.keys[t]] = (job, t, state) }
                    if state?.state != "COMPLETED" {
                        let what = t >= 0 ? "task \(t) (\(job.keys[t]))" : "job"
                        notes.append("    \(what): \(state.map { "\($0.state), exit \($0.exitCode)" } ?? "no Slurm record (cancelled while pending, or ended longer ago than MinJobAge)"), log \(log)")
                    }
                }
                let summary = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                lines.append("  \(job.role) job \(job.jobID)\(job.keys.isEmpty ? "" : " (\(job.keys.count) task\(job.keys.count == 1 ? "" : "s"))"): \(summary)")
                lines += notes
            }
        }

        var pending: [String] = []
        let notFinished = survey.failed.map { (key: $0.key, line: "  failed   \($0.key): \(RunKeyName.short($0.reason, 160))" + ($0.heldBy.map { " (being rerun by \($0))" } ?? "")) }
            + survey.missing.map { (key: $0.key, line: "  missing  \($0.key)" + ($0.heldBy.map { " (being run by \($0))" } ?? "")) }
        for (key, first) in notFinished {
            var line = first
            if let t = latestTask[key] {
                line += "; slurm \(t.job.role) \(t.job.jobID)_\(t.task): \(t.state.map { "\($0.state), exit \($0.exitCode)" } ?? "no Slurm record")"
                    + ", log \(t.job.logPattern.replacingOccurrences(of: "{task}", with: "\(t.task)"))"
            }
            pending.append(line)
        }
        let waiting = survey.awaitingLatency.map { "  latency  \($0) (trained; its deferred latency probe has not run: `bench all --phase latency`)" }
        let head = "\(store.root): suite \(suite.name), \(survey.finished) of \(survey.expected) runs finished, \(pending.count) not"
            + (waiting.isEmpty ? "" : ", \(waiting.count) awaiting latency")
        return Report(text: ([head] + pending + waiting + lines).joined(separator: "\n") + "\n", complete: pending.isEmpty && waiting.isEmpty)
    }
}
