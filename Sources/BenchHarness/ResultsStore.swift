import DistillKit
import Foundation

/// The results directory of protocol.md §6.  Every file goes through `AtomicFile`.
public struct ResultsStore: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    public var manifestPath: String { path("manifest.json") }
    public var summaryPath: String { path("summary.csv") }
    public func path(_ parts: String...) -> String { parts.reduce(root) { ($0 as NSString).appendingPathComponent($1) } }
    public func runDirectory(_ key: String) -> String { path("runs", key) }
    public func recordPath(_ key: String) -> String { path("runs", key, "record.json") }
    /// Held (owner pid@host inside) by the process running that run.
    public func runLockPath(_ key: String) -> String { path("runs", key, ".lock") }
    /// A deferred-latency run's trained model, kept until its probe has run, then removed.
    public func modelAwaitingLatencyPath(_ key: String) -> String { path("runs", key, "model-awaiting-latency.bin") }
    /// The resolved suite the directory runs, written by every `bench all` into it.
    public var suitePath: String { path("suite.json") }
    public var invocationsDirectory: String { path("invocations") }

    public func readManifest() throws -> Manifest? {
        guard let data = FileManager.default.contents(atPath: manifestPath) else { return nil }
        if let v = Self.formatVersion(data), v != Manifest.currentFormat {
            throw HarnessError("\(manifestPath): written by another version of bench (manifest format \(v), this bench writes \(Manifest.currentFormat)); use a fresh --out directory, or move this one away (`make clean-results` deletes results/default and results/smoke)")
        }
        do { return try JSONDecoder().decode(Manifest.self, from: data) } catch {
            throw HarnessError("\(manifestPath): unreadable manifest (\(RunKeyName.short("\(error)", 160))); use a fresh --out directory")
        }
    }

    /// The `formatVersion` field of a JSON file, if it has one.
    static func formatVersion(_ data: Data) -> Int? {
        (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["formatVersion"] as? Int
    }

    public func writeManifest(_ m: Manifest) throws { try AtomicFile.write(try CanonicalJSON.pretty(m), to: manifestPath) }

    /// Every process of one suite writes the same bytes here, so concurrent writers agree.
    public func writeSuite(_ suite: Suite) throws { try AtomicFile.write(try CanonicalJSON.pretty(suite), to: suitePath) }

    /// The directory's suite: `suite.json`, or the manifest's in a directory written before it existed.
    public func readSuite() throws -> Suite? {
        if let data = FileManager.default.contents(atPath: suitePath) {
            do { return try JSONDecoder().decode(Suite.self, from: data) } catch {
                throw HarnessError("\(suitePath): unreadable (\(RunKeyName.short("\(error)", 160))); rerun `bench all` with the suite file to rewrite it")
            }
        }
        return try readManifest()?.suite
    }

    /// Refuses a directory that holds results of another protocol or another suite: one suite
    /// per directory keeps its manifest, tables and golden check about one thing.
    public func checkCompatible(with suite: Suite) throws {
        guard let m = try readSuite() else { return }
        if m.evaluationProtocol != suite.evaluationProtocol {
            throw HarnessError("\(root) holds \(m.evaluationProtocol.rawValue) results and this run is \(suite.evaluationProtocol.rawValue): protocols are never mixed; use another --out directory")
        }
        if m.name != suite.name {
            throw HarnessError("\(root) holds results of suite '\(m.name)' and this is suite '\(suite.name)': one suite per results directory; use another --out directory (default: results/<suite name>)")
        }
    }

    /// What a run directory holds from an earlier invocation.
    public enum PreviousRecord {
        case none
        case finished(RunRecord)
        case failed(RunRecord)
        case unreadable(String)
    }

    public func previousRecord(_ key: String) -> PreviousRecord {
        guard let data = FileManager.default.contents(atPath: recordPath(key)) else { return .none }
        if let v = Self.formatVersion(data), v != RunRecord.currentFormat {
            return .unreadable("its record has format \(v), this bench writes \(RunRecord.currentFormat)")
        }
        guard let r = try? JSONDecoder().decode(RunRecord.self, from: data) else { return .unreadable("its record is unreadable") }
        return r.status == .finished ? .finished(r) : .failed(r)
    }

    public func readRecord(_ key: String) -> RunRecord? {
        if case .finished(let r) = previousRecord(key) { return r }
        if case .failed(let r) = previousRecord(key) { return r }
        return nil
    }

    /// Every record in the directory, sorted by key.
    public func allRecords() throws -> [RunRecord] {
        let runs = path("runs")
        guard let keys = try? FileManager.default.contentsOfDirectory(atPath: runs) else { return [] }
        return try keys.sorted().compactMap { key in
            guard let data = FileManager.default.contents(atPath: recordPath(key)) else { return nil }
            if let v = Self.formatVersion(data), v != RunRecord.currentFormat {
                throw HarnessError("\(recordPath(key)): written by another version of bench (record format \(v), this bench reads \(RunRecord.currentFormat)); delete \(runDirectory(key)) or use a fresh directory")
            }
            do { return try JSONDecoder().decode(RunRecord.self, from: data) } catch {
                throw HarnessError("\(recordPath(key)): unreadable record (\(RunKeyName.short("\(error)", 160))); delete the run folder to rerun it")
            }
        }
    }

    /// Writes a run's files; the record goes last, so a record always has its companions.
    public func write(_ record: RunRecord, evaluation: EvaluationResult?, split: Split?) throws {
        let dir = runDirectory(record.key)
        if let e = evaluation, let split {
            var topk = "user\titems\n"
            var users = "user\t" + e.metricKeys.joined(separator: "\t") + "\n"
            for (k, u) in e.users.enumerated() {
                let uid = split.train.userIDs[Int(u)]
                if !e.topK.isEmpty {
                    topk += uid + "\t" + e.topK[k].map { split.train.itemIDs[Int($0)] }.joined(separator: ",") + "\n"
                }
                users += uid + "\t" + (0..<e.metricKeys.count).map { Self.number(e.perUser[k * e.metricKeys.count + $0]) }.joined(separator: "\t") + "\n"
            }
            try AtomicFile.write(topk, to: (dir as NSString).appendingPathComponent("test-topk.tsv"))
            try AtomicFile.write(users, to: (dir as NSString).appendingPathComponent("test-users.tsv"))
        }
        if let l = record.latency, !l.rawMicros.isEmpty {
            var text = "pass\tquery\tmicros\n"
            for (p, times) in l.rawMicros.enumerated() {
                for (q, t) in times.enumerated() { text += "\(p)\t\(q)\t\(Self.number(t))\n" }
            }
            try AtomicFile.write(text, to: (dir as NSString).appendingPathComponent("latency-raw.tsv"))
        }
        try AtomicFile.write(try CanonicalJSON.pretty(record), to: recordPath(record.key))
    }

    /// `splits/<dataset>-<protocol>-seed<N>/{train,valid,test}.tsv` with original ids, and
    /// `split.sha256` written last: a folder whose digest file is missing or names another split
    /// (interrupted, edited, data changed) is written again.
    public func exportSplit(_ split: Split, dataset: String) throws {
        let dir = path("splits", Self.splitFolderName(dataset: dataset, protocol: split.evaluationProtocol, seed: split.seed))
        let digest = (dir as NSString).appendingPathComponent("split.sha256")
        if (try? String(contentsOfFile: digest, encoding: .utf8)) == "\(split.hash)\n" { return }
        for (name, part) in [("train", split.train), ("valid", split.valid), ("test", split.test)] {
            var text = "user\titem\n"
            for u in 0..<part.userCount {
                for i in part.row(u) { text += "\(part.userIDs[u])\t\(part.itemIDs[Int(i)])\n" }
            }
            try AtomicFile.write(text, to: (dir as NSString).appendingPathComponent("\(name).tsv"))
        }
        if !split.candidates.isEmpty {
            var text = "user\tcandidates\n"
            for u in 0..<split.userCount where split.candidates[u * Split.looNegatives] >= 0 {
                let c = split.candidates[(u * Split.looNegatives)..<((u + 1) * Split.looNegatives)]
                text += split.train.userIDs[u] + "\t" + c.map { split.train.itemIDs[Int($0)] }.joined(separator: ",") + "\n"
            }
            try AtomicFile.write(text, to: (dir as NSString).appendingPathComponent("candidates.tsv"))
        }
        try AtomicFile.write("\(split.hash)\n", to: (dir as NSString).appendingPathComponent("split.sha256"))
    }

    public static func splitFolderName(dataset: String, protocol p: EvaluationProtocol, seed: UInt64) -> String {
        "\(dataset)-\(p.rawValue)-seed\(seed)"
    }

    /// Deletes the temporary files (`*.tmp-<pid>@<host>`) that interrupted writers of this host
    /// left behind.  A file of a live process, or of any process on another host, is never
    /// touched: several workers may be writing into the directory right now.
    public func removeStaleTemporaryFiles() {
        guard let e = FileManager.default.enumerator(atPath: root) else { return }
        while let rel = e.nextObject() as? String {
            if let writer = WriterIdentity.writer(ofTemporary: (rel as NSString).lastPathComponent), writer.isGoneFromThisHost {
                try? FileManager.default.removeItem(atPath: path(rel))
            }
        }
    }

    /// Shortest round-trip text of a number (deterministic).
    public static func number(_ x: Double) -> String { x.isNaN ? "nan" : "\(x)" }
}

/// A harness error with a message that says what is wrong and what to do.
public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
