import Testing
@testable import DistillKit

@Suite struct DeterminismTests {
    /// Every parallel kernel is made to use exactly `threads`, whatever its size threshold says,
    /// so the parallel paths are the ones compared.
    func trainOnce(threads: Int) throws -> (MatrixFactorization, TrainingOutcome, EvaluationResult) {
        ParallelKernel.forcedThreads = threads
        defer { ParallelKernel.forcedThreads = nil }
        let data = try SyntheticGenerator(SyntheticGenerator.preset(named: "synthetic-tiny")!).generate()
        let split = try Split.make(data, protocol: .holdout, seed: 7)
        var config = TrainingConfig()
        config.maxEpochs = 6
        config.evalEvery = 2
        config.learningRate = 0.01
        config.batchSize = 256
        let model = MatrixFactorization(users: split.userCount, items: split.itemCount, dimension: 12, initStd: 0.1, seed: 7)
        let outcome = try Trainer(config: config, seed: 7, threads: threads).train(model, split: split, method: StudentOnly(hyperparameters: [:]))
        let eval = Evaluator(split: split).evaluate(model, part: .test, threads: threads, keepTopK: true)
        return (model, outcome, eval)
    }

    /// Same seed, 1 vs 2 threads: bit-identical parameters, learning curve and test results.
    @Test func oneAndTwoThreadsAreBitIdentical() throws {
        let (m1, o1, e1) = try trainOnce(threads: 1)
        let (m2, o2, e2) = try trainOnce(threads: 2)
        #expect(m1.userEmbedding.bitwiseEqual(m2.userEmbedding))
        #expect(m1.itemEmbedding.bitwiseEqual(m2.itemEmbedding))
        #expect(o1.curve == o2.curve)
        #expect(e1.perUser.map(\.bitPattern) == e2.perUser.map(\.bitPattern))
        #expect(e1.topK == e2.topK)
        #expect(o1.bestValidation > 0)
    }

    @Test func streamsAreKeyedByPurposeAndIndex() {
        var a = RandomStream(seed: 1, purpose: "x", 0), b = RandomStream(seed: 1, purpose: "x", 0)
        var c = RandomStream(seed: 1, purpose: "x", 1), d = RandomStream(seed: 1, purpose: "y", 0)
        let va = (0..<4).map { _ in a.next() }
        #expect(va == (0..<4).map { _ in b.next() })
        #expect(va != (0..<4).map { _ in c.next() })
        #expect(va != (0..<4).map { _ in d.next() })
    }

    @Test func syntheticPresetIsStable() throws {
        let p = SyntheticGenerator.preset(named: "synthetic-tiny")!
        let a = try SyntheticGenerator(p).generate(), b = try SyntheticGenerator(p).generate()
        #expect(a.contentHash == b.contentHash)
        #expect(a.userCount == 300 && a.itemCount == 500)
        #expect((0..<a.userCount).allSatisfy { a.degree(user: $0) >= 5 })
    }

    /// A finite but runaway loss (here 1e16 per batch from a method) fails the run as diverged.
    @Test func aRunawayLossFailsTheRun() throws {
        final class Runaway: DistillationMethod {
            static let key = "runaway"
            static let summary = "test"
            static let source = "test"
            static let requiresTeacher = false
            static let defaults: [String: ConfigValue] = [:]
            let hyperparameters: [String: ConfigValue] = [:]
            init(hyperparameters: [String: ConfigValue]) throws {}
            func addLoss(_ batch: TrainingBatch, _ context: DistillationContext, gradients: inout ScoreGradients) -> Double { 1e16 }
        }
        let data = try SyntheticGenerator(SyntheticGenerator.preset(named: "synthetic-tiny")!).generate()
        let split = try Split.make(data, protocol: .holdout, seed: 1)
        var config = TrainingConfig()
        config.maxEpochs = 3
        let model = MatrixFactorization(users: split.userCount, items: split.itemCount, dimension: 4, initStd: 0.1, seed: 1)
        let outcome = try Trainer(config: config, seed: 1, threads: 1).train(model, split: split, method: Runaway(hyperparameters: [:]))
        #expect(outcome.status == .failed)
        #expect(outcome.failure?.contains("mean loss per pair") == true && outcome.failure?.contains("lower the learning rate") == true)
    }
}
