import DistillKit
import Foundation

/// `runs/<key>/record.json`: everything about one run.
public struct RunRecord: Codable, Sendable {
    public enum Status: String, Codable, Sendable { case finished, failed }

    public struct Model: Codable, Sendable {
        public let family: String
        public let dimension: Int
        public let parameters: Int
        public let inferenceBytes: Int
        /// Parameters of training-only modules (e.g. DE experts), not counted at inference.
        public let trainingOnlyParameters: Int
    }

    /// What a method costs on top of training: its preparation (teacher artefacts) and its
    /// epochs; the summary sets `secondsPerEpoch` against the `student` run of the same cell.
    public struct Cost: Codable, Sendable, Equatable {
        public let prepareSeconds: Double
        /// Mean seconds of a training epoch (sampling, losses, updates; no validation).
        public let secondsPerEpoch: Double
        /// Each teacher artefact the method used and the seconds it took in this run (computed,
        /// or loaded from the cache next to the teacher; 0 when an earlier run in the process
        /// already had it).
        public let artefactSeconds: [String: Double]

        public init(prepareSeconds: Double, secondsPerEpoch: Double, artefactSeconds: [String: Double]) {
            self.prepareSeconds = prepareSeconds
            self.secondsPerEpoch = secondsPerEpoch
            self.artefactSeconds = artefactSeconds
        }
    }

    public struct TeacherReference: Codable, Sendable {
        public let runKey: String
        public let cacheKey: String
        public let dimension: Int
        /// nil in validation-only runs (searches never read test).
        public let testSelectionMetric: Double?
    }

    public let formatVersion: Int
    public let key: String
    /// SHA-256 of `identity`: resume reuses a finished record exactly when it is unchanged.
    public let configHash: String
    public let identity: RunIdentity?
    public let spec: RunSpec
    public let status: Status
    public let failure: String?
    /// Things about the data or the run a reader of the results should know (e.g. users that
    /// could give no negative sample).
    public let warnings: [String]
    /// Where this run deviates from the paper or the authors' code (from the method).
    public let deviations: [String]
    public let datasetHash: String
    public let splitHash: String
    public let selectionMetric: String
    public let selectedEpoch: Int
    public let epochsRun: Int
    public let trainingStatus: String
    public let trainSeconds: Double
    public let validation: [String: Double]
    public let test: [String: Double]
    public let learningCurve: [LearningCurvePoint]
    /// Per-query latency of the trained model (nil with timing off, or while awaiting its probe).
    public var latency: LatencyReport?
    public let model: Model?
    public let teacher: TeacherReference?
    /// Timing of the method's own work (nil for the teacher row and when timing is off).
    public var cost: Cost? = nil
    public let codeRevision: String
    /// The machine and build that wrote this record (each worker of a parallel or cluster run
    /// writes its own; the manifest gathers them).  Absent in records of older versions.
    public var environment: EnvironmentFingerprint? = nil
    /// True while the run's latency probe is deferred (`--defer-latency`, which `--jobs` and
    /// Slurm workers use): its model waits in `ResultsStore.modelAwaitingLatencyPath` for
    /// `bench all --phase latency`, which probes it alone and clears this.  Absent otherwise.
    public var latencyPending: Bool? = nil

    public static let currentFormat = 2
}

/// `manifest.json`: the environment and inputs of a results directory, built by `bench finalize`
/// (the last step of `bench all`) from the records, `suite.json` and `invocations/`, so any
/// number of processes can write runs without sharing it.  One suite per directory.
public struct Manifest: Codable, Sendable {
    public static let currentFormat = 2

    /// One `bench` command that wrote into the directory.
    public struct Invocation: Codable, Sendable {
        public var commandLine: String
        /// SHA-256 of the resolved suite it ran (equal hashes: the same settings).
        public var suiteHash: String
        public var threads: Int
        public var codeRevision: String
        public var startedAt: String
        public var finishedAt: String?
        /// "finished", "interrupted" (its process is gone without finishing) or "running".
        public var outcome: String
        /// pid@host of the process.
        public var writer: String? = nil
        /// Which runs it took ("all runs", "students, shard 2/8", a run key).
        public var selection: String? = nil
    }

    public var formatVersion = Manifest.currentFormat
    public var suiteName: String
    public var suite: Suite
    public var evaluationProtocol: EvaluationProtocol
    public var environment: EnvironmentFingerprint
    public var threads: Int
    public var datasetHashes: [String: String]
    public var splitHashes: [String: String]
    public var startedAt: String
    public var finishedAt: String?
    public var invocations: [Invocation]
    /// Environments of records written on another machine or build than `environment` (the
    /// most common one among the records); empty when every record agrees.
    public var otherEnvironments: [EnvironmentFingerprint]? = nil
    /// The suite's runs against the records: counts, and the keys of runs failed or missing.
    public var runs: RunCounts? = nil

    public struct RunCounts: Codable, Sendable {
        public var expected: Int
        public var finished: Int
        public var failed: [String]
        public var missing: [String]
    }
}

/// The machine and build that produced results (also the golden-table fingerprint).
public struct EnvironmentFingerprint: Codable, Sendable, Hashable {
    public var gitRevision: String
    public var gitDirty: Bool
    public var swiftVersion: String
    public var buildConfiguration: String
    public var os: String
    public var cpuModel: String
    public var cores: Int
    public var blasCore: String

    /// What must match for bit-identical results: CPU, BLAS kernel, build, compiler.
    public var platformKey: String { "\(cpuModel) | \(blasCore) | \(buildConfiguration) | \(swiftVersion)" }

    public static func current() -> EnvironmentFingerprint {
        #if DEBUG
        let build = "debug"
        #else
        let build = "release"
        #endif
        let rev = Shell.output(["git", "rev-parse", "HEAD"]) ?? "unknown"
        let dirty = !(Shell.output(["git", "status", "--porcelain", "--untracked-files=no"]) ?? "").isEmpty
        let swift = Shell.output(["swift", "--version"])?.split(separator: "\n").first.map(String.init) ?? "unknown"
        let os = (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("PRETTY_NAME=") }
            .map { $0.dropFirst(12).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) } ?? "unknown"
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last!.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        return EnvironmentFingerprint(gitRevision: rev, gitDirty: dirty, swiftVersion: swift, buildConfiguration: build,
                                      os: os, cpuModel: cpu, cores: ProcessInfo.processInfo.activeProcessorCount,
                                      blasCore: BLAS.coreName)
    }
}

/// Runs a helper program and returns its trimmed standard output, or nil.
enum Shell {
    static func output(_ args: [String]) -> String? {
        guard let r = try? Subprocess.run(args), r.status == 0 else { return nil }
        return r.text
    }
}
