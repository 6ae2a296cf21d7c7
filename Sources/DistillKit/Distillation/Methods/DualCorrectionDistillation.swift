import Foundation

/// `dcd`: Dual Correction Strategy for ranking distillation (Lee & Kim, CIKM 2021; authors' code
/// DCD_CIKM21 `run_dcd.py`).  The student is supervised only where it disagrees with the teacher.
/// Every `refresh_every` epochs (the first before epoch 1's batches) the student re-ranks each
/// user's teacher top-N items and each item's teacher top-N users within the list; entries it
/// ranks lower than the teacher are under-estimated, higher over-estimated.  Every batch, each
/// unique user draws p_n under-estimated items (teacher order) and p_n over-estimated ones, and
/// adds λ_U PL(under, over); each unique positive item does the same with its users and λ_I.
public final class DualCorrectionDistillation: DistillationMethod {
    public static let key = "dcd"
    public static let summary = "dual correction distillation: the student's under-estimated teacher top-N entries ranked above its over-estimated ones, user and item side (Lee & Kim, CIKM 2021; no released defaults)"
    public static let source = "Lee & Kim: DCD, CIKM 2021 (arXiv 2109.03459); code github.com/dudwns511/DCD_CIKM21"
    public static let requiresTeacher = true
    /// 2: corrections drawn from running sums (another use of the random stream, same law).
    public static let version = 2
    public static let defaults: [String: ConfigValue] = [
        "N": .number(500), "p_n": .number(40), "eps": .number(0.1),
        "lambda_U": .number(1e-3), "lambda_I": .number(1e-3), "refresh_every": .number(3),
    ]

    public let hyperparameters: [String: ConfigValue]
    let listLength: Int
    let drawCount: Int
    let epsilon: Double
    let userWeight: Float
    let itemWeight: Float
    let refreshEvery: Int
    var userSide: RankDiscrepancySampler?
    var itemSide: RankDiscrepancySampler?
    /// The epoch of the last discrepancy refresh (nil: none yet).
    var refreshedAt: Int?

    public init(hyperparameters: [String: ConfigValue]) throws {
        let h = try Self.resolve(hyperparameters)
        self.hyperparameters = h
        listLength = try Self.integer(h, "N", in: 1...100_000)
        drawCount = try Self.integer(h, "p_n", in: 1...listLength)
        epsilon = try Self.number(h, "eps", in: 1e-9...1e9)
        userWeight = Float(try Self.number(h, "lambda_U", in: 0...1e6))
        itemWeight = Float(try Self.number(h, "lambda_I", in: 0...1e6))
        refreshEvery = try Self.integer(h, "refresh_every", in: 1...100_000)
    }

    public var deviations: [String] {
        ["no released defaults (the authors' argument parser is not published): N=500 and a refresh every 3 epochs are the code's; p_n=40, eps=0.1 and lambda_U=lambda_I=1e-3 are chosen here (RRD's list size and lambda scale)",
         "a row with fewer than p_n positive under- (or over-) estimation weights uses all of them, a shorter list (D2; the code's torch.multinomial without replacement would fail there); a row with no discrepancy adds nothing",
         "corrections drawn by successive sampling (binary search on running sums of the weights, repeats redrawn), distributed exactly as the code's torch.multinomial without replacement",
         "students' ties within a list go to the better teacher position (the code's torch.argsort leaves tie order unspecified)",
         "the relaxed ranking loss is computed with log-sum-exp (the code exponentiates raw scores)",
         "the teacher's top-N lists exclude training interactions on both sides (the code's list files are not published; D3)",
         "the RRD samplers the code calls each epoch but never uses are skipped (D4)"]
    }

    public func prepare(_ context: DistillationContext) throws {
        let artefacts = try context.requireArtefacts(Self.key)
        userSide = RankDiscrepancySampler(side: .user, lists: try artefacts.topItemsPerUser(listLength), count: drawCount, epsilon: epsilon)
        itemSide = RankDiscrepancySampler(side: .item, lists: try artefacts.topUsersPerItem(listLength), count: drawCount, epsilon: epsilon)
        refreshedAt = nil
    }

    /// The code refreshes at 0-based epochs 0, 3, 6, ... before the batches: 1-based 1, 4, 7, ...
    /// An epoch entered without any refresh yet (a run that does not start at 1) refreshes too.
    public func beginEpoch(_ epoch: Int, _ context: DistillationContext) throws {
        guard refreshedAt == nil || (epoch - 1) % refreshEvery == 0, refreshedAt != epoch else { return }
        userSide?.refresh(context.student, threads: context.threads)
        itemSide?.refresh(context.student, threads: context.threads)
        refreshedAt = epoch
    }

    public func addLoss(_ batch: TrainingBatch, _ context: DistillationContext, gradients: inout ScoreGradients) -> Double {
        var loss = 0.0
        for (sampler, rows, weight, purpose) in [(userSide, batch.uniqueUsers, userWeight, "dcd/user-corrections"),
                                                 (itemSide, batch.uniquePositives, itemWeight, "dcd/item-corrections")] {
            guard let sampler, weight != 0 else { continue }
            let draw = sampler.draw(rows: rows, epoch: batch.epoch, batch: batch.index, seed: context.seed, purpose: purpose,
                                    threads: context.threads)
            loss += RelaxedRankingLoss.addRows(context.student, side: sampler.side, rows: rows, weight: weight, threads: context.threads,
                                               into: &gradients) { q, _ in
                // A row with nothing under- or over-estimated adds nothing.
                return draw.under.count(q) == 0 || draw.over.count(q) == 0 ? ([], []) : (draw.under[q], draw.over[q])
            }
        }
        return loss
    }
}
