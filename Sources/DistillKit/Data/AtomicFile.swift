import Foundation

/// Files are written to a temporary name beside the target and renamed into place, so a reader
/// (or a resumed run) never sees a half-written file.  Failures say which file and why in plain
/// words (the system's reason), never as a Foundation error dump.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try makeDirectory(dir) }
        let temp = path + WriterIdentity.temporarySuffix
        do { try data.write(to: URL(fileURLWithPath: temp)) } catch {
            try? FileManager.default.removeItem(atPath: temp)
            throw DataError.invalid("cannot write \(path): \(reason(error)); check the free space and permissions of its folder")
        }
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

    /// `mkdir -p` with an error that names the first folder that could not be made and why.
    public static func makeDirectory(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw DataError.invalid("\(path) exists and is not a folder; choose another path") }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != path { try makeDirectory(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw DataError.invalid("cannot create the folder \(path): \(String(cString: strerror(errno))); choose a writable location")
        }
    }

    /// The system's reason behind a Foundation file error, e.g. "No space left on device".
    static func reason(_ error: Error) -> String {
        let e = error as NSError
        if let underlying = e.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if e.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(e.code))) }
        return e.localizedFailureReason ?? e.localizedDescription
    }
}
