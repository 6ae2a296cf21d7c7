import Foundation

/// Who is writing: this host's short name and this process's pid.  Several `bench` processes,
/// on one machine or on the nodes of a cluster, may write into one results directory and one
/// cache; temporary files and lock files carry this identity so a process only ever cleans up
/// what a dead process on its own host left behind.
public struct WriterIdentity: Sendable, Equatable, CustomStringConvertible {
    public let host: String
    public let pid: Int32

    public init(host: String, pid: Int32) {
        self.host = host
        self.pid = pid
    }

    public static let current: WriterIdentity = {
        var buffer = [CChar](repeating: 0, count: 256)
        let name = gethostname(&buffer, buffer.count) == 0
            ? buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } : "localhost"
        // Short name, and only characters that are safe in a file name.
        let short = name.split(separator: ".").first.map(String.init) ?? name
        let safe = String(short.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" ? Character($0) : "_" })
        return WriterIdentity(host: safe.isEmpty ? "localhost" : safe, pid: getpid())
    }()

    /// `<pid>@<host>`, the suffix of temporary names.
    public var description: String { "\(pid)@\(host)" }

    /// Parses `<pid>@<host>`; a bare `<pid>` (files of older versions) is taken as this host's.
    public static func parse(_ text: String) -> WriterIdentity? {
        let parts = text.split(separator: "@", maxSplits: 1).map(String.init)
        guard let first = parts.first, let pid = Int32(first), pid > 0 else { return nil }
        return WriterIdentity(host: parts.count == 2 ? parts[1] : current.host, pid: pid)
    }

    /// True when this writer certainly no longer runs: it is on this host and its pid is gone.
    /// A writer on another host is never declared dead (its liveness cannot be seen from here).
    public var isGoneFromThisHost: Bool {
        host == Self.current.host && pid != Self.current.pid && kill(pid, 0) != 0 && errno == ESRCH
    }

    /// The suffix of a temporary file written by this process (`name.tmp-<pid>@<host>`).
    public static var temporarySuffix: String { ".tmp-\(current)" }

    /// The writer of a temporary file named by `temporarySuffix`, or nil for any other name.
    public static func writer(ofTemporary name: String) -> WriterIdentity? {
        guard let r = name.range(of: ".tmp-", options: .backwards) else { return nil }
        return parse(String(name[r.upperBound...]))
    }
}
