/// One side of relaxed ranking distillation (RRD's users, IR-RRD's items): its settings, read from
/// a method's hyperparameters with a name suffix ("" for N, K, L, T, lambda; "_I" for N_I, ...),
/// its sampler over the teacher's top-N lists of that side, and this epoch's draw.
struct RelaxedRankingSide {
    let side: RelaxedRankingLoss.Side
    let listLength: Int
    let interesting: Int
    let uninteresting: Int
    let temperature: Double
    let weight: Float
    /// The stream purpose of this side's draws.
    let purpose: String
    var sampler: RelaxedRankingSampler?
    var draw: RelaxedRankingSampler.Draw?

    init<M: DistillationMethod>(_ method: M.Type, _ h: [String: ConfigValue], side: RelaxedRankingLoss.Side, suffix: String,
                                purpose: String) throws {
        self.side = side
        self.purpose = purpose
        listLength = try M.integer(h, "N\(suffix)", in: 1...100_000)
        interesting = try M.integer(h, "K\(suffix)", in: 1...listLength)
        uninteresting = try M.integer(h, "L\(suffix)", in: 0...100_000)
        temperature = try M.number(h, "T\(suffix)", in: 1e-6...1e9)
        weight = Float(try M.number(h, "lambda\(suffix)", in: 0...1e6))
    }

    /// The teacher's top-N lists of this side (training interactions excluded) and their sampler.
    mutating func prepare(_ artefacts: TeacherArtefacts, train: Interactions) throws {
        let lists = side == .user ? try artefacts.topItemsPerUser(listLength) : try artefacts.topUsersPerItem(listLength)
        sampler = RelaxedRankingSampler(side: side, lists: lists, train: train, interesting: interesting,
                                        uninteresting: uninteresting, temperature: temperature)
    }

    mutating func beginEpoch(_ epoch: Int, seed: UInt64, threads: Int) {
        draw = sampler?.draw(epoch: epoch, seed: seed, purpose: purpose, threads: threads)
    }

    /// λ Σ_rows PL(interesting, uninteresting) of this epoch's draw over the student's scores.
    func loss(rows: [Int32], student: any RankingModel, threads: Int, into gradients: inout ScoreGradients) -> Double {
        guard let draw else { return 0 }
        return RelaxedRankingLoss.addRows(student, side: side, rows: rows, weight: weight, threads: threads, into: &gradients) { _, r in
            (draw.interesting[Int(r)], draw.uninteresting[Int(r)])
        }
    }
}
