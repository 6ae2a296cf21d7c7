import Foundation

/// Files are written to a temporary name beside the target and renamed into place, so a reader
/// (or a resumed run) never sees a half-written file.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let temp = "\(path).tmp-\(getpid())"
        try data.write(to: URL(fileURLWithPath: temp))
        try move(temp, to: path)
    }

    public static func write(_ text: String, to path: String) throws { try write(Data(text.utf8), to: path) }

    /// rename(2): atomic on one file system, replaces an existing target.
    public static func move(_ source: String, to path: String) throws {
        guard rename(source, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: source)
            throw DataError.invalid("cannot move \(source) to \(path): \(reason)")
        }
    }
}
