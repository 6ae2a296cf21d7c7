import Foundation

/// Runs a program found on PATH (through /usr/bin/env) and collects its exit status and output.
/// The one place this package starts other programs (git, swift, pip, unzip, sbatch, scontrol).
public enum Subprocess {
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: Data
        public let stderr: String

        /// Standard output as trimmed text.
        public var text: String { String(decoding: stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// Throws only when the program cannot be started; a non-zero status is in the result.
    /// Standard error is drained on its own thread, so a chatty program never blocks on a full pipe.
    public static func run(_ args: [String]) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let errHandle = err.fileHandleForReading
        let errData = ErrorBuffer()
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            errData.set(errHandle.readDataToEndOfFile())
            drained.signal()
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: data,
                      stderr: String(decoding: errData.get(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private final class ErrorBuffer: @unchecked Sendable {
        private var data = Data()
        private let lock = NSLock()
        func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
        func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
    }
}
