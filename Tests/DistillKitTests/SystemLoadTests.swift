import Foundation
import Testing
@testable import DistillKit

/// The probe conditions every latency report carries: the machine's busy time from `/proc/stat`,
/// less this process's own.
@Suite struct SystemLoadTests {
    @Test func busySecondsAreEveryNonIdleFieldOfTheCPULine() throws {
        let file = NSTemporaryDirectory() + "stat-\(getpid())-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: file) }
        // user nice system idle iowait irq softirq steal guest guest_nice
        try "cpu  100 20 50 1000 10 3 5 7 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n".write(toFile: file, atomically: true, encoding: .utf8)
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        #expect(SystemLoad.machineBusySeconds(file: file) == (100 + 20 + 50 + 3 + 5 + 7) / hz)
        try "intr 1 2 3\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(SystemLoad.machineBusySeconds(file: file) == nil)
        #expect(SystemLoad.machineBusySeconds(file: file + "-missing") == nil)
    }

    @Test func anotherProcessSpinningIsCounted() throws {
        guard SystemLoad.machineBusySeconds() != nil else { return }   // no /proc/stat: nothing to measure
        let spinner = Process()
        spinner.executableURL = URL(fileURLWithPath: "/bin/sh")
        spinner.arguments = ["-c", "while :; do :; done"]
        try spinner.run()
        // SIGKILL: test threads block SIGTERM, and a child inherits that mask.
        defer { kill(spinner.processIdentifier, SIGKILL); spinner.waitUntilExit() }
        let (_, others) = SystemLoad.othersBusyCores { usleep(800_000) }
        // One other process spun throughout (it may share a core with parallel tests).
        #expect((others ?? 0) > 0.2, "others busy: \(others.map { "\($0)" } ?? "nil")")
    }
}
