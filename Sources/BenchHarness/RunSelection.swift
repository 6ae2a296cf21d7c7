import Foundation

/// Which of a suite's runs one `bench` process takes: a phase (teachers first, so no two
/// workers train one teacher), a shard `i/n` and/or named run keys.  A shard is the runs at
/// positions i, i+n, i+2n, ... of the phase's runs sorted by key, so it does not depend on the
/// order of the suite file's lists, and the shards of one phase cover it exactly once.
public struct RunSelection: Sendable, Equatable {
    public enum Phase: String, Sendable, CaseIterable {
        /// Every run, teachers before the students of each (dataset, seed), as today's serial order.
        case all
        /// Teacher rows only, with the teacher artefacts the suite's methods will read.
        case teachers
        /// Everything but teacher rows (their teachers come from the cache).
        case students
        /// No training: the latency probes the runs' workers deferred (`--defer-latency`), one
        /// after another, on their saved models.
        case latency
    }

    public var phase: Phase = .all
    /// 0-based shard index and shard count.
    public var shard: (index: Int, count: Int)? = nil
    /// Only these run keys (each must be a run of the suite).
    public var keys: [String]? = nil

    public init(phase: Phase = .all, shard: (index: Int, count: Int)? = nil, keys: [String]? = nil) {
        self.phase = phase
        self.shard = shard
        self.keys = keys
    }

    public static func == (a: RunSelection, b: RunSelection) -> Bool {
        a.phase == b.phase && a.shard?.index == b.shard?.index && a.shard?.count == b.shard?.count && a.keys == b.keys
    }

    /// Parses `i/n` (0 <= i < n), e.g. `--shard $SLURM_ARRAY_TASK_ID/8`.
    public static func parseShard(_ text: String) throws -> (index: Int, count: Int) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, (0..<n).contains(i) else {
            throw HarnessError("--shard: '\(RunKeyName.short(text))' is not i/n with 0 <= i < n (e.g. --shard 0/4 ... --shard 3/4)")
        }
        return (i, n)
    }

    /// The selected runs, in the suite's order.
    public func apply(_ runs: [RunSpec]) throws -> [RunSpec] {
        var selected = runs.filter { spec in
            switch phase {
            case .all, .latency: return true
            case .teachers: return spec.isTeacher
            case .students: return !spec.isTeacher
            }
        }
        if let keys {
            let known = Set(runs.map(\.key))
            if let unknown = keys.first(where: { !known.contains($0) }) {
                throw HarnessError("--only: '\(RunKeyName.short(unknown))' is not a run of this suite; `bench status DIR` lists the run keys")
            }
            let wanted = Set(keys)
            selected = selected.filter { wanted.contains($0.key) }
        }
        if let shard {
            let mine = Set(selected.map(\.key).sorted().enumerated().filter { $0.offset % shard.count == shard.index }.map(\.element))
            selected = selected.filter { mine.contains($0.key) }
        }
        return selected
    }

    /// How an invocation names its slice in logs and the manifest ("students, shard 2/8").
    public var label: String {
        var parts = phase == .all ? [] : [phase.rawValue]
        if let shard { parts.append("shard \(shard.index)/\(shard.count)") }
        if let keys { parts.append(keys.count == 1 ? keys[0] : "\(keys.count) named runs") }
        return parts.isEmpty ? "all runs" : parts.joined(separator: ", ")
    }
}
