import Foundation
import Testing

/// What one `bench` invocation did.
struct BenchOutcome: Sendable {
    let status: Int32
    /// Killed by a signal it did not handle (then `status` is the signal number).
    let signalled: Bool
    /// Still running at the deadline, so it was killed.
    let hung: Bool
    let stdout: String
    let stderr: String

    func text(_ stream: BenchStream) -> String { stream == .stdout ? stdout : stderr }
}

enum BenchStream: String, Sendable { case stdout, stderr }

/// A scratch folder per test: `work/` is the working directory of every `bench` it runs, and
/// the logs live beside it (outside `work/`), so the files a command leaves in its working
/// directory can be compared with the inputs written before it.
struct Workspace {
    let root: String
    let work: String
    let cache: String

    /// The teacher cache shared by the tests that do not damage it, so teachers are trained once.
    static let sharedCache = SuiteRunnerTests.temp("badinput-cache")

    init(_ name: String, cache: String = Workspace.sharedCache) throws {
        root = SuiteRunnerTests.temp("badinput-\(name)")
        work = (root as NSString).appendingPathComponent("work")
        self.cache = cache
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    func path(_ relative: String) -> String { (work as NSString).appendingPathComponent(relative) }

    func write(_ relative: String, _ bytes: [UInt8]) throws {
        let full = path(relative)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
    }

    func write(_ relative: String, _ text: String) throws { try write(relative, Array(text.utf8)) }

    func read(_ relative: String) -> Data? { FileManager.default.contents(atPath: path(relative)) }

    func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path(relative)) }

    /// A JSON file under `work/` as a dictionary (nil if missing or not a JSON object).
    func json(_ relative: String) -> [String: Any]? {
        read(relative).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    }

    /// Every regular file under `work/`, by relative path.
    func files() -> [String: Data] { Self.files(under: work) }

    static func files(under root: String) -> [String: Data] {
        var out: [String: Data] = [:]
        guard let e = FileManager.default.enumerator(atPath: root) else { return out }
        while let rel = e.nextObject() as? String {
            let full = (root as NSString).appendingPathComponent(rel)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                out[rel] = FileManager.default.contents(atPath: full) ?? Data()
            }
        }
        return out
    }

    /// Every entry (files and folders) under `work/`, by relative path.
    func entries() -> [String] {
        var out: [String] = []
        let e = FileManager.default.enumerator(atPath: work)
        while let rel = e?.nextObject() as? String { out.append(rel) }
        return out
    }

    /// Starts `bench` in `work/` as a user would run it in CI: no terminal, no stdin, its own
    /// teacher cache.  Output goes to files beside `work/` so a chatty run never blocks on a pipe.
    func start(_ arguments: [String]) throws -> (process: Process, stdout: String, stderr: String) {
        let binary = ResumeAfterKillTests.benchBinary
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the package first: \(binary)")
        let logs = (root as NSString).appendingPathComponent("logs")
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let id = UUID().uuidString
        let out = (logs as NSString).appendingPathComponent("\(id).stdout"), err = (logs as NSString).appendingPathComponent("\(id).stderr")
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: work)
        var env = ProcessInfo.processInfo.environment
        env["CI"] = "true"
        env["DISTILLBENCH_CACHE"] = cache
        p.environment = env
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        // A child inherits the spawning thread's signal mask, and test worker threads block
        // SIGINT and SIGTERM; a user's shell does not, so neither may the child's.
        var unblock = sigset_t(), previous = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        sigaddset(&unblock, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &unblock, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try p.run()
        return (p, out, err)
    }

    /// Waits for a started `bench`; past `timeout` it is killed and the outcome says it hung.
    func finish(_ started: (process: Process, stdout: String, stderr: String), timeout: TimeInterval = 120) -> BenchOutcome {
        let p = started.process
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        let hung = p.isRunning
        if hung { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        func text(_ path: String) -> String {
            String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
        }
        return BenchOutcome(status: p.terminationStatus, signalled: p.terminationReason == .uncaughtSignal,
                            hung: hung, stdout: text(started.stdout), stderr: text(started.stderr))
    }

    func run(_ arguments: [String], timeout: TimeInterval = 120) throws -> BenchOutcome {
        finish(try start(arguments), timeout: timeout)
    }

    /// Runs `bench` and checks what every bad-input case promises: the exact exit status, the
    /// message naming the culprit and the fix, short errors, no half-written files, and nothing
    /// written outside `results` (nothing at all when `writes` is false: then the working
    /// directory, results folder included, is byte for byte what it was).
    @discardableResult
    func invoke(_ arguments: [String], status: Int32, mentions: [String], in stream: BenchStream = .stderr,
                results: String? = "out", writes: Bool, extras: Set<String> = [], timeout: TimeInterval = 120,
                sourceLocation: SourceLocation = #_sourceLocation) throws -> BenchOutcome {
        let before = files()
        let resultsExisted = results.map(exists) ?? false
        let o = try run(arguments, timeout: timeout)
        let command = "bench " + arguments.joined(separator: " ")
        #expect(!o.hung, "hung: `\(command)` still running after \(Int(timeout)) s", sourceLocation: sourceLocation)
        #expect(!o.signalled, "`\(command)` died of signal \(o.status)", sourceLocation: sourceLocation)
        #expect(o.status == status, "`\(command)`: exit status \(o.status), expected \(status); stderr: \(o.stderr.prefix(800))",
                sourceLocation: sourceLocation)
        let text = o.text(stream)
        for m in mentions {
            #expect(text.contains(m), "`\(command)`: \(stream) lacks '\(m)': \(text.prefix(800))", sourceLocation: sourceLocation)
        }
        if status == 2 || status == 64 {
            // A refusal is one short error, never an echo of the input.
            #expect(o.stderr.count < 600, "`\(command)`: \(o.stderr.count)-character stderr: \(o.stderr.prefix(300))…",
                    sourceLocation: sourceLocation)
        }
        for line in o.stderr.split(separator: "\n") {
            #expect(line.count < 600, "`\(command)`: a \(line.count)-character stderr line", sourceLocation: sourceLocation)
        }
        expectAftermath(before: before, results: results, resultsExisted: resultsExisted, writes: writes, extras: extras, command: command,
                        sourceLocation: sourceLocation)
        return o
    }

    /// The checks on what a finished command left behind (see `invoke`).
    func expectAftermath(before: [String: Data], results: String?, resultsExisted: Bool, writes: Bool, extras: Set<String> = [], command: String,
                         sourceLocation: SourceLocation = #_sourceLocation) {
        let after = files()
        for rel in entries() where (rel as NSString).lastPathComponent.contains(".tmp-") {
            Issue.record("`\(command)` left a half-written file: \(rel)", sourceLocation: sourceLocation)
        }
        if let results {
            for (rel, data) in after where rel.hasPrefix(results + "/") && rel.hasSuffix(".json") {
                #expect((try? JSONSerialization.jsonObject(with: data)) != nil, "`\(command)`: \(rel) does not parse as JSON",
                        sourceLocation: sourceLocation)
            }
            // A lock the test planted itself (a run in use) is an input, not a leftover.
            for rel in entries() where rel.hasPrefix(results + "/") && (rel as NSString).lastPathComponent == ".lock" && before[rel] == nil {
                Issue.record("`\(command)` left \(rel) behind", sourceLocation: sourceLocation)
            }
        }
        if !writes {
            #expect(after.keys.sorted() == before.keys.sorted(), "`\(command)` changed the set of files: added \(Set(after.keys).subtracting(before.keys).sorted()), removed \(Set(before.keys).subtracting(after.keys).sorted())",
                    sourceLocation: sourceLocation)
            for (rel, data) in before where after[rel] != nil && after[rel] != data {
                Issue.record("`\(command)` changed \(rel)", sourceLocation: sourceLocation)
            }
            if let results, !resultsExisted {
                #expect(!exists(results), "`\(command)` created \(results) although it refused", sourceLocation: sourceLocation)
            }
            return
        }
        func outside(_ files: [String: Data]) -> [String: Data] {
            guard let results else { return files }
            return files.filter { !$0.key.hasPrefix(results + "/") }
        }
        let was = outside(before), now = outside(after)
        #expect(Set(now.keys) == Set(was.keys).union(extras),
                "`\(command)` wrote outside \(results ?? "its results"): \(Set(now.keys).symmetricDifference(Set(was.keys).union(extras)).sorted())",
                sourceLocation: sourceLocation)
        for (rel, data) in was where now[rel] != nil && now[rel] != data {
            Issue.record("`\(command)` changed its input \(rel)", sourceLocation: sourceLocation)
        }
    }
}
