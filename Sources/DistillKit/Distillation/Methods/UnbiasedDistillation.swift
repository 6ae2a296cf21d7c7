import Foundation

/// `unkd`: Unbiased Knowledge Distillation (Chen et al., WSDM 2023; authors' code
/// chengang95/UnKD, `sample.py` class `UnKD`).  Items are cut into G popularity groups of about
/// equal training mass (`PopularityGroups`); once, the teacher's top-N unobserved items of every
/// (user, group) are listed; every epoch each (user, group) gets n_g ordered pairs of list
/// positions drawn with p(r) ∝ exp(-(r+1)/T), so only orderings *inside* a popularity group are
/// distilled; each batch adds BPR on those pairs.
public final class UnbiasedDistillation: DistillationMethod {
    public static let key = "unkd"
    public static let summary = "unbiased distillation: the teacher's pairwise orderings inside popularity groups of equal interaction mass (Chen et al., WSDM 2023)"
    public static let source = "Chen, Chen, Feng, Zhou, He: UnKD, WSDM 2023 (arXiv 2211.14729); code github.com/chengang95/UnKD"
    public static let requiresTeacher = true
    public static let defaults: [String: ConfigValue] = [
        "G": .number(4), "pairs": .number(30), "N": .number(1000), "T": .number(20), "lambda": .number(1),
    ]

    public let hyperparameters: [String: ConfigValue]
    let groupCount: Int
    let listLength: Int
    let temperature: Double
    let weight: Float
    /// Pairs drawn per (user, group), by group.
    let pairsPerGroup: [Int]
    var sampler: UnbiasedPairSampler?
    var draw: UnbiasedPairSampler.Draw?

    public init(hyperparameters: [String: ConfigValue]) throws {
        let h = try Self.resolve(hyperparameters)
        self.hyperparameters = h
        groupCount = try Self.integer(h, "G", in: 1...100)
        let pairs = try Self.integer(h, "pairs", in: 1...10_000)
        listLength = try Self.integer(h, "N", in: 2...100_000)
        temperature = try Self.number(h, "T", in: 1e-3...1e9)
        weight = Float(try Self.number(h, "lambda", in: 0...1e6))
        pairsPerGroup = Self.quota(pairs: pairs, groups: groupCount)
    }

    /// The authors' equal quota (their group weight exponent `lamda` = 0): round(pairs / G) per
    /// group with Python's round (half to even), and one more for the first groups while the
    /// total is short of `pairs`.  G = 4, 30 pairs: 8 per group, 32 per user.
    static func quota(pairs: Int, groups: Int) -> [Int] {
        let each = Int((Double(pairs) / Double(groups)).rounded(.toNearestOrEven))
        let short = max(0, pairs - each * groups)
        return (0..<groups).map { each + ($0 < short ? 1 : 0) }
    }

    public var deviations: [String] {
        ["popularity groups: each group takes items (most popular first) while that brings its mass closer to its fair share of the interactions left, always giving exactly G groups; the code closes a group before the item that pushes it past total/G, merges a small tail and can end with another number of groups",
         "items with no training interaction come last in popularity order, so they are in the least popular group (the code leaves them out of every group and never distils them)",
         "a tied position pair is redrawn on its own rather than redrawing all of the (user, group)'s pairs, which gives the same distribution because pairs are independent; after \(UnbiasedPairSampler.redrawLimit) ties in a row the pair becomes the tied position and its neighbour (the code retries without a bound)",
         "a (user, group) list with fewer than 2 items gives no pairs and a user's loss is the mean over the pairs it has (the code loops forever or fails there)",
         "the loss is summed over the BPR batch rows (the mean over each row user's pairs), matching the scale of our summed BPR; the code averages over rows and adds it to a mean BPR, the same ratio",
         "-log sigma(x) is computed exactly (softplus) instead of -log(sigma(x) + 1e-10)",
         "only the equal per-group quota is implemented (the code's group weight exponent lamda at its default 0)"]
    }

    /// The teacher artefact's name: every parameter it depends on, including the group rule
    /// (bump "popgroups-v1" if `PopularityGroups`' cut rule ever changes).
    var listsName: String { "unkd-group-top-items-G\(groupCount)-n\(listLength)-unobserved-popgroups-v1" }

    public func prepare(_ context: DistillationContext) throws {
        let artefacts = try context.requireArtefacts(Self.key)
        let train = context.split.train
        let groups = PopularityGroups(train: train, groups: groupCount)
        let membership = InteractionMembership(train)
        let (teacher, g) = (artefacts.teacher, groupCount)
        let groupOf = groups.groupOfItem
        // Row u*G + g: user u's unobserved items of group g, best teacher score first.
        let lists = try artefacts.lists(listsName) {
            RankedLists.top(rows: train.userCount * g, columns: train.itemCount, n: listLength, threads: artefacts.threads) { r, i in
                let u = r / g
                return Int(groupOf[Int(i)]) != r % g || membership.contains(user: u, item: i) ? -.infinity : teacher.score(user: u, item: Int(i))
            }
        }
        sampler = UnbiasedPairSampler(lists: lists, groups: groupCount, pairsPerGroup: pairsPerGroup, temperature: temperature)
    }

    public func beginEpoch(_ epoch: Int, _ context: DistillationContext) throws {
        draw = sampler?.draw(epoch: epoch, seed: context.seed, purpose: "unkd/pairs", threads: context.threads)
    }

    /// λ Σ over batch rows k of mean_{(i,j) ∈ pairs(u_k)} -log σ(s_{u_k,i} - s_{u_k,j}).
    ///
    /// Why rows, duplicates counted: the authors add kd_weight × (mean over batch rows of each
    /// row user's mean pair loss) to the *mean* BPR over the same rows.  Our trainer *sums* BPR
    /// over the B rows, i.e. B × their base loss, so the same ratio needs B × their KD term: the
    /// sum over rows.  A user in c rows is computed once and counted c times.
    public func addLoss(_ batch: TrainingBatch, _ context: DistillationContext, gradients: inout ScoreGradients) -> Double {
        guard let draw else { return 0 }
        var rows: [Int32: Int] = [:]
        for u in batch.users { rows[u, default: 0] += 1 }
        let (users, student, weight) = (batch.uniqueUsers, context.student, weight)
        let counts = users.map { rows[$0]! }
        return RowParallelGradients.add(rows: users.count, threads: context.threads, entriesPerRow: 2 * draw.better.width, into: &gradients) { range, chunk in
            var loss = 0.0
            for q in range {
                let u = users[q]
                let (better, worse) = draw.pairs(Int(u))
                guard !better.isEmpty else { continue }
                let share = Float(counts[q]) / Float(better.count)
                var userLoss = 0.0
                for (i, j) in zip(better, worse) {
                    let x = student.score(user: Int(u), item: Int(i)) - student.score(user: Int(u), item: Int(j))
                    let (l, d) = PairwiseLogisticLoss.evaluate(difference: x)
                    userLoss += Double(l)
                    chunk.append(user: u, item: i, weight * share * d)
                    chunk.append(user: u, item: j, -weight * share * d)
                }
                loss += Double(weight) * Double(counts[q]) * userLoss / Double(better.count)
            }
            return loss
        }
    }
}

/// UnKD's per-epoch pairs for every user: for each group g, `pairsPerGroup[g]` pairs of positions
/// of the user's group-g list, each position drawn with replacement from p(r) ∝ exp(-(r+1)/T)
/// truncated to the list's length, ordered so the first is the teacher's better rank; a tied
/// pair is redrawn.
public struct UnbiasedPairSampler: Sendable {
    /// One epoch's pairs: user u's k-th pair is (better[u][k], worse[u][k]), items.
    public struct Draw: Sendable {
        public let better: RowLists
        public let worse: RowLists

        public func pairs(_ u: Int) -> (better: ArraySlice<Int32>, worse: ArraySlice<Int32>) { (better[u], worse[u]) }
    }

    /// Tied redraws allowed per pair: a tie needs both draws on one position, at most
    /// p_0² + p_1² ≈ 0.5 at T = 20 (a 2-item list), so 1000 ties in a row do not happen unless T
    /// is far below 1.
    public static let redrawLimit = 1000

    /// (user, group) lists: row u*G + g.
    public let lists: RankedLists
    public let groups: Int
    public let pairsPerGroup: [Int]
    /// Position samplers by list length (weights exp(-(r+1)/T), r < length).
    let samplers: [Int: CategoricalSampler]

    public init(lists: RankedLists, groups: Int, pairsPerGroup: [Int], temperature: Double) {
        precondition(lists.rows % groups == 0 && pairsPerGroup.count == groups)
        self.lists = lists
        self.groups = groups
        self.pairsPerGroup = pairsPerGroup
        let weights = (0..<lists.width).map { exp(-Double($0 + 1) / temperature) }
        var samplers: [Int: CategoricalSampler] = [:]
        for r in 0..<lists.rows {
            let n = lists.count(r)
            if n >= 2 && samplers[n] == nil { samplers[n] = CategoricalSampler(weights: Array(weights[0..<n])) }
        }
        self.samplers = samplers
    }

    /// An ordered pair of distinct positions (better rank first) from `sampler`.
    static func drawPair(_ sampler: CategoricalSampler, _ rng: inout RandomStream) -> (Int, Int) {
        var a = sampler.draw(&rng)
        for _ in 0..<redrawLimit {
            let b = sampler.draw(&rng)
            if a != b { return a < b ? (a, b) : (b, a) }
            a = sampler.draw(&rng)
        }
        return a + 1 < sampler.count ? (a, a + 1) : (a - 1, a)
    }

    /// Every user's pairs for `epoch`, from streams keyed by (seed, purpose, epoch, user, group):
    /// the same for any thread count.
    public func draw(epoch: Int, seed: UInt64, purpose: String, threads: Int) -> Draw {
        let width = pairsPerGroup.reduce(0, +)
        let drawn = RowLists.fill(rows: lists.rows / groups, widths: [width, width], threads: threads) { u in
            var better: [Int32] = [], worse: [Int32] = []
            for g in 0..<self.groups {
                let row = u * self.groups + g
                guard let sampler = self.samplers[self.lists.count(row)] else { continue }
                var rng = RandomStream(seed: seed, purpose: purpose, epoch, u, g)
                for _ in 0..<self.pairsPerGroup[g] {
                    let (x, y) = Self.drawPair(sampler, &rng)
                    better.append(self.lists.entry(row, x))
                    worse.append(self.lists.entry(row, y))
                }
            }
            return [better, worse]
        }
        return Draw(better: drawn[0], worse: drawn[1])
    }
}
