/// The evaluation protocols of protocol.md §2.  Results of different protocols are never mixed.
public enum EvaluationProtocol: String, Codable, Sendable, CaseIterable {
    case holdout
    case loo499 = "loo-499"

    /// The metric that selects the checkpoint on validation.
    public var selectionMetric: String { self == .holdout ? "ndcg@20" : "ndcg@10" }
    public var cutoffs: [Int] { self == .holdout ? [10, 20, 50] : [5, 10, 20] }
    public var metricNames: [String] { self == .holdout ? ["recall", "ndcg"] : ["hr", "ndcg", "mrr"] }
    /// Every reported metric key, e.g. "recall@10".
    public var metricKeys: [String] {
        metricNames.flatMap { m in cutoffs.map { "\(m)@\($0)" } }
    }
}

/// A train / validation / test split of one dataset under one protocol and seed.
public struct Split: Sendable {
    public static let looNegatives = 499

    public let evaluationProtocol: EvaluationProtocol
    public let seed: UInt64
    public let train: Interactions
    public let valid: Interactions
    public let test: Interactions
    /// LOO-499 only: `looNegatives` sampled unobserved items per user (row-major); empty for holdout.
    public let candidates: [Int32]
    /// SHA-256 over "part:user:ascending,item,ids" lines (internal ids), train then valid then test
    /// (then candidates).  For holdout this is the digest of research/perf-anchors.md §1.
    public let hash: String

    public var userCount: Int { train.userCount }
    public var itemCount: Int { train.itemCount }

    /// A split with at least one user to validate and test on; a dataset where no user has the
    /// 3 interactions that takes is an error, never a run that reports zeros.
    public static func make(_ data: Interactions, protocol p: EvaluationProtocol, seed: UInt64) throws -> Split {
        let split: Split
        switch p {
        case .holdout: split = holdout(data, seed: seed, stream: RandomStream(seed: seed, purpose: "split/holdout"))
        case .loo499: split = try leaveOneOut(data, seed: seed)
        }
        guard !split.evaluatedUsers(split.test).isEmpty else {
            throw DataError.invalid("no user has the 3 or more interactions needed for a train, a validation and a test item, so nothing can be evaluated (\(data.userCount) users, \(data.count) interactions); use more data or a lower k_core")
        }
        return split
    }

    /// Holdout: for each user in ascending order, from one stream, shuffle the user's ascending
    /// item list (Fisher-Yates from the end); the first part trains, then validation, then test.
    /// Test and validation get floor(10%) each but at least one item; users with fewer than 3
    /// interactions stay train-only and are not evaluated.
    public static func holdout(_ data: Interactions, seed: UInt64, stream: RandomStream) -> Split {
        var rng = stream
        var tr: [[Int32]] = [], va: [[Int32]] = [], te: [[Int32]] = []
        for u in 0..<data.userCount {
            var a = Array(data.row(u))
            let n = a.count
            rng.shuffle(&a)
            if n < 3 { tr.append(a); va.append([]); te.append([]); continue }
            let nTest = max(1, n / 10), nValid = max(1, n / 10)
            let nTrain = n - nTest - nValid
            tr.append(Array(a[0..<nTrain]))
            va.append(Array(a[nTrain..<(nTrain + nValid)]))
            te.append(Array(a[(nTrain + nValid)...]))
        }
        return Split(data, .holdout, seed, tr, va, te, [])
    }

    /// LOO-499: per user two random held-out positives (validation, test) and 499 negatives drawn
    /// once, without replacement, from the user's unobserved items.  Users with fewer than 3
    /// interactions stay train-only.
    static func leaveOneOut(_ data: Interactions, seed: UInt64) throws -> Split {
        let need = looNegatives
        var tr: [[Int32]] = [], va: [[Int32]] = [], te: [[Int32]] = []
        var candidates = [Int32](repeating: -1, count: data.userCount * need)
        var seen = [Bool](repeating: false, count: data.itemCount)
        for u in 0..<data.userCount {
            var rng = RandomStream(seed: seed, purpose: "split/loo", u)
            var a = Array(data.row(u))
            rng.shuffle(&a)
            if a.count < 3 { tr.append(a); va.append([]); te.append([]); continue }
            va.append([a[0]]); te.append([a[1]]); tr.append(Array(a[2...]))
            let unobserved = data.itemCount - a.count
            guard unobserved >= need else {
                throw DataError.invalid("loo-499 needs \(need) unobserved items per user; user \(data.userIDs[u]) has \(unobserved) (dataset too small: use holdout)")
            }
            for i in data.row(u) { seen[Int(i)] = true }
            var drawn: [Int32] = []
            drawn.reserveCapacity(need)
            // Rejection first (the stream every earlier split used); past a budget that only a
            // nearly full row exhausts, a bounded draw from the explicit complement.
            var attempts = 0
            while drawn.count < need && attempts < 64 * need {
                attempts += 1
                let j = rng.nextInt(below: data.itemCount)
                if !seen[j] { seen[j] = true; drawn.append(Int32(j)) }
            }
            if drawn.count < need {
                var rest = (0..<data.itemCount).filter { !seen[$0] }.map { Int32($0) }
                for k in 0..<(need - drawn.count) {
                    rest.swapAt(k, k + rng.nextInt(below: rest.count - k))
                    seen[Int(rest[k])] = true
                    drawn.append(rest[k])
                }
            }
            drawn.sort()
            for (k, j) in drawn.enumerated() { candidates[u * need + k] = j; seen[Int(j)] = false }
            for i in data.row(u) { seen[Int(i)] = false }
        }
        return Split(data, .loo499, seed, tr, va, te, candidates)
    }

    private init(_ data: Interactions, _ p: EvaluationProtocol, _ seed: UInt64,
                 _ tr: [[Int32]], _ va: [[Int32]], _ te: [[Int32]], _ candidates: [Int32]) {
        evaluationProtocol = p
        self.seed = seed
        train = Interactions(userIDs: data.userIDs, itemIDs: data.itemIDs, rows: tr)
        valid = Interactions(userIDs: data.userIDs, itemIDs: data.itemIDs, rows: va)
        test = Interactions(userIDs: data.userIDs, itemIDs: data.itemIDs, rows: te)
        self.candidates = candidates
        var h = SHA256()
        for (name, part) in [("train", train), ("valid", valid), ("test", test)] {
            for u in 0..<part.userCount {
                h.update("\(name):\(u):\(part.row(u).map(String.init).joined(separator: ","))\n")
            }
        }
        if !candidates.isEmpty {
            for u in 0..<data.userCount {
                h.update("candidates:\(u):\(candidates[(u * Split.looNegatives)..<((u + 1) * Split.looNegatives)].map(String.init).joined(separator: ","))\n")
            }
        }
        hash = h.hexDigest()
    }

    /// Users with at least one target item in `part`.
    public func evaluatedUsers(_ part: Interactions) -> [Int] {
        (0..<part.userCount).filter { part.degree(user: $0) > 0 }
    }
}
