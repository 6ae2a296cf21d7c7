import Foundation

/// How busy the machine is while something is measured (Linux `/proc/stat`, `getrusage`).
public enum SystemLoad {
    /// CPU seconds spent busy by every core of the machine since boot (user, nice, system, irq,
    /// softirq, steal: all but idle and iowait); nil where `/proc/stat` is unavailable.
    public static func machineBusySeconds(file: String = "/proc/stat") -> Double? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8),
              let line = text.split(separator: "\n").first, line.hasPrefix("cpu ") else { return nil }
        let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard fields.count >= 8 else { return nil }
        let busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7]
        return busy / Double(max(1, sysconf(Int32(_SC_CLK_TCK))))
    }

    /// CPU seconds (user + system) this process has used.
    public static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// Measures what the rest of the machine does while `body` runs: the cores kept busy by
    /// other processes, on average (0 = the machine was otherwise idle; 1 = one other core busy
    /// throughout).  nil where the machine's counters are unavailable.
    public static func othersBusyCores<T>(during body: () throws -> T) rethrows -> (result: T, othersBusyCores: Double?) {
        let machine0 = machineBusySeconds(), own0 = processCPUSeconds(), wall0 = ContinuousClock.now
        let result = try body()
        let wall = ContinuousClock.now - wall0
        let seconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
        guard let m0 = machine0, let m1 = machineBusySeconds(), seconds > 0 else { return (result, nil) }
        let others = (m1 - m0) - (processCPUSeconds() - own0)
        return (result, max(0, others / seconds))
    }
}
