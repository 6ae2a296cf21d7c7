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
    let listLength: Int
    let interesting: Int
    let uninteresting: Int
    let temperature: Double
    let weight: Float
    var sampler: RelaxedRankingSampler?
    var draw: RelaxedRankingSampler.Draw?

    public init(hyperparameters: [String: ConfigValue]) throws {
        let h = try Self.resolve(hyperparameters)
        self.hyperparameters = h
        listLength = try Self.integer(h, "N", in: 1...100_000)
        interesting = try Self.integer(h, "K", in: 1...listLength)
        uninteresting = try Self.integer(h, "L", in: 0...100_000)
        temperature = try Self.number(h, "T", in: 1e-6...1e9)
        weight = Float(try Self.number(h, "lambda", in: 0...1e6))
    }

    public var deviations: [String] {
        ["interesting positions drawn by Gumbel-top-k, which is distributed exactly as the code's torch.multinomial without replacement",
         "the relaxed ranking loss is computed with log-sum-exp (the code exponentiates raw scores)",
         "the top-N list excludes training items (the code's list file is not published; the paper ranks unobserved items)"]
    }

    public func prepare(_ context: DistillationContext) throws {
        let lists = try context.requireArtefacts(Self.key).topItemsPerUser(listLength)
        sampler = RelaxedRankingSampler(side: .user, lists: lists, train: context.split.train, interesting: interesting,
                                        uninteresting: uninteresting, temperature: temperature)
    }

    public func beginEpoch(_ epoch: Int, _ context: DistillationContext) throws {
        draw = sampler?.draw(epoch: epoch, seed: context.seed, purpose: "rrd/user-lists", threads: context.threads)
    }

    public func addLoss(_ batch: TrainingBatch, _ context: DistillationContext, gradients: inout ScoreGradients) -> Double {
        guard let draw else { return 0 }
        var loss = 0.0
        for u in batch.uniqueUsers {
            loss += RelaxedRankingLoss.add(context.student, side: .user, fixed: u, list: draw.interesting(Int(u)),
                                           below: draw.uninteresting(Int(u)), weight: weight, into: &gradients)
        }
        return loss
    }
}
