/// Items cut into G popularity groups of about equal training-interaction mass (UnKD's strata,
/// and the groups of the evaluator's per-group recall): group 0 holds the most popular items.
///
/// The cut rule, exactly:
/// 1. Items are ordered by training degree, descending, ties by item id ascending.
/// 2. Groups are filled in that order, one at a time.  Group g's target is its fair share of the
///    interactions not yet grouped, R_g / (G - g), where R_g = total - mass of groups 0..<g.
/// 3. The next item joins the open group g < G-1 when the group is still empty; otherwise it joins
///    only when taking it leaves the group's mass strictly closer to the target than stopping
///    before it (a tie closes the group).  Integer arithmetic: |(o+d)(G-g) - R_g| < |o(G-g) - R_g|.
/// 4. Group g < G-1 also closes when the items left are no more than the groups after it, so with
///    at least G items every group is non-empty; the last group takes the rest.
/// So a single item holding more than a group's share forms a group of its own and the rest is
/// shared evenly among the remaining groups; items never seen in training come last (last group).
/// (The authors' `splitGroup` closes a group before the item that pushes it past total/G, merges a
/// tail below half a share into the previous group, and can end with a number of groups other than
/// G; this rule always gives G groups, so per-group reports always have G columns.)
public struct PopularityGroups: Sendable, Equatable {
    /// G.
    public let count: Int
    /// Group (0 = most popular) of every item.
    public let groupOfItem: [Int32]
    /// Each group's items, most popular first.
    public let members: [[Int32]]
    /// Each group's training interactions (sum of its items' degrees).
    public let interactions: [Int]

    /// Groups from item degrees (`degrees[i]` = training interactions of item i).
    public init(degrees: [Int], groups: Int) {
        precondition(groups >= 1 && degrees.allSatisfy { $0 >= 0 })
        let order = degrees.indices.sorted { degrees[$0] != degrees[$1] ? degrees[$0] > degrees[$1] : $0 < $1 }
        var remaining = degrees.reduce(0, +)
        var group = [Int32](repeating: 0, count: degrees.count)
        var members = [[Int32]](repeating: [], count: groups)
        var mass = [Int](repeating: 0, count: groups)
        var g = 0
        for (position, item) in order.enumerated() {
            let d = degrees[item]
            if g < groups - 1 && !members[g].isEmpty {
                let shareOf = groups - g
                let itemsLeft = order.count - position
                let closer = abs((mass[g] + d) * shareOf - remaining) < abs(mass[g] * shareOf - remaining)
                if !closer || itemsLeft <= groups - 1 - g {
                    remaining -= mass[g]
                    g += 1
                }
            }
            group[item] = Int32(g)
            members[g].append(Int32(item))
            mass[g] += d
        }
        count = groups
        groupOfItem = group
        self.members = members
        interactions = mass
    }

    /// Groups of the items of a training set.
    public init(train: Interactions, groups: Int) {
        self.init(degrees: train.itemDegrees(), groups: groups)
    }

    @inlinable public func group(of item: Int32) -> Int { Int(groupOfItem[Int(item)]) }
}

extension PopularityGroups {
    /// Recall at `k` inside each group for one user: (held-out items of group g in the top k) /
    /// (held-out items of group g), NaN for a group the user has no held-out item in.
    public func recall(_ ranked: ArraySlice<Int32>, targets: Set<Int32>, k: Int) -> [Double] {
        var held = [Int](repeating: 0, count: count), hits = held
        for t in targets { held[group(of: t)] += 1 }
        for i in ranked.prefix(k) where targets.contains(i) { hits[group(of: i)] += 1 }
        return (0..<count).map { held[$0] > 0 ? Double(hits[$0]) / Double(held[$0]) : .nan }
    }
}
