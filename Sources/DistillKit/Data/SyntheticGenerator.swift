import Foundation

/// A deterministic generator of implicit-feedback data with real latent structure.
///
/// Mixed-membership topic model: items belong to `topics` topics, which are grouped into
/// `themes`; each user mixes a few themes and, inside them, a few topics; an interaction picks
/// a topic from the user's mixture, then an item from that topic with power-law popularity
/// (or, with probability `globalShare`, an item by global power-law popularity).  User
/// activity is power-law too.  Coarse structure (themes, popularity) is learnable by a small
/// model; the fine structure (hundreds of topics) needs a large one, which is what leaves
/// room for distillation.  Everything comes from `RandomStream`s keyed by the preset's seed,
/// so a preset is the same data on every machine.
public struct SyntheticGenerator: Sendable {
    public struct Preset: Sendable, Hashable {
        public let name: String
        public let users: Int
        public let items: Int
        public let interactions: Int
        public let topics: Int
        public let themes: Int
        public let topicsPerUser: Int
        public let popularityExponent: Double
        public let activityExponent: Double
        public let globalShare: Double
        public let minPerUser: Int
        public let seed: UInt64
        public let shapeOf: String
    }

    public static let presets: [Preset] = [
        Preset(name: "synthetic-tiny", users: 300, items: 500, interactions: 9_000, topics: 20, themes: 4,
               topicsPerUser: 3, popularityExponent: 0.8, activityExponent: 0.5, globalShare: 0.15,
               minPerUser: 5, seed: 11, shapeOf: "a CI-sized toy"),
        Preset(name: "synthetic-citeulike", users: 5_220, items: 25_182, interactions: 130_000, topics: 120, themes: 12,
               topicsPerUser: 3, popularityExponent: 1.0, activityExponent: 0.5, globalShare: 0.1,
               minPerUser: 5, seed: 12, shapeOf: "CiteULike (Kang et al.: 5,220 x 25,182)"),
        Preset(name: "synthetic-gowalla", users: 29_858, items: 40_981, interactions: 1_027_370, topics: 800, themes: 40,
               topicsPerUser: 4, popularityExponent: 0.8, activityExponent: 0.5, globalShare: 0.1,
               minPerUser: 5, seed: 13, shapeOf: "Gowalla (LightGCN split: 29,858 x 40,981, ~1.03M)"),
    ]

    public static func preset(named name: String) -> Preset? { presets.first { $0.name == name } }

    public let preset: Preset
    /// Part of the identity of every run on a synthetic dataset: bump it when the generator changes.
    public static let version = 1

    public init(_ preset: Preset) { self.preset = preset }

    public func generate() throws -> Interactions {
        let p = preset
        let s = p.seed
        // Items -> topics (uniform), popularity ranks inside each topic and globally.
        var rng = RandomStream(seed: s, purpose: "synthetic/item-topics")
        var topicItems = [[Int32]](repeating: [], count: p.topics)
        for i in 0..<p.items { topicItems[rng.nextInt(below: p.topics)].append(Int32(i)) }
        for t in 0..<p.topics where topicItems[t].isEmpty { topicItems[t].append(Int32(t % p.items)) }
        var topicSamplers: [PowerLawSampler] = []
        for t in 0..<p.topics {
            var r = RandomStream(seed: s, purpose: "synthetic/topic-popularity", t)
            r.shuffle(&topicItems[t])
            topicSamplers.append(PowerLawSampler(count: topicItems[t].count, exponent: p.popularityExponent))
        }
        var globalOrder = (0..<Int32(p.items)).map { $0 }
        var gr = RandomStream(seed: s, purpose: "synthetic/global-popularity")
        gr.shuffle(&globalOrder)
        let global = PowerLawSampler(count: p.items, exponent: p.popularityExponent)
        // Topics -> themes.
        let topicsPerTheme = max(1, p.topics / p.themes)
        // User activity: power law over a random user order, scaled to the interaction budget.
        var order = (0..<p.users).map { $0 }
        var ar = RandomStream(seed: s, purpose: "synthetic/activity")
        ar.shuffle(&order)
        var weights = [Double](repeating: 0, count: p.users)
        for (rank, u) in order.enumerated() { weights[u] = pow(Double(rank + 1), -p.activityExponent) }
        let total = weights.reduce(0, +)
        let budget = Double(p.interactions - p.minPerUser * p.users)
        let cap = max(p.minPerUser, p.items / 4)
        var pairs: [(Int32, Int32)] = []
        pairs.reserveCapacity(p.interactions + p.users)
        for u in 0..<p.users {
            var ur = RandomStream(seed: s, purpose: "synthetic/user", u)
            let n = min(cap, p.minPerUser + Int((budget * weights[u] / total).rounded()))
            // The user's themes (1-2) and topics inside them, with Dirichlet-like weights.
            let themeCount = 1 + (ur.nextDouble() < 0.4 ? 1 : 0)
            var userTopics: [Int] = []
            var topicWeights: [Double] = []
            for _ in 0..<themeCount {
                let theme = ur.nextInt(below: p.themes)
                for _ in 0..<p.topicsPerUser {
                    userTopics.append(min(p.topics - 1, theme * topicsPerTheme + ur.nextInt(below: topicsPerTheme)))
                    topicWeights.append(-_log(max(ur.nextDouble(), 1e-12)))   // Exp(1): Dirichlet(1) after normalising
                }
            }
            let wsum = topicWeights.reduce(0, +)
            var seen = Set<Int32>()
            var attempts = 0
            while seen.count < n && attempts < 50 * n {
                attempts += 1
                let item: Int32
                if ur.nextDouble() < p.globalShare {
                    item = globalOrder[global.sample(&ur)]
                } else {
                    var x = ur.nextDouble() * wsum
                    var k = 0
                    while k < topicWeights.count - 1 && x >= topicWeights[k] { x -= topicWeights[k]; k += 1 }
                    let t = userTopics[k]
                    item = topicItems[t][topicSamplers[t].sample(&ur)]
                }
                seen.insert(item)
            }
            for i in seen.sorted() { pairs.append((Int32(u), i)) }
        }
        return Interactions(userIDs: (0..<p.users).map(String.init), itemIDs: (0..<p.items).map(String.init), codedPairs: &pairs)
    }
}

/// Samples ranks 0..<count with P(r) proportional to (r+1)^-exponent by inverting the CDF.
struct PowerLawSampler: Sendable {
    let cdf: [Double]
    init(count: Int, exponent: Double) {
        var c = [Double](repeating: 0, count: count)
        var s = 0.0
        for r in 0..<count { s += pow(Double(r + 1), -exponent); c[r] = s }
        cdf = c.map { $0 / s }
    }
    func sample(_ rng: inout RandomStream) -> Int {
        let x = rng.nextDouble()
        var lo = 0, hi = cdf.count - 1
        while lo < hi { let m = (lo + hi) / 2; if cdf[m] <= x { lo = m + 1 } else { hi = m } }
        return lo
    }
}
