import Foundation

/// `cd`: Collaborative Distillation, teacher-guided (CD-TG; Lee et al., ICDM 2019; no authors'
/// code).  Each epoch every user gets a set of unobserved items drawn by rank-aware sampling
/// (`RankAwareSampler`) from a reference ranking, and each batch adds
///
///     λ Σ_{unique batch users u} Σ_{sampled i} BCE(σ(s_ui), q_ui),   q_ui = σ((t_ui + T2) / T1),
///
/// to BPR, with t the teacher's logit.  The reference ranking is the only thing that differs
/// between the variants: the teacher's cached top-N list here, the student's current top-N in
/// `cd-sg` (`StudentGuidedCollaborativeDistillation`, which only overrides `reference`).
public class CollaborativeDistillation: DistillationMethod {
    /// Whose ranking the samples are drawn from (the soft targets always come from the teacher).
    public enum Reference: String, Sendable { case teacher, student }

    public class var key: String { "cd" }
    public class var summary: String {
        "collaborative distillation (teacher-guided): BCE to the teacher's softened probabilities on unobserved items sampled by the teacher's rank (Lee et al., ICDM 2019)"
    }
    public class var source: String { "Lee, Choi, Lee, Shim: Collaborative Distillation, ICDM 2019 (arXiv 1911.05276); no authors' code (soft target as woriazzc/KDs)" }
    public class var reference: Reference { .teacher }
    public static let requiresTeacher = true
    public static let defaults: [String: ConfigValue] = [
        "T1": .number(1), "T2": .number(1), "delta": .number(0.2), "max_samples": .number(100), "lambda": .number(0.5),
        "N": .number(500), "gamma": .number(10),
    ]

    public let hyperparameters: [String: ConfigValue]
    let scale: Double
    let shift: Double
    let ratio: Double
    let cap: Int
    let weight: Float
    let listLength: Int
    let gamma: Double
    var sampler: RankAwareSampler?
    var teacherLists: RankedLists?
    var membership: InteractionMembership?
    var draw: RowLists?
    /// q_ui of every drawn item, laid out as `draw.items`.
    var targets: [Float] = []

    public required init(hyperparameters: [String: ConfigValue]) throws {
        let h = try Self.resolve(hyperparameters)
        self.hyperparameters = h
        scale = try Self.number(h, "T1", in: 1e-6...1e9)
        shift = try Self.number(h, "T2", in: -1e9...1e9)
        ratio = try Self.number(h, "delta", in: 1e-9...1)
        cap = try Self.integer(h, "max_samples", in: 1...100_000)
        weight = Float(try Self.number(h, "lambda", in: 0...1e6))
        listLength = try Self.integer(h, "N", in: 1...100_000)
        gamma = try Self.number(h, "gamma", in: 0...1e9)
    }

    public var deviations: [String] {
        var out = [
            "soft target q = sigmoid((t + T2) / T1) as in the third-party woriazzc/KDs reimplementation; the paper's exact form (sign and placement of T2) is unverified",
            "the reference ranking is truncated to its top N = \(listLength) unobserved items: p(r) ∝ exp(-gamma r / |I_u^-|) is renormalised over those positions and items ranked below N are never sampled",
            "samples are drawn once per user per epoch, without replacement (successive sampling), min(max_samples, round(delta |I_u^-|)) of them; the paper does not say how often or whether with replacement",
            "base loss is BPR and the KD term is summed over the unique users of each batch (the paper pairs it with its reformulated point-wise CF loss on CDAE/Caser)",
        ]
        if Self.reference == .student {
            out.append("the student's ranking is recomputed once per epoch, before its first batch (as woriazzc/KDs); the paper re-ranks every step")
        }
        return out
    }

    public func prepare(_ context: DistillationContext) throws {
        let artefacts = try context.requireArtefacts(Self.key)
        sampler = RankAwareSampler(train: context.split.train, gamma: gamma, ratio: ratio, cap: cap)
        membership = InteractionMembership(context.split.train)
        if Self.reference == .teacher { teacherLists = try artefacts.topItemsPerUser(listLength) }
    }

    /// The reference ranking for this epoch: the teacher's cached list, or the student's top-N
    /// unobserved items by its own deterministic scorer.
    func referenceLists(_ context: DistillationContext) -> RankedLists? {
        switch Self.reference {
        case .teacher:
            return teacherLists
        case .student:
            guard let membership else { return nil }
            let student = context.student, train = context.split.train
            return RankedLists.top(rows: train.userCount, columns: train.itemCount, n: listLength, threads: context.threads) { u, i in
                membership.contains(user: u, item: i) ? -.infinity : student.score(user: u, item: Int(i))
            }
        }
    }

    public func beginEpoch(_ epoch: Int, _ context: DistillationContext) throws {
        guard let sampler, let lists = referenceLists(context), let teacher = context.teacher else { return }
        let d = sampler.draw(lists, epoch: epoch, seed: context.seed, purpose: "\(Self.key)/samples", threads: context.threads)
        // The teacher is frozen: its targets for the epoch's samples are computed once here.
        var q = [Float](repeating: 0, count: d.values.count)
        let (scale, shift, rows, piece) = (scale, shift, d.rows, 64)
        q.withUnsafeMutableBufferPointer { qp in
            let out = SendablePointer(qp.baseAddress!)
            ParallelLoop.forEach(pieces: (rows + piece - 1) / piece, threads: context.threads) { p in
                for u in (p * piece)..<min(rows, (p + 1) * piece) {
                    for k in 0..<Int(d.counts[u]) {
                        let t = teacher.score(user: u, item: Int(d.values[u * d.width + k]))
                        out.pointer[u * d.width + k] = Float(Self.softTarget(teacherLogit: Double(t), T1: scale, T2: shift))
                    }
                }
            }
        }
        draw = d
        targets = q
    }

    /// q = σ((t + T2) / T1).
    public static func softTarget(teacherLogit t: Double, T1: Double, T2: Double) -> Double {
        let z = (t + T2) / T1
        return z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))
    }

    /// BCE(σ(s), q) = -[q log σ(s) + (1 - q) log(1 - σ(s))] = softplus(s) - q s, and its
    /// derivative σ(s) - q, without overflow for any logit.
    public static func softBinaryCrossEntropy(logit s: Float, target q: Float) -> (loss: Double, gradient: Float) {
        let x = Double(s)
        let softplus = max(x, 0) + log1p(exp(-abs(x)))
        let sigma = x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))
        return (softplus - Double(q) * x, Float(sigma - Double(q)))
    }

    public func addLoss(_ batch: TrainingBatch, _ context: DistillationContext, gradients: inout ScoreGradients) -> Double {
        guard let draw else { return 0 }
        let (users, targets, student, weight) = (batch.uniqueUsers, targets, context.student, weight)
        let loss = RowParallelGradients.add(rows: users.count, threads: context.threads, entriesPerRow: draw.width, into: &gradients) { range, chunk in
            var loss = 0.0
            for u in users[range] {
                let base = Int(u) * draw.width
                for k in 0..<Int(draw.counts[Int(u)]) {
                    let item = draw.values[base + k]
                    let (l, d) = Self.softBinaryCrossEntropy(logit: student.score(user: Int(u), item: Int(item)), target: targets[base + k])
                    loss += l
                    chunk.append(user: u, item: item, weight * d)
                }
            }
            return loss
        }
        return Double(weight) * loss
    }
}

/// `cd-sg`: Collaborative Distillation, student-guided (CD-SG): `cd` with the samples drawn from
/// the student's own current ranking, recomputed every epoch.
public final class StudentGuidedCollaborativeDistillation: CollaborativeDistillation {
    override public class var key: String { "cd-sg" }
    override public class var summary: String {
        "collaborative distillation (student-guided): as cd, with unobserved items sampled by the student's current rank (Lee et al., ICDM 2019)"
    }
    override public class var reference: Reference { .student }
}
