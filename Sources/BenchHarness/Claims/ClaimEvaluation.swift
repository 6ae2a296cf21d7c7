import DistillKit

/// Checks claims against the records of a results directory.
///
/// Each scope pairs `left` and `right` by seed, so the seed-to-seed variation both sides share
/// (split, initialisation, the teacher) cancels out of the difference; the teacher side of a pair
/// is the teacher run of the same dataset and seed at the student's teacher dimension.  Only
/// finished runs of the claim's protocol count.
public enum ClaimEvaluation {
    public static func evaluate(_ claims: [Claim], runDirectory: String) throws -> [ClaimResult] {
        try evaluate(claims, records: ResultsStore(root: runDirectory).allRecords())
    }

    public static func evaluate(_ claims: [Claim], records: [RunRecord]) -> [ClaimResult] {
        claims.map { evaluate($0, records: records) }
    }

    public static func evaluate(_ claim: Claim, records: [RunRecord]) -> ClaimResult {
        let runs = records.filter { $0.status == .finished && $0.spec.evaluationProtocol == claim.evaluationProtocol }
        let datasets: [String]
        switch claim.datasets {
        case .every: datasets = Set(runs.map(\.spec.dataset.name)).sorted()
        case .named(let names): datasets = names
        }
        var scopes: [ClaimScopeResult] = []
        if datasets.isEmpty {
            scopes.append(.notRun("every dataset, \(claim.sizes.label)",
                                  reason: "no finished \(claim.evaluationProtocol.rawValue) runs in the directory"))
        }
        for dataset in datasets {
            let onDataset = runs.filter { $0.spec.dataset.name == dataset }
            let students = onDataset.filter {
                !$0.spec.isTeacher && [claim.left, claim.right].contains($0.spec.variant) && claim.sizes.contains($0.spec)
            }
            let dimensions = Set(students.map(\.spec.dimension)).sorted()
            if dimensions.isEmpty {
                let absent = [claim.left, claim.right].filter { m in m != MethodRegistry.teacherKey && !students.contains { $0.spec.variant == m } }
                scopes.append(.notRun("\(dataset), \(claim.sizes.label)", dataset: dataset,
                                      reason: absent.map { missing($0, at: claim.sizes.label) }.joined(separator: "; ")))
            }
            for dimension in dimensions {
                let phi = students.first { $0.spec.dimension == dimension }!.spec.phi
                scopes.append(compare(claim, "\(dataset), d\(dimension) (φ=\(phi))", dataset: dataset, dimension: dimension, runs: onDataset))
            }
        }
        return ClaimResult(claim: claim, verdict: ClaimVerdict.combine(scopes.map(\.verdict)), scopes: scopes)
    }

    /// One scope: the runs of one dataset at one student dimension.
    private static func compare(_ claim: Claim, _ scope: String, dataset: String, dimension: Int, runs: [RunRecord]) -> ClaimScopeResult {
        // Pairs are anchored on a student side's runs, whose spec names the teacher dimension.
        let anchorMethod = claim.left == MethodRegistry.teacherKey ? claim.right : claim.left
        let anchors = runs.filter { $0.spec.variant == anchorMethod && $0.spec.dimension == dimension }.sorted { $0.spec.seed < $1.spec.seed }
        func partner(_ method: String, of anchor: RunRecord) -> RunRecord? {
            if method == anchorMethod { return anchor }
            let size = method == MethodRegistry.teacherKey ? anchor.spec.teacherDimension : dimension
            return runs.first { $0.spec.variant == method && $0.spec.seed == anchor.spec.seed && $0.spec.dimension == size }
        }
        let absent = [claim.left, claim.right].filter { m in
            m == MethodRegistry.teacherKey
                ? !anchors.isEmpty && !anchors.contains { partner(m, of: $0) != nil }
                : !runs.contains { $0.spec.variant == m && $0.spec.dimension == dimension }
        }
        if !absent.isEmpty {
            return .notRun(scope, dataset: dataset, dimension: dimension,
                           reason: absent.map { missing($0, at: "d\(dimension)") }.joined(separator: "; "))
        }
        var seeds: [UInt64] = [], left: [Double] = [], right: [Double] = []
        for anchor in anchors {
            guard let l = partner(claim.left, of: anchor)?.test[claim.metric], let r = partner(claim.right, of: anchor)?.test[claim.metric],
                  l.isFinite, r.isFinite else { continue }
            seeds.append(anchor.spec.seed)
            left.append(l)
            right.append(r)
        }
        let test = PairedTTest.test(left, right)
        let (verdict, reason) = ClaimVerdict.decide(test, relation: claim.relation, rightMean: right.isEmpty ? .nan : Summary(right).mean)
        return ClaimScopeResult(scope: scope, dataset: dataset, dimension: dimension, verdict: verdict, reason: reason,
                                seeds: seeds, left: left, right: right, test: test.isComputable ? test : nil,
                                relativeEffect: test.isComputable ? test.meanDifference / Summary(right).mean : nil)
    }

    /// Says whether a method is merely not in this directory or not implemented yet.
    private static func missing(_ method: String, at size: String) -> String {
        if method == MethodRegistry.teacherKey { return "no finished `teacher` runs for the seeds at \(size)" }
        if !MethodRegistry.keys.contains(method) { return "`\(method)` is not a registered method yet" }
        return "no finished `\(method)` runs at \(size)"
    }
}
