import DistillKit
import Foundation

/// A lock that is a file holding its owner (`<pid>@<host>`), created with O_EXCL, so it works
/// between processes on one machine and between nodes sharing a file system.  A lock whose
/// owner is gone from this host is taken over; one owned on another host is never judged from
/// here (its message names the file to delete if that node's process is gone).  While held,
/// SIGINT and SIGTERM remove it (see `InterruptCleanup`).
public final class LockFile: @unchecked Sendable {
    public let path: String
    private var released = false
    private let state = NSLock()

    /// What an attempt found: the lock, or its current owner (nil: the file could not be read).
    public enum Attempt {
        case acquired(LockFile)
        case heldBy(WriterIdentity?, since: Date?)
    }

    private init(path: String) { self.path = path }

    /// Takes the lock if nobody holds it (or its owner is gone from this host).
    public static func tryAcquire(_ path: String) throws -> Attempt {
        try AtomicFile.makeDirectory((path as NSString).deletingLastPathComponent)
        for _ in 0..<3 {
            if try create(path) { return .acquired(LockFile(path: path)) }
            let (owner, since) = Self.owner(path)
            guard owner?.isGoneFromThisHost == true else {
                if owner == nil && !FileManager.default.fileExists(atPath: path) { continue }   // released meanwhile
                return .heldBy(owner, since: since)
            }
            try takeOver(path, from: owner!)
        }
        let (owner, since) = Self.owner(path)
        return .heldBy(owner, since: since)
    }

    /// Waits for the lock, polling; `waiting` is told once who holds it.
    public static func acquire(_ path: String, poll seconds: Double = 0.5, waiting: (String) -> Void) throws -> LockFile {
        var told = false
        while true {
            switch try tryAcquire(path) {
            case .acquired(let lock): return lock
            case .heldBy(let owner, let since):
                if !told {
                    waiting("waiting for \(path), held by \(Self.describe(owner, since: since)); if that process is gone, delete the file")
                    told = true
                }
                usleep(UInt32(seconds * 1_000_000))
            }
        }
    }

    public func release() {
        state.lock()
        defer { state.unlock() }
        guard !released else { return }
        released = true
        InterruptCleanup.forget(path)
        unlink(path)
    }

    deinit { release() }

    /// "pid 123 on node7 since 2026-12-05T10:00:00Z".
    public static func describe(_ owner: WriterIdentity?, since: Date?) -> String {
        let who = owner.map { "pid \($0.pid) on \($0.host)" } ?? "an unknown process"
        return who + (since.map { " since \(ISO8601DateFormatter().string(from: $0))" } ?? "")
    }

    /// Who holds the lock at `path` ("pid 12 on node7 since …"), or nil when nobody does.
    public static func holder(_ path: String) -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let (owner, since) = Self.owner(path)
        return describe(owner, since: since)
    }

    /// The owner written in a lock file and the file's age.
    public static func owner(_ path: String) -> (WriterIdentity?, Date?) {
        let text = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let since = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
        return (WriterIdentity.parse(text), since)
    }

    /// O_EXCL create with our identity inside; false when the file exists.  No signal may land
    /// between creating the file and registering it for cleanup.
    private static func create(_ path: String) throws -> Bool {
        InterruptCleanup.block()
        defer { InterruptCleanup.unblock() }
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0o644)
        if fd < 0 {
            if errno == EEXIST { return false }
            throw HarnessError("cannot create the lock \(path): \(String(cString: strerror(errno))); choose a writable location")
        }
        let text = "\(WriterIdentity.current)\n"
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        InterruptCleanup.remember(path)
        return true
    }

    /// Removes a lock left by a dead process of this host.  A second O_EXCL file guards the
    /// takeover, so two processes that both found the lock stale cannot remove each other's
    /// fresh lock.
    private static func takeOver(_ path: String, from dead: WriterIdentity) throws {
        let guardPath = path + ".takeover"
        if !(try create(guardPath)) {
            if Self.owner(guardPath).0?.isGoneFromThisHost == true { unlink(guardPath) }
            return
        }
        defer { InterruptCleanup.forget(guardPath); unlink(guardPath) }
        if Self.owner(path).0 == dead { unlink(path) }
    }
}

/// What a signal handler may touch: C strings prepared before the signal, unlink(2), write(2)
/// and _exit(2), all async-signal-safe.  Holds the paths of the locks this process owns, so
/// SIGINT/SIGTERM (Ctrl-C, `scancel`, `kill`) release them instead of leaving them behind.
public enum InterruptCleanup {
    static let capacity = 16
    nonisolated(unsafe) static let paths: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let p = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
        p.initialize(repeating: nil, count: capacity)
        return p
    }()
    nonisolated(unsafe) static let children: UnsafeMutablePointer<pid_t> = {
        let p = UnsafeMutablePointer<pid_t>.allocate(capacity: capacity)
        p.initialize(repeating: 0, count: capacity)
        return p
    }()
    nonisolated(unsafe) static var message: UnsafeMutablePointer<CChar>? = nil
    nonisolated(unsafe) static var installed = false

    /// What to print when interrupted (e.g. how to resume).
    public static func setMessage(_ text: String) {
        block()
        defer { unblock() }
        free(message)
        message = strdup(text)
        install()
    }

    static func remember(_ path: String) {
        block()
        defer { unblock() }
        for k in 0..<capacity where paths[k] == nil {
            paths[k] = strdup(path)
            break
        }
        install()
    }

    static func forget(_ path: String) {
        block()
        defer { unblock() }
        for k in 0..<capacity {
            if let p = paths[k], String(cString: p) == path {
                free(p)
                paths[k] = nil
            }
        }
    }

    /// Worker processes that get SIGTERM when this process is interrupted (they release their
    /// own locks); a terminal's Ctrl-C reaches them anyway, a `kill` of the parent does not.
    public static func rememberChild(_ pid: pid_t) {
        block()
        defer { unblock() }
        for k in 0..<capacity where children[k] == 0 {
            children[k] = pid
            break
        }
        install()
    }

    public static func forgetChild(_ pid: pid_t) {
        block()
        defer { unblock() }
        for k in 0..<capacity where children[k] == pid { children[k] = 0 }
    }

    /// Called with the signals blocked.
    private static func install() {
        guard !installed else { return }
        installed = true
        for sig in [SIGINT, SIGTERM] {
            signal(sig) { sig in
                for k in 0..<InterruptCleanup.capacity {
                    if let p = InterruptCleanup.paths[k] { unlink(p) }
                    if InterruptCleanup.children[k] > 0 { kill(InterruptCleanup.children[k], SIGTERM) }
                }
                if let m = InterruptCleanup.message { _ = write(STDERR_FILENO, m, strlen(m)) }
                _exit(128 + sig)
            }
        }
    }

    static var signals: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        return set
    }

    static func block() { var set = signals; pthread_sigmask(SIG_BLOCK, &set, nil) }

    /// Also undoes a mask inherited from the parent: a parent that started us with these signals
    /// blocked (some test runners and job launchers do) must not make Ctrl-C silently do nothing.
    static func unblock() { var set = signals; pthread_sigmask(SIG_UNBLOCK, &set, nil) }
}
