import Foundation
import Testing
@testable import DistillKit

/// What every registered method must satisfy, checked over the registry so a new method is
/// covered the moment it is registered.
@Suite struct MethodConformanceTests {
    static var keys: [String] { MethodRegistry.keys }

    /// synthetic-tiny, its holdout split and a teacher trained for a few epochs (so its lists
    /// mean something), shared by the tests below.
    static let world: (Split, MatrixFactorization) = {
        let data = try! SyntheticGenerator(SyntheticGenerator.preset(named: "synthetic-tiny")!).generate()
        let split = try! Split.make(data, protocol: .holdout, seed: 3)
        var config = TrainingConfig()
        config.maxEpochs = 5
        config.evalEvery = 5
        config.learningRate = 0.01
        let teacher = MatrixFactorization(users: split.userCount, items: split.itemCount, dimension: 16, initStd: 0.1, seed: 3)
        _ = try! Trainer(config: config, seed: 3, threads: 1).train(teacher, split: split, method: StudentOnly(hyperparameters: [:]))
        return (split, teacher)
    }()

    @Test func keysAreUniqueAndDescribed() {
        #expect(Set(Self.keys).count == Self.keys.count)
        #expect(!Self.keys.contains(MethodRegistry.teacherKey))
        for t in MethodRegistry.all {
            #expect(!t.summary.isEmpty && !t.source.isEmpty, "\(t.key)")
            #expect(t.key.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" }, "\(t.key)")
        }
    }

    @Test(arguments: keys)
    func defaultsResolveAndUnknownNamesAreRefused(key: String) throws {
        let m = try MethodRegistry.make(key)
        #expect(m.hyperparameters == type(of: m).defaults)
        #expect(throws: MethodError.self) { try MethodRegistry.make(key, hyperparameters: ["no-such-setting": .number(1)]) }
    }

    /// One epoch: the loss is finite, the student's parameters move, and a method that needs a
    /// teacher trains a student different from the one `student` trains (its loss did something).
    static func oneEpoch(_ key: String, threads: Int) throws -> (loss: Double, model: MatrixFactorization) {
        let (split, teacher) = world
        ParallelKernel.forcedThreads = threads
        defer { ParallelKernel.forcedThreads = nil }
        let method = try MethodRegistry.make(key)
        var config = TrainingConfig()
        config.maxEpochs = 1
        config.learningRate = 0.01
        let model = MatrixFactorization(users: split.userCount, items: split.itemCount, dimension: 4, initStd: 0.1, seed: 5)
        let trainer = Trainer(config: config, seed: 5, threads: threads)
        let context = DistillationContext(student: model, teacher: type(of: method).requiresTeacher ? teacher : nil, split: split,
                                          seed: 5, threads: threads, training: config)
        try method.prepare(context)
        let loss = try Trainer.TrainingSession(trainer: trainer, model: model, split: split, method: method, context: context).runEpoch(1)
        return (loss, model)
    }

    @Test(arguments: keys)
    func oneEpochMovesTheStudentWithAFiniteLoss(key: String) throws {
        let (split, _) = Self.world
        let initial = MatrixFactorization(users: split.userCount, items: split.itemCount, dimension: 4, initStd: 0.1, seed: 5)
        let (loss, model) = try Self.oneEpoch(key, threads: 1)
        #expect(loss.isFinite && loss > 0)
        #expect(!model.userEmbedding.bitwiseEqual(initial.userEmbedding) && !model.itemEmbedding.bitwiseEqual(initial.itemEmbedding))
        if key == StudentOnly.key { return }
        let (baseLoss, base) = try Self.oneEpoch(StudentOnly.key, threads: 1)
        #expect(loss != baseLoss)
        #expect(!model.userEmbedding.bitwiseEqual(base.userEmbedding))
    }

    /// Same seed twice, and 1 vs 2 threads (every parallel kernel forced): bit-identical.
    @Test(arguments: keys)
    func bitIdenticalAcrossRunsAndThreads(key: String) throws {
        let (l1, a) = try Self.oneEpoch(key, threads: 1)
        let (l2, b) = try Self.oneEpoch(key, threads: 1)
        let (l3, c) = try Self.oneEpoch(key, threads: 2)
        #expect(l1.bitPattern == l2.bitPattern && l1.bitPattern == l3.bitPattern)
        for m in [b, c] {
            #expect(a.userEmbedding.bitwiseEqual(m.userEmbedding) && a.itemEmbedding.bitwiseEqual(m.itemEmbedding))
        }
    }

    /// The method's own loss against finite differences over the student's parameters: the
    /// gradient entries it appends are d(its loss)/d(score) (`MethodGradientWorld`).
    @Test(arguments: keys)
    func methodGradientMatchesFiniteDifferences(key: String) throws {
        let world = try MethodGradientWorld()
        let method = try MethodRegistry.make(key)
        let context = world.context(for: method)
        try method.prepare(context)
        try method.beginEpoch(3, context)
        let batch = world.batch(epoch: 3)
        var g = ScoreGradients()
        _ = method.addLoss(batch, context, gradients: &g)
        let analytic = world.analytic(g)
        if key != StudentOnly.key { #expect(analytic.scale > 0, "\(key): no gradient at all") }
        let bad = world.mismatches(analytic) {
            var scratch = ScoreGradients()
            return method.addLoss(batch, context, gradients: &scratch)
        }
        #expect(bad.isEmpty, "\(key): \(bad.prefix(5).joined(separator: "; "))")
    }
}
