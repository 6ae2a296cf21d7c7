import Foundation
import Testing
@testable import BenchHarness
@testable import DistillKit

/// Per-dataset tuned settings: the file round-trips, the search chooses on validation, and a
/// suite that names the folder trains each dataset's teachers and students with their own.
@Suite struct TunedSettingsTests {
    static func point(lr: Float, _ validation: Double) -> TunedSettings.Point {
        var c = TrainingDefaults.bprMF()
        c.learningRate = lr
        return .init(settings: .init(c), bestEpoch: 10, epochsRun: 20, validation: validation)
    }

    static func folder(_ name: String) throws -> String {
        let dir = SuiteRunnerTests.temp("tuned-\(name)")
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir + "/hparams", withIntermediateDirectories: true)
        return dir
    }

    @Test func theSearchChoosesTheBestValidationAndTheFirstOnTies() throws {
        let s = try TunedSettings.Search(grid: [Self.point(lr: 0.001, 0.20), Self.point(lr: 0.002, 0.25), Self.point(lr: 0.004, 0.25)],
                                         dimension: 200, seed: 0, maxEpochs: 400, selection: "validation ndcg@20")
        #expect(s.chosen.learningRate == 0.002)
        #expect(throws: HarnessError.self) { try TunedSettings.Search(grid: [], dimension: 1, seed: 0, maxEpochs: 1, selection: "x") }
    }

    @Test func aGridGrowsInStepsAndTheChoiceIsMadeAgain() throws {
        let first = try TunedSettings.Search(grid: [Self.point(lr: 0.001, 0.20), Self.point(lr: 0.002, 0.22)], dimension: 200, seed: 0,
                                             maxEpochs: 400, selection: "validation ndcg@20")
        let more = try TunedSettings.Search(grid: [Self.point(lr: 0.004, 0.25), Self.point(lr: 0.002, 0.21)], dimension: 200, seed: 0,
                                            maxEpochs: 400, selection: "validation ndcg@20")
        let grown = try first.extended(by: more)
        #expect(grown.grid.map(\.settings.learningRate) == [0.001, 0.004, 0.002] && grown.chosen.learningRate == 0.004)
        #expect(grown.grid.first { $0.settings.learningRate == 0.002 }?.validation == 0.21)   // the rerun point replaces the old
        var otherBudget = more
        otherBudget.maxEpochs = 100
        #expect(try first.extended(by: otherBudget) == otherBudget)
    }

    @Test func theFileRoundTripsWithReadableNumbers() throws {
        let dir = try Self.folder("roundtrip")
        var file = TunedSettings(dataset: "ml-1m", family: "bpr-mf", evaluationProtocol: .holdout)
        file.teacher = try .init(grid: [Self.point(lr: 0.002, 0.3)], dimension: 200, seed: 0, maxEpochs: 400, selection: "validation ndcg@20")
        try file.write(dir + "/hparams/ml-1m.yaml")
        let text = try String(contentsOfFile: dir + "/hparams/ml-1m.yaml", encoding: .utf8)
        #expect(text.contains("lr: 2e-3") && text.contains("weight_decay: 3e-2") && !text.contains("99999"))
        #expect(try TunedSettings.read(dir + "/hparams/ml-1m.yaml") == file)
        try "dataset: [".write(toFile: dir + "/hparams/bad.yaml", atomically: true, encoding: .utf8)
        do { _ = try TunedSettings.read(dir + "/hparams/bad.yaml"); Issue.record("read a broken file") } catch {
            #expect("\(error)".contains("bad.yaml: not a tuned-settings file") && "\(error)".contains("bench tune --write"))
        }
    }

    @Test func aSuiteTrainsEachRoleWithItsDatasetsSettings() throws {
        let dir = try Self.folder("suite")
        var file = TunedSettings(dataset: "synthetic-tiny", family: "bpr-mf", evaluationProtocol: .holdout)
        file.teacher = try .init(grid: [Self.point(lr: 0.01, 0.3)], dimension: 16, seed: 0, maxEpochs: 20, selection: "validation ndcg@20")
        file.student = try .init(grid: [Self.point(lr: 0.05, 0.2)], dimension: 4, seed: 0, maxEpochs: 20, selection: "validation ndcg@20")
        try file.write(dir + "/hparams/synthetic-tiny.yaml")
        let yaml = "datasets: [synthetic-tiny, ml-100k]\nteacher_dim: 16\nphi: [0.25]\nseeds: [0]\nhparams: hparams\ntraining: {max_epochs: 7}"
        let suite = try Suite.parse(yaml, file: dir + "/s.yaml", defaultName: "s", folder: dir)
        let runs = try suite.expand()
        let tiny = runs.filter { $0.dataset.name == "synthetic-tiny" }, ml = runs.filter { $0.dataset.name == "ml-100k" }
        #expect(tiny.first { $0.isTeacher }?.teacherTraining.learningRate == 0.01)
        #expect(tiny.first { !$0.isTeacher }?.training.learningRate == 0.05)
        #expect(tiny.allSatisfy { $0.trainingSource == "hparams/synthetic-tiny.yaml" && $0.training.maxEpochs == 7 })
        // Not tuned: the suite's settings, no source.
        #expect(ml.allSatisfy { $0.trainingSource == nil && $0.training.learningRate == TrainingDefaults.bprMF().learningRate })
    }

    @Test func settingsTunedForAnotherProtocolAreRefused() throws {
        let dir = try Self.folder("protocol")
        try TunedSettings(dataset: "synthetic-tiny", family: "bpr-mf", evaluationProtocol: .loo499).write(dir + "/hparams/synthetic-tiny.yaml")
        do {
            _ = try Suite.parse("datasets: [synthetic-tiny]\nhparams: hparams", file: "s.yaml", defaultName: "s", folder: dir)
            Issue.record("accepted settings tuned under loo-499 for a holdout suite")
        } catch {
            #expect("\(error)".contains("s.yaml: hparams:") && "\(error)".contains("loo-499") && "\(error)".contains("bench tune --write"))
        }
    }
}
