import Foundation

/// Where computed teacher artefacts are kept between runs (the harness stores them next to the
/// cached teacher, checksummed).  `load` returns nil for a missing or damaged artefact.
public protocol ArtefactStore: Sendable {
    func load(_ name: String) -> [UInt8]?
    func save(_ name: String, _ bytes: [UInt8]) throws
}

/// What methods derive from one frozen teacher, computed once and shared by every method, size
/// and run that uses this teacher: its top-N unobserved items per user and top-N users per item
/// (training interactions excluded), or any other ranked lists a method names.  Each artefact is
/// keyed by its name, which spells out every parameter it depends on.
///
/// Lists are computed with the model's own `score` (no BLAS), so they are bit-identical for any
/// thread count and on any machine.
public final class TeacherArtefacts: @unchecked Sendable {
    public let teacher: any RankingModel
    public let train: Interactions
    let store: (any ArtefactStore)?
    let threads: Int
    private let lock = NSLock()
    private var memo: [String: RankedLists] = [:]
    private var spent: [String: Double] = [:]

    public init(teacher: any RankingModel, train: Interactions, store: (any ArtefactStore)? = nil, threads: Int = 1) {
        precondition(teacher.userCount == train.userCount && teacher.itemCount == train.itemCount)
        self.teacher = teacher
        self.train = train
        self.store = store
        self.threads = max(1, threads)
    }

    /// Seconds spent computing or loading each artefact in this process (a memoised artefact
    /// costs nothing the second time).
    public var seconds: [String: Double] { lock.withLock { spent } }

    /// The lists called `name`: memoised, else loaded from the store, else computed and stored.
    public func lists(_ name: String, compute: () throws -> RankedLists) throws -> RankedLists {
        lock.lock(); defer { lock.unlock() }
        if let m = memo[name] { return m }
        let start = Date()
        let lists: RankedLists
        if let bytes = store?.load(name), let loaded = RankedLists(serialized: bytes) {
            lists = loaded
        } else {
            lists = try compute()
            try store?.save(name, lists.serialized())
        }
        memo[name] = lists
        spent[name] = Date().timeIntervalSince(start)
        return lists
    }

    /// The teacher's `n` best-scored items of every user among the user's unobserved items.
    public func topItemsPerUser(_ n: Int) throws -> RankedLists {
        let membership = InteractionMembership(train)
        return try lists("top-items-per-user-unobserved-n\(n)") {
            RankedLists.top(rows: train.userCount, columns: train.itemCount, n: n, threads: threads) { u, i in
                membership.contains(user: u, item: i) ? -.infinity : self.teacher.score(user: u, item: Int(i))
            }
        }
    }

    /// The teacher's `n` best-scored users of every item among the users who did not interact
    /// with it.
    public func topUsersPerItem(_ n: Int) throws -> RankedLists {
        let membership = InteractionMembership(train)
        return try lists("top-users-per-item-unobserved-n\(n)") {
            RankedLists.top(rows: train.itemCount, columns: train.userCount, n: n, threads: threads) { i, u in
                membership.contains(user: Int(u), item: Int32(i)) ? -.infinity : self.teacher.score(user: Int(u), item: i)
            }
        }
    }
}
