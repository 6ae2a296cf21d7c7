/// What the runs say about a claim.
public enum ClaimVerdict: String, Codable, Sendable, Hashable {
    /// Significant in the claimed direction.
    case reproduced
    /// Significant in the opposite direction.
    case notReproduced = "not reproduced"
    /// Too few seeds, or not significant: more runs could still settle it.
    case inconclusive
    /// A method, dataset, size or protocol of the claim has no finished runs in the directory.
    case notRun = "not run"

    /// Seeds below this are too few to call: a t-test on 2 pairs has 1 degree of freedom.
    public static let minimumSeeds = 3
    /// Two-sided significance level of the paired t-test.
    public static let alpha = 0.05

    /// "No worse" (`>=`) allows `left` to fall short of `right` by this share of `right`'s mean.
    public static let nonInferiorityMargin = 0.01

    /// The verdict of one scope from the paired test of `left - right` over seeds, with the reason
    /// an inconclusive verdict gets.  `>=` is a non-inferiority test on the same interval:
    /// reproduced when the whole 95% interval of the difference lies above -margin × right's mean
    /// (a one-sided test at 2.5%), not reproduced when it lies below zero and reaches past the
    /// margin, inconclusive otherwise.
    static func decide(_ test: TTestResult, relation: Claim.Relation, rightMean: Double = .nan) -> (ClaimVerdict, reason: String?) {
        if test.sampleSize < minimumSeeds { return (.inconclusive, "n seeds \(test.sampleSize) < \(minimumSeeds)") }
        if relation == .noWorse {
            guard test.isComputable, rightMean.isFinite else { return (.inconclusive, test.notComputableReason ?? "no mean to set the margin against") }
            let margin = nonInferiorityMargin * abs(rightMean)
            if test.confidenceLower > -margin { return (.reproduced, nil) }
            if test.confidenceUpper < 0 && test.confidenceLower <= -margin { return (.notReproduced, nil) }
            return (.inconclusive, String(format: "interval [%.4g, %.4g] neither clears -%.4g nor lies below 0", test.confidenceLower, test.confidenceUpper, margin))
        }
        guard test.pValue < alpha else { return (.inconclusive, "not significant") }
        let claimedSign = relation == .greater ? 1.0 : -1.0
        return test.meanDifference * claimedSign > 0 ? (.reproduced, nil) : (.notReproduced, nil)
    }

    /// A claim over several scopes (datasets, sizes) holds only if it holds in every one, so a
    /// single contrary scope refutes it and anything short of all reproduced leaves it open.
    ///
    /// This intersection-union rule is also why scopes are not corrected for multiplicity: calling
    /// the claim reproduced needs every scope significant at `alpha`, which keeps the claim's own
    /// error rate at `alpha`.
    static func combine(_ verdicts: [ClaimVerdict]) -> ClaimVerdict {
        if verdicts.allSatisfy({ $0 == .notRun }) { return .notRun }
        if verdicts.contains(.notReproduced) { return .notReproduced }
        if verdicts.allSatisfy({ $0 == .reproduced }) { return .reproduced }
        return .inconclusive
    }
}
