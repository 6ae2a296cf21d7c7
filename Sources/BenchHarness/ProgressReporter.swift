import DistillKit
import Foundation

/// Progress of a suite: one rewritten status line on a terminal (run, epoch, validation
/// metric, ETA), plain log lines otherwise (CI), so logs stay quiet and readable.
public final class ProgressReporter: @unchecked Sendable {
    public let isTTY: Bool
    private let quiet: Bool
    private var runLabel = ""
    private var runIndex = 0
    private var runTotal = 0
    private var suiteStart = Date()
    private var finishedRuns = 0
    private var finishedSeconds = 0.0
    private var lastValidation = ""

    public init(quiet: Bool = false) {
        isTTY = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["CI"] == nil
        self.quiet = quiet
    }

    public func startSuite(total: Int) {
        runTotal = total
        suiteStart = Date()
    }

    public func startRun(_ index: Int, _ label: String) {
        runIndex = index
        runLabel = label
        lastValidation = ""
    }

    public func event(_ e: TrainingEvent) {
        guard isTTY, !quiet else { return }
        switch e {
        case .validation(let epoch, let value, let best, let bestEpoch):
            lastValidation = String(format: "valid %.4f (best %.4f @%d)", value, best, bestEpoch)
            _ = epoch
        case .epoch(let epoch, let maxEpochs, _, let elapsed):
            let perRun = finishedRuns > 0 ? finishedSeconds / Double(finishedRuns) : elapsed
            let eta = perRun * Double(max(0, runTotal - runIndex)) + max(0, perRun - elapsed)
            let line = "[\(runIndex)/\(runTotal)] \(runLabel) | epoch \(epoch)/\(maxEpochs) | \(lastValidation) | ETA \(Self.duration(eta))"
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        }
    }

    /// A run finished (or was skipped): one permanent line.
    public func finishRun(_ message: String, seconds: Double, counted: Bool = true) {
        if counted { finishedRuns += 1; finishedSeconds += seconds }
        if quiet { return }
        let prefix = isTTY ? "\r\u{1B}[K" : ""
        FileHandle.standardError.write(Data("\(prefix)[\(runIndex)/\(runTotal)] \(message)\n".utf8))
    }

    public func log(_ message: String) {
        if quiet { return }
        let prefix = isTTY ? "\r\u{1B}[K" : ""
        FileHandle.standardError.write(Data("\(prefix)\(message)\n".utf8))
    }

    public static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? "\(t / 3600)h\(t % 3600 / 60)m" : t >= 60 ? "\(t / 60)m\(t % 60)s" : "\(t)s"
    }
}
