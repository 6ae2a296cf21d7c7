/// The verdict on one claim: overall, and per scope (dataset and student size) with the numbers
/// behind it, so the scorecard can be re-checked from the JSON alone.
public struct ClaimResult: Codable, Sendable {
    public let claim: Claim
    /// `ClaimVerdict.combine` of the scope verdicts.
    public let verdict: ClaimVerdict
    public let scopes: [ClaimScopeResult]
}

/// One (dataset, student size) cell of a claim.
public struct ClaimScopeResult: Codable, Sendable {
    /// "ml-100k, d20 (φ=0.1)"; for a claim without runs, what it would have covered.
    public let scope: String
    /// Nil when the claim has no runs to name a dataset or size from.
    public let dataset: String?
    public let dimension: Int?
    public let verdict: ClaimVerdict
    /// Why a scope is inconclusive or not run.
    public let reason: String?
    /// Paired seeds and the metric of each side, in seed order.
    public let seeds: [UInt64]
    public let left: [Double]
    public let right: [Double]
    /// Paired t-test of `left - right` (nil below two pairs, where it cannot be computed).
    public let test: TTestResult?
    /// Mean difference relative to the mean of `right` (0.05 = +5%); nil without a test.
    public let relativeEffect: Double?

    static func notRun(_ scope: String, dataset: String? = nil, dimension: Int? = nil, reason: String) -> ClaimScopeResult {
        ClaimScopeResult(scope: scope, dataset: dataset, dimension: dimension, verdict: .notRun, reason: reason,
                         seeds: [], left: [], right: [], test: nil, relativeEffect: nil)
    }
}
