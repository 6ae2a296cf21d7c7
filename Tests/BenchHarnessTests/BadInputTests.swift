import DistillKit
import Foundation
import Testing

/// The bad-input matrix: each case runs the real `bench` executable on a small bad (or awkward)
/// input in a fresh working directory and checks the exit status, that the message names the
/// culprit and the fix, that errors stay short, that nothing is left half-written, and that
/// nothing is written outside the results folder (nothing at all for refusals).
///
/// Runs are kept tiny (synthetic-tiny or a 320-row CSV, teacher d=8, 5 epochs, no plots) so the
/// suite stays well under two minutes in a debug build.
@Suite struct BadInputTests {
    // MARK: Inputs

    /// A suite file with the tiny settings of this matrix; each case changes what it is about.
    static func suite(name: String = "bad", protocol p: String? = nil, datasets: String = "[synthetic-tiny]", teacherDim: Int = 8,
                      phi: String = "[0.5]", methods: String? = nil,
                      training: String = "max_epochs: 5, eval_every: 5, patience: 1") -> String {
        var lines = ["name: \(name)"]
        if let p { lines.append("protocol: \(p)") }
        lines += ["datasets: \(datasets)", "teacher_dim: \(teacherDim)", "phi: \(phi)", "seeds: [0]"]
        if let methods { lines.append("methods: \(methods)") }
        // One thread: the matrix runs cases side by side on two cores.
        lines += ["training: {\(training)}", "latency: {warmup: 1, min_queries: 5, min_seconds: 0, passes: 1}", "threads: 1"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// 40 users x 30 items, each user 8 distinct items (steps of 3 modulo 30 never repeat within
    /// 8), so every user can be split and the file trains fine.
    static func generatedCSV(users: Int = 40) -> String {
        var lines = ["user_id,item_id"]
        for u in 0..<users {
            for k in 0..<8 { lines.append("\(u + 1),\((u * 7 + k * 3) % 30 + 1)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func teacherKey(_ dataset: String) -> String { "\(dataset)__bpr-mf__teacher__d8__seed0" }
    static func studentKey(_ dataset: String, _ variant: String = "student") -> String { "\(dataset)__bpr-mf__\(variant)__d4__seed0" }

    static let all = ["all", "--suite", "s.yaml", "--out", "out", "--no-plots"]

    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// A CSV whose line 4001 holds the byte 0xFF, with a few good lines after it.
    static func badUTF8CSV() -> [UInt8] {
        var b = bytes("user_id,item_id\n")
        for k in 1..<4000 { b += bytes("\(k % 50),\(k % 37)\n") }
        b += bytes("7,") + [0xFF] + bytes("\n")
        for k in 0..<5 { b += bytes("\(k),\(k)\n") }
        return b
    }

    // MARK: One-shot cases

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var files: [String: [UInt8]] = [:]
        var folders: [String] = []
        var arguments: [String]
        var status: Int32
        var stream: BenchStream = .stderr
        var mentions: [String]
        /// Whether the command may write its results folder.
        var writes = false
        /// Runs that must be recorded as failed, each with substrings of its reason.
        var failed: [String: [String]] = [:]
        /// Runs that must be recorded as finished.
        var finished: [String] = []
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        // 1. Line endings: CRLF and lone CR give the same interactions as LF.
        Case(name: "1 CRLF u.data", files: ["u.data": bytes("1\t1\t5\t0\r\n2\t1\t5\t0\r\n3\t2\t4\t0\r\n")],
             arguments: ["datasets", "describe", "file:u.data"], status: 0, stream: .stdout, mentions: ["interactions 3,"]),
        Case(name: "1 lone-CR u.data", files: ["u.data": bytes("1\t1\t5\t0\r2\t1\t5\t0\r3\t2\t4\t0\r")],
             arguments: ["datasets", "describe", "file:u.data"], status: 0, stream: .stdout, mentions: ["users 3, items 2, interactions 3,"]),
        Case(name: "1 CRLF csv", files: ["d.csv": bytes("user_id,item_id\r\n1,1\r\n1,2\r\n2,1\r\n3,3\r\n")],
             arguments: ["datasets", "describe", "file:d.csv"], status: 0, stream: .stdout, mentions: ["users 3, items 3, interactions 4,"]),
        Case(name: "1 lone-CR csv", files: ["d.csv": bytes("user_id,item_id\r1,1\r1,2\r2,1\r3,3\r")],
             arguments: ["datasets", "describe", "file:d.csv"], status: 0, stream: .stdout, mentions: ["users 3, items 3, interactions 4,"]),
        Case(name: "1 CRLF csv without the named column",
             files: ["crlf.csv": bytes("user_id,item_id\r\n1,1\r\n1,2\r\n2,1\r\n"),
                     "s.yaml": bytes(suite(datasets: "[{name: crlf, path: crlf.csv, user_column: uid}]"))],
             arguments: all, status: 1, mentions: ["FAILED: crlf.csv:1:"], writes: true,
             failed: [teacherKey("crlf"): ["crlf.csv:1:", "no column 'uid'", "user_column"],
                      studentKey("crlf"): ["crlf.csv:1:", "no column 'uid'", "user_column"]]),
        Case(name: "1 20000-character header without the named column",
             files: ["wide.csv": bytes("item_id," + String(repeating: "x", count: 20_000 - 8) + "\r\n"),
                     "s.yaml": bytes(suite(datasets: "[{name: wide, path: wide.csv, user_column: uid}]"))],
             arguments: all, status: 1, mentions: ["FAILED: wide.csv:1:"], writes: true,
             failed: [teacherKey("wide"): ["wide.csv:1:", "no column 'uid'", "user_column"],
                      studentKey("wide"): ["wide.csv:1:", "no column 'uid'", "user_column"]]),
        // 2. Users who cover the catalogue leave nothing to evaluate: the run fails, it never hangs.
        Case(name: "2 catalogue-covering users",
             files: ["cat.csv": bytes("user_id,item_id,rating\n1,1,5\n1,2,5\n2,1,5\n3,1,4\n3,2,4\n"),
                     "s.yaml": bytes(suite(datasets: "[{name: cat, path: cat.csv}]"))],
             arguments: all, status: 1, mentions: ["nothing can be evaluated"], writes: true,
             failed: [teacherKey("cat"): ["nothing can be evaluated", "3 or more interactions"],
                      studentKey("cat"): ["nothing can be evaluated", "3 or more interactions"]]),
        // 5. Dataset names become paths, so they are refused before anything is written.
        Case(name: "5 dataset name ../../../escaped",
             files: ["data.csv": bytes(generatedCSV()), "s.yaml": bytes(suite(datasets: "[{name: ../../../escaped, path: data.csv}]"))],
             arguments: all, status: 2, mentions: ["s.yaml: datasets[0].name:", "'/' is not allowed", "A-Z a-z 0-9 . _ -"]),
        Case(name: "5 dataset name a/b",
             files: ["data.csv": bytes(generatedCSV()), "s.yaml": bytes(suite(datasets: "[{name: a/b, path: data.csv}]"))],
             arguments: all, status: 2, mentions: ["s.yaml: datasets[0].name:", "'/' is not allowed", "A-Z a-z 0-9 . _ -"]),
        // 6. Option validation (ArgumentParser's exit status 64), before anything is written.
        Case(name: "6 run --dim 0", arguments: ["run", "--dataset", "synthetic-tiny", "--method", "student", "--dim", "0", "--out", "out"],
             status: 64, mentions: ["--dim must be >= 1, got 0"]),
        Case(name: "6 run --teacher-dim 0",
             arguments: ["run", "--dataset", "synthetic-tiny", "--method", "student", "--dim", "4", "--teacher-dim", "0", "--out", "out"],
             status: 64, mentions: ["--teacher-dim must be >= 1, got 0"]),
        Case(name: "6 run --threads 0",
             arguments: ["run", "--dataset", "synthetic-tiny", "--method", "student", "--dim", "4", "--threads", "0", "--out", "out"],
             status: 64, mentions: ["--threads must be >= 1, got 0"]),
        Case(name: "6 run --threads=-3",
             arguments: ["run", "--dataset", "synthetic-tiny", "--method", "student", "--dim", "4", "--threads=-3", "--out", "out"],
             status: 64, mentions: ["--threads must be >= 1, got -3"]),
        Case(name: "6 all --threads 0", files: ["s.yaml": bytes(suite())], arguments: all + ["--threads", "0"],
             status: 64, mentions: ["--threads must be >= 1, got 0"]),
        // 7. Too little data fails the run; it never finishes with zero metrics.
        Case(name: "7 two-row file",
             files: ["two.csv": bytes("user_id,item_id\n1,1\n2,2\n"), "s.yaml": bytes(suite(datasets: "[{name: two, path: two.csv}]"))],
             arguments: all, status: 1, mentions: ["FAILED"], writes: true,
             failed: [teacherKey("two"): ["nothing can be evaluated"], studentKey("two"): ["nothing can be evaluated"]]),
        // 8. Two entries that would share a run key are refused, naming both; named variants are fine.
        Case(name: "8 phi giving one dimension twice", files: ["s.yaml": bytes(suite(teacherDim: 16, phi: "[0.25, 0.26]"))],
             arguments: all, status: 2, mentions: ["s.yaml:", "phi[1]", "phi[0]", "give the sizes distinct dimensions"]),
        Case(name: "8 one method twice", files: ["s.yaml": bytes(suite(methods: "[student, student]"))],
             arguments: all, status: 2, mentions: ["s.yaml:", "methods[1]", "methods[0]", "its own `name:`"]),
        Case(name: "8 one method twice, named", files: ["s.yaml": bytes(suite(methods: "[student, {student: {}, name: student-b}]"))],
             arguments: all, status: 0, stream: .stdout, mentions: ["out: 3 runs done"], writes: true,
             finished: [teacherKey("synthetic-tiny"), studentKey("synthetic-tiny"), studentKey("synthetic-tiny", "student-b")]),
        // 9. Training numbers must be finite, and finite as the Float they are stored in.
        Case(name: "9 lr 1e39", files: ["s.yaml": bytes(suite(training: "lr: 1e39"))],
             arguments: all, status: 2, mentions: ["s.yaml: training.lr:", "out of range"]),
        Case(name: "9 lr .nan", files: ["s.yaml": bytes(suite(training: "lr: .nan"))],
             arguments: all, status: 2, mentions: ["s.yaml: training.lr:", "finite"]),
        Case(name: "9 lr .inf", files: ["s.yaml": bytes(suite(training: "lr: .inf"))],
             arguments: all, status: 2, mentions: ["s.yaml: training.lr:", "finite"]),
        // Weaker spots.
        Case(name: "NaN rating", files: ["nan.csv": bytes("user_id,item_id,rating\n1,1,nan\n")],
             arguments: ["datasets", "describe", "file:nan.csv"], status: 2, mentions: ["nan.csv:2:", "finite", "drop the row"]),
        Case(name: "0xFF on line 4001", files: ["big.csv": badUTF8CSV()],
             arguments: ["datasets", "describe", "file:big.csv"], status: 2, mentions: ["big.csv:4001:", "UTF-8", "re-save the file as UTF-8"]),
        Case(name: "directory as data file", folders: ["data.csv"],
             arguments: ["datasets", "describe", "file:data.csv"], status: 2,
             mentions: ["data.csv is a directory", "give the path of the interaction file"]),
        // RFC 4180: commas, doubled quotes and a line break inside quoted ids.
        Case(name: "RFC 4180 quoted csv",
             files: ["q.csv": bytes("user_id,item_id\n\"smith, j\",\"a \"\"b\"\" c\"\n\"smith, j\",plain\no'brien,\"a \"\"b\"\" c\"\n\"multi\nline\",plain\n")],
             arguments: ["datasets", "describe", "file:q.csv"], status: 0, stream: .stdout, mentions: ["users 3, items 2, interactions 4,"]),
        Case(name: "relative data path beside the suite",
             files: ["sub/data.csv": bytes(generatedCSV()), "sub/s.yaml": bytes(suite(datasets: "[{name: rel, path: data.csv}]"))],
             arguments: ["all", "--suite", "sub/s.yaml", "--out", "out", "--no-plots"], status: 0, stream: .stdout,
             mentions: ["out: 2 runs done"], writes: true, finished: [teacherKey("rel"), studentKey("rel")]),
        Case(name: "--out is a regular file", files: ["s.yaml": bytes(suite()), "out.txt": bytes("not a folder\n")],
             arguments: ["all", "--suite", "s.yaml", "--out", "out.txt", "--no-plots"], status: 2,
             mentions: ["out.txt exists and is not a folder", "choose another path"]),
        Case(name: "runaway loss (lr 1e30)", files: ["s.yaml": bytes(suite(training: "lr: 1e30, max_epochs: 5, eval_every: 5, patience: 1"))],
             arguments: all, status: 1, mentions: ["diverged"], writes: true,
             failed: [teacherKey("synthetic-tiny"): ["diverged", "lower the learning rate"],
                      studentKey("synthetic-tiny"): ["diverged", "lower the learning rate"]]),
        // Already good: keep it so.
        Case(name: "invalid YAML", files: ["s.yaml": bytes("datasets: [synthetic-tiny\ntraining: {lr: 0.1}\n")],
             arguments: all, status: 2, mentions: ["s.yaml: (yaml): not valid YAML", "2:"]),
        Case(name: "unknown top-level field", files: ["s.yaml": bytes(suite() + "colour: red\n")],
             arguments: all, status: 2, mentions: ["s.yaml: colour: unknown field", "known fields here: name, datasets"]),
        Case(name: "unknown method", files: ["s.yaml": bytes(suite(methods: "[wizard]"))],
             arguments: all, status: 2, mentions: ["s.yaml: methods[0]:", "'wizard'", "bench list methods"]),
        // A run's lock names this test's own process, which is certainly alive: the run is left to
        // it, the others run, and the report names the missing run and who holds it.
        Case(name: "run locked by a live process",
             files: ["s.yaml": bytes(suite()), "out/runs/synthetic-tiny__bpr-mf__teacher__d8__seed0/.lock": bytes("\(getpid())@\(WriterIdentity.current.host)\n")],
             arguments: all, status: 0, mentions: ["teacher__d8__seed0: being run by pid \(getpid()) on \(WriterIdentity.current.host)",
                                                    "delete out/runs/synthetic-tiny__bpr-mf__teacher__d8__seed0/.lock if that process is gone"],
             writes: true, finished: ["synthetic-tiny__bpr-mf__student__d4__seed0"]),
    ]

    @Test(arguments: cases)
    func oneShot(_ c: Case) throws {
        let ws = try Workspace("case-\(c.name.filter { $0.isLetter || $0.isNumber })")
        for (rel, bytes) in c.files { try ws.write(rel, bytes) }
        for f in c.folders { try FileManager.default.createDirectory(atPath: ws.path(f), withIntermediateDirectories: true) }
        let results = c.arguments.firstIndex(of: "--out").map { c.arguments[$0 + 1] }
        let o = try ws.invoke(c.arguments, status: c.status, mentions: c.mentions, in: c.stream, results: results, writes: c.writes)
        Self.note(c.name, o, c.stream, c.mentions.first)
        for (key, reasons) in c.failed { Self.expectFailedRun(ws, key, reasons, stderr: o.stderr) }
        for key in c.finished {
            #expect(ws.json("out/runs/\(key)/record.json")?["status"] as? String == "finished", "\(key) is not recorded finished")
        }
        if c.writes {
            // Run folders with a record (a folder may hold only the lock a case planted).
            let runs = ((try? FileManager.default.contentsOfDirectory(atPath: ws.path("out/runs"))) ?? []).filter { ws.exists("out/runs/\($0)/record.json") }
            #expect(Set(runs) == Set(c.failed.keys).union(c.finished), "run folders: \(runs.sorted())")
        }
        // Nothing escaped the working directory: beside it there are only the logs, and nothing
        // named after an escaping dataset landed in the temporary folder either.
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: ws.root)) == ["work", "logs"])
        let temp = try FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path)
        #expect(temp.filter { $0.hasPrefix("escaped") }.isEmpty)
    }

    // MARK: Multi-step cases

    /// 3. Editing the data file reruns every run on it and says why; an identical third
    /// invocation then reruns nothing.
    @Test func editedDataReruns() throws {
        let ws = try Workspace("edited")
        let csv = Self.generatedCSV()
        try ws.write("data.csv", csv)
        try ws.write("s.yaml", Self.suite(datasets: "[{name: gen, path: data.csv}]"))
        try ws.invoke(Self.all, status: 0, mentions: ["out: 2 runs done"], in: .stdout, writes: true)
        let keys = [Self.teacherKey("gen"), Self.studentKey("gen")]
        let hashes = keys.map { ws.json("out/runs/\($0)/record.json")?["datasetHash"] as? String }

        try ws.write("data.csv", csv.split(separator: "\n").dropLast(40).joined(separator: "\n") + "\n")
        let second = try ws.invoke(Self.all, status: 0, mentions: keys.map { "rerunning \($0): changed since its record: data_source: " },
                                   writes: true)
        Self.note("3 edited data (second run)", second, .stderr, "rerunning")
        for (key, old) in zip(keys, hashes) {
            let new = ws.json("out/runs/\(key)/record.json")?["datasetHash"] as? String
            #expect(old != nil && new != nil && new != old, "\(key): datasetHash \(old ?? "nil") -> \(new ?? "nil")")
        }
        let third = try ws.invoke(Self.all, status: 0, mentions: ["out: 0 runs done, 2 skipped"], in: .stdout, writes: true)
        Self.note("3 edited data (third run)", third, .stdout, "runs done")
    }

    enum CacheDamage: String, Sendable, CaseIterable { case signBits = "sign-bits", headerByte = "header-byte" }

    /// 4. A damaged cached teacher is discarded (its checksum fails) and retrained to the same
    /// numbers, never loaded and never a crash.
    @Test(arguments: CacheDamage.allCases)
    func damagedTeacherCacheIsRetrained(_ damage: CacheDamage) throws {
        // Its own cache: the damage must not reach the cases sharing one.
        let ws = try Workspace("cache-\(damage.rawValue)", cache: SuiteRunnerTests.temp("badinput-cache-\(damage.rawValue)"))
        try ws.write("s.yaml", Self.suite())
        try ws.invoke(["all", "--suite", "s.yaml", "--out", "first", "--no-plots"], status: 0, mentions: ["training teacher"],
                      results: "first", writes: true)
        let teacher = Self.teacherKey("synthetic-tiny")
        let first = try #require(ws.json("first/runs/\(teacher)/record.json"))
        let cacheKey = try #require((first["teacher"] as? [String: Any])?["cacheKey"] as? String)
        let model = "\(ws.cache)/teachers/\(cacheKey)/model.bin"
        var bytes = [UInt8](try #require(FileManager.default.contents(atPath: model)))
        switch damage {
        case .signBits:
            // Parameters are little-endian floats after the 48-byte header: bit 7 of a float's
            // last byte is its sign.  Forty of them, spread over both tables.
            let floats = (bytes.count - 48) / 4
            for k in 0..<40 { bytes[48 + 4 * (k * floats / 40) + 3] ^= 0x80 }
        case .headerByte:
            bytes[16] = 0xFF  // inside the shape fields: a checkpoint claiming other sizes
        }
        try Data(bytes).write(to: URL(fileURLWithPath: model))

        let o = try ws.invoke(["all", "--suite", "s.yaml", "--out", "second", "--no-plots"], status: 0,
                              mentions: ["teacher cache entry discarded", "SHA-256", "training teacher"], results: "second", writes: true)
        Self.note("4 teacher cache, \(damage.rawValue)", o, .stderr, "discarded")
        let firstTest = first["test"] as? [String: Double] ?? [:]
        let secondTest = ws.json("second/runs/\(teacher)/record.json")?["test"] as? [String: Double] ?? [:]
        #expect(!firstTest.isEmpty && secondTest == firstTest, "retrained teacher: \(secondTest) vs \(firstTest)")
        #expect(ws.json("second/runs/\(Self.studentKey("synthetic-tiny"))/record.json")?["status"] as? String == "finished")
    }

    /// 10. The manifest describes the latest suite and every invocation; another suite is
    /// refused without touching the directory.
    @Test func manifestTellsTheTruth() throws {
        let ws = try Workspace("manifest")
        try ws.write("s.yaml", Self.suite(name: "m1"))
        try ws.invoke(Self.all, status: 0, mentions: ["out: 2 runs done"], in: .stdout, writes: true)
        try ws.write("s.yaml", Self.suite(name: "m1", training: "max_epochs: 6, eval_every: 5, patience: 1"))
        try ws.invoke(Self.all, status: 0, mentions: ["out: 2 runs done"], in: .stdout, writes: true)

        let manifest = try #require(ws.json("out/manifest.json"))
        let training = ((manifest["suite"] as? [String: Any])?["training"] as? [String: Any])
        #expect(training?["max_epochs"] as? Int == 6)
        let invocations = manifest["invocations"] as? [[String: Any]] ?? []
        #expect(invocations.map { $0["outcome"] as? String ?? "?" } == ["finished", "finished"])
        for key in [Self.teacherKey("synthetic-tiny"), Self.studentKey("synthetic-tiny")] {
            let spec = ws.json("out/runs/\(key)/record.json")?["spec"] as? [String: Any]
            #expect((spec?["training"] as? [String: Any])?["max_epochs"] as? Int == 6, "\(key): spec.training.max_epochs")
        }

        try ws.write("m2.yaml", Self.suite(name: "m2"))
        let o = try ws.invoke(["all", "--suite", "m2.yaml", "--out", "out", "--no-plots"], status: 2,
                              mentions: ["out holds results of suite 'm1'", "use another --out directory"], writes: false)
        Self.note("10 another suite into out", o, .stderr, "holds")
    }

    @Test func compareWithNothingInCommonRefuses() throws {
        let ws = try Workspace("compare")
        try ws.write("data.csv", Self.generatedCSV())
        try ws.write("a.yaml", Self.suite(name: "a"))
        try ws.write("b.yaml", Self.suite(name: "b", datasets: "[{name: gen, path: data.csv}]"))
        for side in ["a", "b"] {
            try ws.invoke(["all", "--suite", "\(side).yaml", "--out", "results-\(side)", "--no-plots"], status: 0,
                          mentions: ["results-\(side): 2 runs done"], in: .stdout, results: "results-\(side)", writes: true)
        }
        let o = try ws.invoke(["compare", "results-a", "results-b", "--csv", "compare.csv"], status: 2,
                              mentions: ["nothing to compare", "A results-a holds", "B results-b holds"], results: nil, writes: false)
        Self.note("compare, nothing in common", o, .stderr, "nothing")
        #expect(ws.entries().filter { $0.hasSuffix("compare.csv") }.isEmpty)
    }

    /// SIGINT and SIGTERM during `bench all`: status 128 + signal, the lock released, a hint to
    /// rerun; the rerun resumes, sweeps temporary files and finishes.
    @Test(arguments: [SIGINT, SIGTERM])
    func interruptReleasesTheLockAndResumes(_ signal: Int32) throws {
        // Its own cache, so the teacher is trained here and the run is busy for seconds.
        let ws = try Workspace("signal-\(signal)", cache: SuiteRunnerTests.temp("badinput-cache-signal-\(signal)"))
        // Training that never ends on its own, so the signal always lands in a busy run (no race
        // with a fast machine); the resume below uses a short budget of the same suite.
        try ws.write("s.yaml", Self.suite(training: "max_epochs: 100000000, eval_every: 5, patience: 100000000"))
        let before = ws.files()
        let started = try ws.start(Self.all)
        // Signal once it is in the run loop (lock taken, manifest written) and training.
        let deadline = Date().addingTimeInterval(60)
        while !(ws.exists("out/runs/synthetic-tiny__bpr-mf__teacher__d8__seed0/.lock") && ws.exists("out/invocations")) && started.process.isRunning && Date() < deadline {
            usleep(10_000)
        }
        usleep(300_000)
        let busy = started.process.isRunning
        #expect(busy, "bench ended before the signal")
        if busy { kill(started.process.processIdentifier, signal) }
        let o = ws.finish(started)
        Self.note("signal \(signal) during bench all", o, .stderr, "interrupted")
        #expect(!o.hung && !o.signalled && o.status == 128 + signal, "status \(o.status), signalled \(o.signalled), hung \(o.hung)")
        #expect(o.stderr.contains("interrupted") && o.stderr.contains("rerun"), "stderr: \(o.stderr.suffix(400))")
        #expect(o.stderr.count < 600)
        #expect(!ws.exists("out/runs/synthetic-tiny__bpr-mf__teacher__d8__seed0/.lock"), "the run lock outlived the signal")
        // What is there is whole (temporary files may wait for the next run to sweep them), and
        // nothing appeared outside out.
        for (rel, data) in ws.files() where rel.hasSuffix(".json") {
            #expect((try? JSONSerialization.jsonObject(with: data)) != nil, "\(rel) does not parse")
        }
        #expect(Set(ws.files().keys.filter { !$0.hasPrefix("out/") }) == Set(before.keys))

        try ws.write("s.yaml", Self.suite())
        try ws.invoke(Self.all, status: 0, mentions: ["0 failed"], in: .stdout, writes: true)
        let invocations = ws.json("out/manifest.json")?["invocations"] as? [[String: Any]] ?? []
        #expect(invocations.map { $0["outcome"] as? String ?? "?" } == ["interrupted", "finished"])
    }

    /// A split folder missing its digest, with a damaged train.tsv, is written again by the
    /// next invocation that uses the split.
    func damageSplitAndRerun(deleteStudentRecord: Bool) throws {
        let ws = try Workspace("split-\(deleteStudentRecord)")
        try ws.write("s.yaml", Self.suite())
        try ws.invoke(Self.all, status: 0, mentions: ["out: 2 runs done"], in: .stdout, writes: true)
        let folder = "out/splits/synthetic-tiny-holdout-seed0"
        let train = try #require(ws.read("\(folder)/train.tsv")), digest = try #require(ws.read("\(folder)/split.sha256"))
        try FileManager.default.removeItem(atPath: ws.path("\(folder)/split.sha256"))
        try ws.write("\(folder)/train.tsv", Array(train.prefix(train.count / 3)))
        if deleteStudentRecord {
            try FileManager.default.removeItem(atPath: ws.path("out/runs/\(Self.studentKey("synthetic-tiny"))/record.json"))
        }
        try ws.invoke(Self.all, status: 0, mentions: ["0 failed"], in: .stdout, writes: true)
        #expect(ws.read("\(folder)/train.tsv") == train, "train.tsv was not restored")
        #expect(ws.read("\(folder)/split.sha256") == digest, "split.sha256 was not rewritten")
    }

    @Test func damagedSplitFolderIsRewrittenByARerun() throws { try damageSplitAndRerun(deleteStudentRecord: true) }

    @Test func damagedSplitFolderIsRewrittenWhenEveryRunIsSkipped() throws { try damageSplitAndRerun(deleteStudentRecord: false) }

    @Test func protocolsAreNeverMixed() throws {
        let ws = try Workspace("protocols")
        try ws.write("s.yaml", Self.suite())
        try ws.write("loo.yaml", Self.suite(protocol: "loo-499"))
        try ws.invoke(Self.all, status: 0, mentions: ["out: 2 runs done"], in: .stdout, writes: true)
        let o = try ws.invoke(["all", "--suite", "loo.yaml", "--out", "out", "--no-plots"], status: 2,
                              mentions: ["out holds holdout results and this run is loo-499", "protocols are never mixed", "use another --out"],
                              writes: false)
        Self.note("loo-499 suite into a holdout out", o, .stderr, "holds")
    }

    @Test func truncatedGoldenFile() throws {
        let ws = try Workspace("golden")
        try ws.write("s.yaml", Self.suite())
        try ws.invoke(Self.all, status: 0, mentions: ["out: 2 runs done"], in: .stdout, writes: true)
        try ws.invoke(["golden", "update", "out", "--golden", "g.json"], status: 0, mentions: ["g.json: 2 runs"], in: .stdout,
                      writes: true, extras: ["g.json"])
        let golden = try #require(ws.read("g.json"))
        try ws.write("g.json", Array(golden.prefix(golden.count / 2)))
        let o = try ws.invoke(["check", "out", "--golden", "g.json"], status: 2, mentions: ["g.json: not a golden table"], writes: false)
        Self.note("truncated golden file", o, .stderr, "g.json")
    }

    /// A failed run: recorded failed with a short reason and no metrics, and the same reason on
    /// its stderr line and in the tables.
    static func expectFailedRun(_ ws: Workspace, _ key: String, _ reasons: [String], stderr: String,
                                sourceLocation: SourceLocation = #_sourceLocation) {
        let record = ws.json("out/runs/\(key)/record.json")
        #expect(record?["status"] as? String == "failed", "\(key) is not recorded failed", sourceLocation: sourceLocation)
        let failure = record?["failure"] as? String ?? ""
        #expect(!failure.isEmpty && failure.count < 300, "\(key): a \(failure.count)-character reason", sourceLocation: sourceLocation)
        for r in reasons { #expect(failure.contains(r), "\(key): the reason lacks '\(r)': \(failure)", sourceLocation: sourceLocation) }
        #expect((record?["test"] as? [String: Any])?.isEmpty == true, "\(key): a failed run carries test metrics", sourceLocation: sourceLocation)
        #expect(stderr.contains("\(key): FAILED: \(failure)"), "\(key): stderr lacks its failure line", sourceLocation: sourceLocation)
        let summary = String(decoding: ws.read("out/tables/summary.md") ?? Data(), as: UTF8.self)
        #expect(summary.contains("`\(key)`: \(failure)"), "tables/summary.md does not list \(key) with its reason", sourceLocation: sourceLocation)
    }

    /// One line for the case table of the report: what was run, the status, the telling line.
    static func note(_ name: String, _ o: BenchOutcome, _ stream: BenchStream, _ mention: String?) {
        let lines = o.text(stream).split(separator: "\n")
        let line = mention.flatMap { m in lines.first { $0.contains(m) } } ?? lines.first ?? ""
        print("BadInput | \(name) | \(o.status) | \(line.prefix(240))")
    }
}
