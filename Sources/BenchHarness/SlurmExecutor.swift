import DistillKit
import Foundation

/// `bench all --executor slurm`: the suite's unfinished runs as Slurm job arrays, one run per
/// array task: a teachers array (teacher rows and the artefacts the methods read), a students
/// array that starts after it (`afterok`; cancelled if a teacher task fails), and a finalize job
/// after both (`afterany`, so it reports what is missing).  Scripts, run-key lists, the
/// submission record and the task logs live in `DIR/slurm/<submission>/`, on the shared file
/// system like the rest of the results directory.
public struct SlurmExecutor {
    public struct Options: Sendable {
        public var partition: String?
        public var time: String?
        public var mem: String?
        public var threads: Int
        public init(partition: String? = nil, time: String? = nil, mem: String? = nil, threads: Int) {
            self.partition = partition
            self.time = time
            self.mem = mem
            self.threads = threads
        }
    }

    /// One submitted job: its role, Slurm job id, and the run keys of its array tasks (index = task id).
    public struct Job: Codable, Sendable {
        public let role: String
        public let jobID: String
        public let keys: [String]
        /// Log file of task `%a` (`{task}` stands for the task id).
        public let logPattern: String
    }

    /// `slurm/<submission>/submission.json`.
    public struct Submission: Codable, Sendable {
        public let name: String
        public let submittedAt: String
        public let commandLine: String
        public let jobs: [Job]
    }

    public let suitePath: String
    public let store: ResultsStore
    public let executable: String
    /// Flags every task passes on to `bench all` (e.g. `--no-timing`).
    public let passThrough: [String]
    public let options: Options

    public init(suitePath: String, store: ResultsStore, executable: String, passThrough: [String], options: Options) {
        self.suitePath = suitePath
        self.store = store
        self.executable = executable
        self.passThrough = passThrough
        self.options = options
    }

    /// A script to write and submit (or print, in a dry run).
    public struct Script: Sendable {
        public let role: String
        public let path: String
        public let text: String
        public let keys: [String]
        public let logPattern: String
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
    }

    static func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// The scripts for these teacher and student runs, in submission folder `name`.
    public func scripts(name: String, teachers: [String], students: [String]) -> [Script] {
        let folder = Self.absolute(store.path("slurm", name))
        let cache = Self.absolute(DatasetFetcher.cacheDirectory)
        func script(_ role: String, keys: [String], body: String, array: Bool) -> Script {
            let log = (folder as NSString).appendingPathComponent("logs/\(role)-\(array ? "%a" : "%j").log")
            var lines = ["#!/bin/bash",
                         "#SBATCH --job-name=distillbench-\(role)",
                         "#SBATCH --cpus-per-task=\(options.threads)",
                         "#SBATCH --output=\(log)",
                         "#SBATCH --open-mode=append",
                         "#SBATCH --chdir=\(FileManager.default.currentDirectoryPath)"]
            if array { lines.append("#SBATCH --array=0-\(keys.count - 1)") }
            if let p = options.partition { lines.append("#SBATCH --partition=\(p)") }
            if let t = options.time { lines.append("#SBATCH --time=\(t)") }
            if let m = options.mem { lines.append("#SBATCH --mem=\(m)") }
            lines += ["# Written by `bench all --executor slurm` for \(Self.absolute(store.root)).",
                      "set -euo pipefail",
                      "# Teachers and datasets are shared through this cache (a shared file system).",
                      "export DISTILLBENCH_CACHE=\(Self.quoted(cache))",
                      body]
            return Script(role: role, path: (folder as NSString).appendingPathComponent("\(role).sbatch"),
                          text: lines.joined(separator: "\n") + "\n", keys: keys,
                          logPattern: (folder as NSString).appendingPathComponent("logs/\(role)-{task}.log"))
        }
        let all = ([executable, "all", "--suite", Self.absolute(suitePath), "--out", Self.absolute(store.root),
                    "--threads", "\(options.threads)", "--no-finalize", "--no-plots"] + passThrough).map(Self.quoted).joined(separator: " ")
        func task(_ role: String) -> String {
            let keys = Self.quoted((folder as NSString).appendingPathComponent("\(role).keys"))
            return "# One run per task: line SLURM_ARRAY_TASK_ID + 1 of the keys file.\n"
                + "key=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" \(keys))\n"
                + "exec \(all) --only \"$key\""
        }
        var out: [Script] = []
        if !teachers.isEmpty { out.append(script("teachers", keys: teachers, body: task("teachers") + " --phase teachers", array: true)) }
        if !students.isEmpty { out.append(script("students", keys: students, body: task("students"), array: true)) }
        // The tasks deferred their latency probes (they may share nodes); this one job probes
        // every saved model in turn, then builds the tables whatever the probes did.
        let finalize = "status=0\n\(all) --phase latency || status=$?\n"
            + "\(Self.quoted(executable)) finalize \(Self.quoted(Self.absolute(store.root))) || status=$?\nexit $status"
        out.append(script("finalize", keys: [], body: finalize, array: false))
        return out
    }

    /// `sbatch` arguments of each script: students after teachers, finalize after everything.
    public static func dependencies(_ role: String, submitted: [String: String]) -> [String] {
        switch role {
        case "students": return submitted["teachers"].map { ["--dependency=afterok:\($0)", "--kill-on-invalid-dep=yes"] } ?? []
        case "finalize":
            let ids = ["teachers", "students"].compactMap { submitted[$0] }
            return ids.isEmpty ? [] : ["--dependency=afterany:" + ids.joined(separator: ":")]
        default: return []
        }
    }

    /// Writes the scripts and submits them; returns the submission.
    public func submit(_ scripts: [Script], name: String, commandLine: String, log: (String) -> Void) throws -> Submission {
        for s in scripts {
            try AtomicFile.write(s.text, to: s.path)
            chmod(s.path, 0o755)
            if !s.keys.isEmpty {
                try AtomicFile.write(s.keys.joined(separator: "\n") + "\n", to: (s.path as NSString).deletingPathExtension + ".keys")
            }
        }
        try AtomicFile.makeDirectory(store.path("slurm", name, "logs"))
        var submitted: [String: String] = [:]
        var jobs: [Job] = []
        for s in scripts {
            let args = ["sbatch", "--parsable"] + Self.dependencies(s.role, submitted: submitted) + [s.path]
            let (status, out, err) = Self.execute(args)
            guard status == 0, let id = out.split(separator: ";").first.map(String.init), !id.isEmpty else {
                throw HarnessError("`\(args.joined(separator: " "))` failed (status \(status)): \(err.isEmpty ? out : err); "
                                   + (jobs.isEmpty ? "nothing was submitted" : "submitted so far: \(jobs.map { "\($0.role) \($0.jobID)" }.joined(separator: ", ")); cancel them with scancel"))
            }
            submitted[s.role] = id
            jobs.append(Job(role: s.role, jobID: id, keys: s.keys, logPattern: s.logPattern))
            log("submitted \(s.role): job \(id)" + (s.keys.isEmpty ? "" : ", \(s.keys.count) task(s)") + (Self.dependencies(s.role, submitted: submitted).isEmpty ? "" : " (\(Self.dependencies(s.role, submitted: submitted)[0]))"))
        }
        let submission = Submission(name: name, submittedAt: InvocationLog.timestamp(Date()), commandLine: commandLine, jobs: jobs)
        try AtomicFile.write(try CanonicalJSON.pretty(submission), to: store.path("slurm", name, "submission.json"))
        return submission
    }

    /// Every submission of a results directory, oldest first.
    public static func submissions(_ store: ResultsStore) -> [Submission] {
        let dir = store.path("slurm")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
        return names.compactMap { name in
            FileManager.default.contents(atPath: store.path("slurm", name, "submission.json"))
                .flatMap { try? JSONDecoder().decode(Submission.self, from: $0) }
        }
    }

    /// A task's state as `scontrol` tells it.
    public struct TaskState: Sendable, Equatable {
        public let state: String
        public let exitCode: String
    }

    /// The states of a job's tasks by array task id (a plain job's under -1); nil when Slurm
    /// does not know the job (never ran, or ended longer than MinJobAge ago).
    public static func taskStates(_ jobID: String) -> [Int: TaskState]? {
        let (status, out, _) = execute(["scontrol", "-o", "show", "job", jobID])
        guard status == 0 else { return nil }
        var states: [Int: TaskState] = [:]
        for line in out.split(separator: "\n") {
            var fields: [String: String] = [:]
            for token in line.split(separator: " ") {
                let kv = token.split(separator: "=", maxSplits: 1).map(String.init)
                if kv.count == 2 { fields[kv[0]] = kv[1] }
            }
            guard let state = fields["JobState"] else { continue }
            states[fields["ArrayTaskId"].flatMap { Int($0) } ?? -1] = TaskState(state: state, exitCode: fields["ExitCode"] ?? "")
        }
        return states
    }

    /// Runs a command; status, stdout, stderr (trimmed).  Status 127 when it cannot start.
    static func execute(_ args: [String]) -> (Int32, String, String) {
        guard let r = try? Subprocess.run(args) else { return (127, "", "cannot start \(args[0])") }
        return (r.status, r.text, r.stderr)
    }
}
