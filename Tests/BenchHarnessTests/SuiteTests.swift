import Foundation
import Testing
@testable import BenchHarness
@testable import DistillKit

@Suite struct SuiteTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test(arguments: ["default", "smoke"])
    func committedSuitesParse(name: String) throws {
        let s = try Suite.load(path: "\(Self.repo)/benchmarks/\(name).yaml")
        #expect(s.name == name)
        #expect(try !s.expand().isEmpty)
    }

    @Test func defaultSuiteExpandsToTheIssueGrid() throws {
        let s = try Suite.load(path: "\(Self.repo)/benchmarks/default.yaml")
        #expect(s.datasets.map(\.name) == ["ml-100k", "synthetic-citeulike"])
        #expect(s.phis.map { s.studentDimension(phi: $0) } == [5, 10, 20])
        let runs = try s.expand()
        // Per dataset and seed: the teacher and 3 student sizes.
        #expect(runs.count == 2 * 3 * 4)
        #expect(Set(runs.map(\.key)).count == runs.count)
    }

    func error(_ yaml: String) -> String {
        do { _ = try Suite.parse(yaml, file: "bad.yaml", defaultName: "bad"); return "no error" } catch { return "\(error)" }
    }

    @Test func badSuitesNameTheFieldAndTheFix() {
        #expect(error("datasets: [ml-100k]\nfoo: 1").contains("bad.yaml: foo: unknown field"))
        #expect(error("datasets: [nope]").contains("datasets[0]: unknown dataset 'nope'"))
        #expect(error("datasets: [ml-100k]\nmethods: [magic]").contains("methods[0]: unknown method 'magic'"))
        #expect(error("datasets: [ml-100k]\nphi: [2]").contains("phi[0]: must be a ratio"))
        #expect(error("datasets: [ml-100k]\nprotocol: kfold").contains("protocol: unknown protocol 'kfold'"))
        #expect(error("datasets: [ml-100k]\ntraining: {lr: -1}").contains("training.lr"))
        #expect(error("methods: [student]").contains("datasets: required"))
        #expect(error("datasets: [ml-100k]\nmethods: [{student: {alpha: 1}}]").contains("has no hyperparameter 'alpha'"))
        #expect(error("datasets: [ml-100k\n").contains("not valid YAML"))
    }
}
