import Foundation
import Testing
import DistillKit

@testable import BenchReports

// MARK: - Pareto frontier (pure Swift, no Python needed)

private func point(_ latency: Double, _ accuracy: Double, method: String = "m") -> AccuracyLatencyPoint {
    AccuracyLatencyPoint(
        method: method, size: 0, label: "", latencyMicros: latency, accuracy: accuracy, accuracyError: 0)
}

@Test func paretoFrontierKeepsUndominatedPointsSortedByLatency() {
    let points = [
        point(10, 0.30),  // 0: fastest
        point(10, 0.28),  // 1: same latency as 0, less accurate → dominated
        point(20, 0.30),  // 2: same accuracy as 0, slower → dominated
        point(20, 0.35),  // 3
        point(15, 0.32),  // 4
        point(20, 0.35),  // 5: identical to 3 → neither dominates, both stay
        point(40, 0.34),  // 6: slower and less accurate than 3 → dominated
        point(80, 0.40),  // 7: the slow, accurate teacher
        point(.nan, 0.90),  // 8: unmeasured latency → ignored
    ]
    #expect(Plots.paretoFrontier(points) == [0, 4, 3, 5, 7])
}

@Test func paretoFrontierOfNoOrOnePoint() {
    #expect(Plots.paretoFrontier([]) == [])
    #expect(Plots.paretoFrontier([point(5, 0.1)]) == [0])
}

@Test func eachSizeLabelIsWrittenOnceAtItsLeastAccuratePoint() {
    func labelled(_ method: String, _ label: String, _ accuracy: Double, teacher: Bool = false) -> AccuracyLatencyPoint {
        AccuracyLatencyPoint(
            method: method, size: 0, label: label, latencyMicros: 1, accuracy: accuracy, accuracyError: 0,
            isTeacher: teacher)
    }
    let points = [
        labelled("DE-RRD", "d=10", 0.32), labelled("student", "d=10", 0.30),
        labelled("student", "d=20", 0.33), labelled("DE-RRD", "d=20", 0.35),
        labelled("teacher", "d=200", 0.39, teacher: true),
    ]
    #expect(Plots.annotatedPoints(points) == [points[1], points[2], points[4]])
}

@Test func studentIsGrayAndEveryMethodKeepsItsColor() {
    // Registered methods take their registry position (rd first after student), skipping gray C7;
    // unregistered variants follow in the order given.
    #expect(Plots.colors(for: ["student", "rd", "rrd"]) == ["dimgray", "C0", "C3"])
    #expect(Plots.colors(for: ["rrd", "rd"]) == ["C3", "C0"])
    #expect(Plots.colors(for: ["rrd-k20", "unkd", "rrd-k80"]) == ["C8", "C6", "C9"])
    #expect(!Plots.colors(for: MethodRegistry.keys).contains("C7"))
    #expect(Plots.methodOrder("rd", "unkd") && Plots.methodOrder("unkd", "rrd-k20") && !Plots.methodOrder("rrd", "rd"))
}

// MARK: - Embedded Python (needs only the interpreter)

/// Asserts in Python that the converted arguments arrive as the expected Python objects.
private let expectArgumentsSource = """
    def expect_arguments(values, expected_text):
        expected = {
            "none": None, "flag": True, "count": -3, "ratio": 2.5,
            "text": expected_text, "nested": [[1.0, 2.5], []], "strings": ["a", "b"],
        }
        assert values == expected, repr(values)
        assert list(values) == list(expected), "dict order changed"
    """

@Test func swiftValuesArriveAsPythonObjects() throws {
    let text = "ä \"quoted\" '); import os #\n"
    let values: PythonValue = .dict([
        ("none", .none), ("flag", .bool(true)), ("count", .int(-3)), ("ratio", .double(2.5)),
        ("text", .string(text)), ("nested", .nested([[1, 2.5], []])), ("strings", .strings(["a", "b"])),
    ])
    try EmbeddedPython.call(
        "expect_arguments", definedIn: expectArgumentsSource,
        arguments: ["values": values, "expected_text": .string(text)])
}

@Test func pythonExceptionsBecomeSwiftErrors() {
    #expect {
        try EmbeddedPython.call(
            "expect_arguments", definedIn: expectArgumentsSource,
            arguments: ["values": .none, "expected_text": .string("")])
    } throws: { error in
        guard case .exception(let type, let message) = error as? PythonError else { return false }
        return type == "AssertionError" && message == "None"
    }
}

@Test func missingModuleNamesTheAptPackage() {
    let module = "distillbench_surely_missing_module"
    #expect {
        try Plots.prepareMatplotlib(module: module)
    } throws: { error in
        guard case .moduleMissing(let missing, let hint, let detail) = error as? PythonError else { return false }
        return missing == module && hint.contains("apt-get install python3-matplotlib")
            && detail.contains("ModuleNotFoundError")
    }
}

// MARK: - Plots (skipped without matplotlib)

private let matplotlibMissing: Comment = "python3-matplotlib is not installed"

/// A fresh directory per test, so parallel tests never share files.
private func scratchDirectory() throws -> URL {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("benchreports-plot-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}

enum PlotKind: CaseIterable {
    case accuracyVsLatency, gainOverStudent, learningCurve, learningCurveWithoutLoss

    @discardableResult
    func draw(to basePath: String, formats: [PlotFormat] = [.png, .svg]) throws -> [String] {
        switch self {
        case .accuracyVsLatency:
            let points = [
                AccuracyLatencyPoint(
                    method: "student", size: 20, label: "d=20", latencyMicros: 80, accuracy: 0.33,
                    accuracyError: 0.004),
                AccuracyLatencyPoint(
                    method: "student", size: 10, label: "d=10", latencyMicros: 60, latencyError: 3,
                    accuracy: 0.30, accuracyError: 0.005),
                AccuracyLatencyPoint(
                    method: "DE-RRD", size: 10, label: "d=10", latencyMicros: 61, accuracy: 0.32,
                    accuracyError: 0.006),
                AccuracyLatencyPoint(
                    method: "DE-RRD", size: 20, label: "d=20", latencyMicros: 82, accuracy: 0.35,
                    accuracyError: 0.004),
                AccuracyLatencyPoint(
                    method: "teacher", size: 200, label: "d=200", latencyMicros: 450, accuracy: 0.39,
                    accuracyError: 0.003, isTeacher: true),
            ]
            return try Plots.accuracyVsLatency(
                points: points, title: "ML-100K, leave-one-out", yLabel: "test NDCG@20",
                to: basePath, formats: formats)
        case .gainOverStudent:
            let bars = [
                GainBar(method: "RD", group: "d=10", gainPercent: 3.1, error: 0.8),
                GainBar(method: "DE-RRD", group: "d=10", gainPercent: 6.4, error: 1.1),
                GainBar(method: "RD", group: "d=20", gainPercent: -0.5, error: 0.9),
                GainBar(method: "DE-RRD", group: "d=20", gainPercent: 4.2),
            ]
            return try Plots.gainOverStudent(
                bars: bars, title: "ML-100K: gain over student", to: basePath, formats: formats)
        case .learningCurve, .learningCurveWithoutLoss:
            let epochs = Array(1...30)
            let curve = LearningCurve(
                epochs: epochs,
                validation: epochs.map { 0.35 * (1 - exp(-Double($0) / 6)) - 0.0004 * Double($0) },
                loss: self == .learningCurve ? epochs.map { 0.7 * exp(-Double($0) / 8) + 0.1 } : nil,
                bestEpoch: 14, metricName: "NDCG@20")
            return try Plots.learningCurve(curve, title: "DE-RRD d=20, seed 1", to: basePath, formats: formats)
        }
    }
}

@Test(.enabled(if: Plots.isAvailable, matplotlibMissing), arguments: PlotKind.allCases)
func plotWritesPNGAndSVG(_ kind: PlotKind) throws {
    let base = try scratchDirectory().appendingPathComponent("plot").path
    let paths = try kind.draw(to: base)
    #expect(paths == [base + ".png", base + ".svg"])
    let png = try Data(contentsOf: URL(fileURLWithPath: base + ".png"))
    #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    let svg = try String(contentsOfFile: base + ".svg", encoding: .utf8)
    #expect(svg.contains("<svg"))
}

@Test(.enabled(if: Plots.isAvailable, matplotlibMissing), arguments: PlotKind.allCases)
func plotFilesAreReproducible(_ kind: PlotKind) throws {
    let directory = try scratchDirectory()
    let first = try kind.draw(to: directory.appendingPathComponent("first").path)
    let second = try kind.draw(to: directory.appendingPathComponent("second").path)
    for (a, b) in zip(first, second) {
        #expect(try Data(contentsOf: URL(fileURLWithPath: a)) == Data(contentsOf: URL(fileURLWithPath: b)))
    }
}

@Test(.enabled(if: Plots.isAvailable, matplotlibMissing))
func plotsFromManyTasksAtOnce() async throws {
    let directory = try scratchDirectory()
    try await withThrowingTaskGroup(of: Void.self) { group in
        for index in 0..<8 {
            let kind = PlotKind.allCases[index % PlotKind.allCases.count]
            group.addTask { try kind.draw(to: directory.appendingPathComponent("plot-\(index)").path, formats: [.png]) }
        }
        try await group.waitForAll()
    }
    for index in 0..<8 {
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("plot-\(index).png").path))
    }
}

@Test(.enabled(if: Plots.isAvailable, matplotlibMissing))
func mismatchedCurveLengthsThrowThePythonError() throws {
    let curve = LearningCurve(epochs: [1, 2, 3], validation: [0.1, 0.2], bestEpoch: 2, metricName: "NDCG@20")
    let base = try scratchDirectory().appendingPathComponent("bad").path
    #expect {
        try Plots.learningCurve(curve, title: "bad", to: base, formats: [.png])
    } throws: { error in
        guard case .exception(let type, _) = error as? PythonError else { return false }
        return type == "ValueError"
    }
}
