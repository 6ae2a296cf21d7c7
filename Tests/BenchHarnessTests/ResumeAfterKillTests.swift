import Foundation
import Testing
@testable import BenchHarness
@testable import DistillKit

/// Kills `bench all` with SIGKILL at random moments (at least 5 times), resumes it each time,
/// and checks that the finished directory is byte-identical to an uninterrupted run: records,
/// per-user files, top-K lists, splits, summary and tables (timing is off so bytes can match).
@Suite(.serialized) struct ResumeAfterKillTests {
    static let suiteText = """
        name: resume
        datasets: [synthetic-tiny]
        teacher_dim: 16
        phi: [0.25, 0.5]
        seeds: [0, 1]
        training: {lr: 0.01, weight_decay: 0.01, max_epochs: 30, eval_every: 5, patience: 2}
        threads: 2
        """

    /// The `bench` executable built next to this test binary.
    static var benchBinary: String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("bench").path
    }

    static func start(_ dir: String, cache: String, suite: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: benchBinary)
        p.arguments = ["all", "--suite", suite, "--out", dir, "--no-timing", "--no-plots", "--quiet"]
        var env = ProcessInfo.processInfo.environment
        env["DISTILLBENCH_CACHE"] = cache
        env["CI"] = "true"
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Every file except the manifest (which records times and command lines), by relative path.
    static func files(_ root: String) throws -> [String: Data] { filesForComparison(root) }

    static func filesForComparison(_ root: String) -> [String: Data] {
        var out: [String: Data] = [:]
        let e = FileManager.default.enumerator(atPath: root)!
        while let rel = e.nextObject() as? String {
            var isDir: ObjCBool = false
            let full = (root as NSString).appendingPathComponent(rel)
            // The manifest and invocation files record when and by whom, so they differ by design.
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue, rel != "manifest.json",
               !rel.hasPrefix("invocations/") {
                out[rel] = FileManager.default.contents(atPath: full)
            }
        }
        return out
    }

    @Test func resumingAfterKillsGivesByteIdenticalResults() throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.benchBinary), "build the package first: \(Self.benchBinary)")
        let suite = SuiteRunnerTests.temp("resume.yaml")
        try Self.suiteText.write(toFile: suite, atomically: true, encoding: .utf8)

        let reference = SuiteRunnerTests.temp("resume-reference")
        let t0 = Date()
        let ref = try Self.start(reference, cache: SuiteRunnerTests.temp("resume-reference-cache"), suite: suite)
        ref.waitUntilExit()
        let duration = Date().timeIntervalSince(t0)
        #expect(ref.terminationStatus == 0)

        let dir = SuiteRunnerTests.temp("resume-killed"), cache = SuiteRunnerTests.temp("resume-killed-cache")
        var rng = RandomStream(seed: 2024, purpose: "kill-points")
        var kills = 0, attempts = 0
        while kills < 5 && attempts < 40 {
            attempts += 1
            let p = try Self.start(dir, cache: cache, suite: suite)
            // A random moment within the uninterrupted run's duration.
            usleep(useconds_t(max(0.02, rng.nextDouble() * duration) * 1e6))
            if p.isRunning {
                kill(p.processIdentifier, SIGKILL)
                p.waitUntilExit()
                if p.terminationReason == .uncaughtSignal { kills += 1 }
            } else {
                p.waitUntilExit()
                // It finished before the kill: start over so every kill lands in real work.
                try? FileManager.default.removeItem(atPath: dir)
            }
        }
        #expect(kills >= 5, "only \(kills) kills landed in \(attempts) attempts")
        let last = try Self.start(dir, cache: cache, suite: suite)
        last.waitUntilExit()
        #expect(last.terminationStatus == 0)

        let expected = try Self.files(reference), got = try Self.files(dir)
        #expect(expected.keys.sorted() == got.keys.sorted(), "a run lock or temporary file of a killed process outlived the resume")
        for (path, data) in expected { #expect(got[path] == data, "\(path) differs after resuming") }
        #expect(expected.keys.contains("summary.csv") && expected.keys.filter { $0.hasSuffix("record.json") }.count == 6)
    }
}
