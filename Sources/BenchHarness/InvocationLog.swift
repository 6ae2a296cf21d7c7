import DistillKit
import Foundation

/// `invocations/<start time>-<pid>@<host>.json`: one file per `bench` process that ran runs
/// into a results directory, written when it starts ("running") and when it ends ("finished").
/// Each process writes only its own file, so parallel workers never read-modify-write a shared
/// one; `bench finalize` gathers them into the manifest.
public final class InvocationLog {
    let path: String
    private(set) var entry: Manifest.Invocation

    public init(store: ResultsStore, suite: Suite, commandLine: String, threads: Int, selection: String) throws {
        let now = Date()
        let writer = WriterIdentity.current
        path = (store.invocationsDirectory as NSString).appendingPathComponent("\(Self.fileStamp(now))-\(writer).json")
        entry = .init(commandLine: commandLine, suiteHash: SHA256.hex(try CanonicalJSON.encode(suite)), threads: threads,
                      codeRevision: EnvironmentFingerprint.revisionLabel, startedAt: Self.timestamp(now), finishedAt: nil,
                      outcome: "running", writer: writer.description, selection: selection)
        try write()
    }

    public func finish(outcome: String = "finished") throws {
        entry.finishedAt = Self.timestamp(Date())
        entry.outcome = outcome
        try write()
    }

    private func write() throws { try AtomicFile.write(try CanonicalJSON.pretty(entry), to: path) }

    /// Every invocation of the directory, oldest first; one still "running" whose process is gone
    /// from this host is reported "interrupted".
    public static func readAll(_ store: ResultsStore) -> [Manifest.Invocation] {
        let dir = store.invocationsDirectory
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        return names.compactMap { name in
            guard let data = FileManager.default.contents(atPath: (dir as NSString).appendingPathComponent(name)),
                  var entry = try? JSONDecoder().decode(Manifest.Invocation.self, from: data) else { return nil }
            if entry.outcome == "running", let w = entry.writer.flatMap(WriterIdentity.parse), w.isGoneFromThisHost {
                entry.outcome = "interrupted"
            }
            return entry
        }
    }

    public static func timestamp(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    /// Sortable to the microsecond, so file names order invocations.
    public static func fileStamp(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss"
        let micros = Int((date.timeIntervalSince1970 * 1_000_000).truncatingRemainder(dividingBy: 1_000_000))
        return f.string(from: date) + String(format: ".%06d", micros)
    }
}
