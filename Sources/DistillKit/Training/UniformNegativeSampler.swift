/// Draws an item uniformly from those a user has not interacted with in train, in a bounded
/// number of steps for any user.
///
/// Rejection sampling comes first: it is cheap and keeps the random stream every earlier result
/// was made with.  After `rejectionBudget` misses (a user holding nearly the whole catalogue) the
/// draw is exact by rank in the complement instead, so no loop can spin.  A user whose train items
/// cover the whole catalogue has no negative at all: `draw` returns nil and the trainer skips that
/// user's pairs (the run record says how many such users there were).
public struct UniformNegativeSampler: Sendable {
    public static let rejectionBudget = 64
    let train: Interactions
    let membership: InteractionMembership

    public init(_ train: Interactions) {
        self.train = train
        membership = InteractionMembership(train)
    }

    public func draw(user u: Int, _ rng: inout RandomStream) -> Int32? {
        let itemCount = train.itemCount
        let observed = train.degree(user: u)
        guard observed < itemCount else { return nil }
        for _ in 0..<Self.rejectionBudget {
            let j = Int32(rng.nextInt(below: itemCount))
            if !membership.contains(user: u, item: j) { return j }
        }
        // The k-th unobserved item: every observed item at or below the candidate pushes it up one.
        var j = rng.nextInt(below: itemCount - observed)
        for i in train.row(u) {
            if Int(i) <= j { j += 1 } else { break }
        }
        return Int32(j)
    }
}

extension Interactions {
    /// Users whose items cover the whole catalogue: they have no unobserved item to sample.
    public var saturatedUsers: [Int] { (0..<userCount).filter { degree(user: $0) >= itemCount } }
}
