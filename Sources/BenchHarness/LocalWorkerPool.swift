import DistillKit
import Foundation

/// `bench all --jobs N`: N worker processes of this same `bench` on this machine, teachers phase
/// first (so no two workers train one teacher), then students.  Every worker walks the whole
/// phase and takes the next run nobody holds (run locks), so the load balances itself; the
/// records are what a serial run writes, byte for byte, because results do not depend on threads.
public struct LocalWorkerPool {
    /// The `bench` executable the workers run (this process's own).
    public let executable: String
    /// `all --suite S --out D` and the flags every worker shares (e.g. `--no-timing`).
    public let arguments: [String]
    public let workers: Int
    public let threadsPerWorker: Int

    /// Threads per worker so that workers x threads <= cores (at least 1), and no more than asked.
    public static func threads(workers: Int, requested: Int, cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> Int {
        max(1, min(requested, cores / max(1, workers)))
    }

    public init(executable: String, arguments: [String], workers: Int, threadsPerWorker: Int) {
        self.executable = executable
        self.arguments = arguments
        self.workers = workers
        self.threadsPerWorker = threadsPerWorker
    }

    /// The path of the running executable.
    public static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Runs one phase on every worker and waits; each worker's lines are forwarded to stderr
    /// prefixed with `[w<k>]`.  Returns the workers' exit statuses.
    public func run(_ phase: RunSelection.Phase) throws -> [Int32] {
        let output = NSLock()
        let readers = DispatchGroup()
        var processes: [Process] = []
        for k in 1...workers {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: executable)
            p.arguments = arguments + ["--phase", phase.rawValue, "--threads", "\(threadsPerWorker)", "--no-finalize", "--no-plots"]
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = pipe
            try p.run()
            InterruptCleanup.rememberChild(p.processIdentifier)
            let handle = pipe.fileHandleForReading
            DispatchQueue.global().async(group: readers) {
                Self.forward(handle, prefix: "[w\(k)] ", lock: output)
            }
            processes.append(p)
        }
        var statuses: [Int32] = []
        for p in processes {
            p.waitUntilExit()
            InterruptCleanup.forgetChild(p.processIdentifier)
            statuses.append(p.terminationStatus)
        }
        readers.wait()
        return statuses
    }

    /// Copies a worker's output to stderr line by line, each line prefixed and written whole.
    static func forward(_ handle: FileHandle, prefix: String, lock: NSLock) {
        var pending = Data()
        func emit(_ line: Data) {
            lock.lock()
            FileHandle.standardError.write(Data(prefix.utf8) + line + Data("\n".utf8))
            lock.unlock()
        }
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let nl = pending.firstIndex(of: 0x0A) {
                emit(pending[pending.startIndex..<nl])
                pending = Data(pending[(nl + 1)...])
            }
        }
        if !pending.isEmpty { emit(pending) }
    }
}
