import Foundation

/// `ir-rrd`: Item-side Ranking Regularized Distillation (Kang et al., Information Sciences
/// 2021; authors' code IR-RRD_INS21 + DE-RRD_CIKM20 `LOO_IR_RRD_run`).  RRD on the user side,
/// plus the same relaxed ranking loss on the item side: every epoch each item gets K_I
/// interesting users from the teacher's top-N users of the item (p(r) ∝ exp(-r/T_I), teacher
/// order) and L_I uninteresting users; each batch applies it to the items of the batch users'
/// RRD lists (interesting ∪ uninteresting), as the authors' loop does, not to the BPR items.
public final class ItemSideRelaxedRankingDistillation: DistillationMethod {
    public static let key = "ir-rrd"
    public static let summary = "RRD plus an item-side relaxed ranking of each item's top users as a regulariser (Kang et al., Inf. Sci. 2021)"
    public static let source = "Kang, Hwang, Kweon, Yu: IR-RRD, Information Sciences 580, 2021; code github.com/SeongKu-Kang/IR-RRD_INS21"
    public static let requiresTeacher = true
    public static let defaults: [String: ConfigValue] = RelaxedRankingDistillation.defaults.merging([
        "N_I": .number(500), "K_I": .number(20), "L_I": .number(20), "T_I": .number(10), "lambda_I": .number(5e-4),
    ]) { a, _ in a }

    public let hyperparameters: [String: ConfigValue]
    /// The user side is RRD itself, held as a part (same hyperparameter names).
    let userSide: RelaxedRankingDistillation
    var items: RelaxedRankingSide

    public init(hyperparameters: [String: ConfigValue]) throws {
        let h = try Self.resolve(hyperparameters)
        self.hyperparameters = h
        userSide = try RelaxedRankingDistillation(hyperparameters: h.filter { RelaxedRankingDistillation.defaults[$0.key] != nil })
        items = try RelaxedRankingSide(Self.self, h, side: .item, suffix: "_I", purpose: "ir-rrd/item-lists")
    }

    public var deviations: [String] {
        userSide.deviations + ["the item-side top-N users exclude the item's training users (as the user side excludes training items)"]
    }

    public func prepare(_ context: DistillationContext) throws {
        try userSide.prepare(context)
        try items.prepare(context.requireArtefacts(Self.key), train: context.split.train)
    }

    public func beginEpoch(_ epoch: Int, _ context: DistillationContext) throws {
        try userSide.beginEpoch(epoch, context)
        items.beginEpoch(epoch, seed: context.seed, threads: context.threads)
    }

    public func addLoss(_ batch: TrainingBatch, _ context: DistillationContext, gradients: inout ScoreGradients) -> Double {
        let loss = userSide.addLoss(batch, context, gradients: &gradients)
        guard let userDraw = userSide.users.draw else { return loss }
        // B_I: the items of the batch users' lists, each once, in order of first appearance.
        var seen = [Bool](repeating: false, count: context.student.itemCount), rows: [Int32] = []
        for u in batch.uniqueUsers {
            for list in [userDraw.interesting[Int(u)], userDraw.uninteresting[Int(u)]] {
                for i in list where !seen[Int(i)] { seen[Int(i)] = true; rows.append(i) }
            }
        }
        return loss + items.loss(rows: rows, student: context.student, threads: context.threads, into: &gradients)
    }
}
