import Foundation

/// How busy the machine is, as the kernel reports it (Linux `/proc/loadavg`).
public enum SystemLoad {
    /// The 1-minute load average: runnable and running tasks, averaged; nil where unavailable.
    public static func oneMinuteAverage(file: String = "/proc/loadavg") -> Double? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8),
              let first = text.split(separator: " ").first else { return nil }
        return Double(first)
    }
}
