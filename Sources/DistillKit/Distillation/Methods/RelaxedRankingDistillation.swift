import Foundation

/// `rrd`: Relaxed Ranking Distillation (Kang et al., CIKM 2020; authors' code DE-RRD_CIKM20).
/// Each epoch every user gets K interesting items from the teacher's top-N unobserved list
/// (positions drawn with p(r) ∝ exp(-r/T), kept in teacher order) and L uninteresting items
/// (uniform outside the train items and the top-N); each batch adds
/// λ Σ_{unique users} PL(interesting, uninteresting) to BPR.
public final class RelaxedRankingDistillation: DistillationMethod {
    public static let key = "rrd"
    public static let summary = "relaxed ranking distillation: the teacher's top items, sampled by rank, ranked above uninteresting ones (Kang et al., CIKM 2020)"
    public static let source = "Kang, Hwang, Kweon, Yu: DE-RRD, CIKM 2020 (arXiv 2012.04357); code github.com/SeongKu-Kang/DE-RRD_CIKM20"
    public static let requiresTeacher = true
    public static let defaults: [String: ConfigValue] = [
        "N": .number(500), "K": .number(40), "L": .number(40), "T": .number(10), "lambda": .number(1e-3),
    ]

    public let hyperparameters: [String: ConfigValue]
    var users: RelaxedRankingSide

    public init(hyperparameters: [String: ConfigValue]) throws {
        let h = try Self.resolve(hyperparameters)
        self.hyperparameters = h
        users = try RelaxedRankingSide(Self.self, h, side: .user, suffix: "", purpose: "rrd/user-lists")
    }

    public var deviations: [String] {
        ["interesting positions drawn by Gumbel-top-k, which is distributed exactly as the code's torch.multinomial without replacement",
         "the relaxed ranking loss is computed with log-sum-exp (the code exponentiates raw scores)",
         "the top-N list excludes training items (the code's list file is not published; the paper ranks unobserved items)"]
    }

    public func prepare(_ context: DistillationContext) throws {
        try users.prepare(context.requireArtefacts(Self.key), train: context.split.train)
    }

    public func beginEpoch(_ epoch: Int, _ context: DistillationContext) throws {
        users.beginEpoch(epoch, seed: context.seed, threads: context.threads)
    }

    public func addLoss(_ batch: TrainingBatch, _ context: DistillationContext, gradients: inout ScoreGradients) -> Double {
        users.loss(rows: batch.uniqueUsers, student: context.student, threads: context.threads, into: &gradients)
    }
}
