import Foundation

/// Two-sided paired Student t-test on the differences `a[i] - b[i]`, e.g. the same metric for
/// two methods over shared seeds or users.
///
/// Complements `WilcoxonSignedRankTest`: the t-test is about the mean difference and comes with a
/// confidence interval in metric units, which is what a claim like "+0.8 NDCG points" needs.
public enum PairedTTest {
    /// Runs the test. `a` and `b` must have the same length (pairs are matched by index).
    /// `confidenceLevel` sets the interval, e.g. 0.95; it must lie strictly between 0 and 1.
    ///
    /// Fewer than two pairs or non-finite differences give a result whose
    /// `notComputableReason` says why and whose statistics are NaN. When all differences are
    /// equal there is no spread to test against: a nonzero difference gives p = 0 and a
    /// zero-width interval, a zero difference gives t = 0 and p = 1.
    public static func test(_ a: [Double], _ b: [Double], confidenceLevel: Double = 0.95) -> TTestResult {
        precondition(a.count == b.count, "paired samples must have the same length (\(a.count) vs \(b.count))")
        precondition(confidenceLevel > 0 && confidenceLevel < 1, "confidence level must be in (0, 1)")
        let differences = zip(a, b).map { $0 - $1 }
        let n = differences.count
        if !differences.allSatisfy(\.isFinite) {
            return .notComputable(n: n, confidenceLevel: confidenceLevel, reason: "differences contain NaN or infinite values")
        }
        if n < 2 {
            return .notComputable(n: n, confidenceLevel: confidenceLevel, reason: "a paired t-test needs at least 2 pairs, got \(n)")
        }
        let summary = Summary(differences)
        let df = n - 1
        let t: Double
        let pValue: Double
        let halfWidth: Double
        let cohensDz: Double
        if summary.standardDeviation == 0 {
            t = summary.mean == 0 ? 0 : (summary.mean > 0 ? .infinity : -.infinity)
            pValue = summary.mean == 0 ? 1 : 0
            halfWidth = 0
            // Same limit as t: no difference at all is "no effect", a constant shift is unbounded.
            cohensDz = t
        } else {
            t = summary.mean / summary.standardError
            cohensDz = summary.mean / summary.standardDeviation
            pValue = min(1, 2 * SpecialFunctions.studentTCDF(-abs(t), degreesOfFreedom: Double(df)))
            let upperQuantile = SpecialFunctions.studentTQuantile((1 + confidenceLevel) / 2, degreesOfFreedom: Double(df))
            halfWidth = upperQuantile * summary.standardError
        }
        return TTestResult(
            sampleSize: n,
            meanDifference: summary.mean,
            standardDeviation: summary.standardDeviation,
            standardError: summary.standardError,
            t: t,
            degreesOfFreedom: df,
            pValue: pValue,
            confidenceLevel: confidenceLevel,
            confidenceLower: summary.mean - halfWidth,
            confidenceUpper: summary.mean + halfWidth,
            cohensDz: cohensDz,
            notComputableReason: nil)
    }
}

/// Outcome of `PairedTTest.test`. Differences are `a - b`, so positive values favour `a`.
///
/// Zero-variance results carry infinite `t` and `cohensDz`; encode with a `JSONEncoder` whose
/// `nonConformingFloatEncodingStrategy` is set, as for the NaNs of a not-computable result.
public struct TTestResult: Sendable, Codable {
    /// Number of pairs.
    public let sampleSize: Int
    public let meanDifference: Double
    /// Sample standard deviation of the differences.
    public let standardDeviation: Double
    /// Standard error of the mean difference.
    public let standardError: Double
    public let t: Double
    /// n - 1 (0 when there are no pairs).
    public let degreesOfFreedom: Int
    /// Two-sided p-value.
    public let pValue: Double
    public let confidenceLevel: Double
    /// Bounds of the `confidenceLevel` interval for the mean difference.
    public let confidenceLower: Double
    public let confidenceUpper: Double
    /// Standardised effect size for paired data: mean difference / standard deviation of differences.
    public let cohensDz: Double
    /// Why no test could be run, or nil when the numbers above are meaningful.
    public let notComputableReason: String?

    public var isComputable: Bool { notComputableReason == nil }

    fileprivate static func notComputable(n: Int, confidenceLevel: Double, reason: String) -> TTestResult {
        TTestResult(
            sampleSize: n, meanDifference: .nan, standardDeviation: .nan, standardError: .nan,
            t: .nan, degreesOfFreedom: max(n - 1, 0), pValue: .nan, confidenceLevel: confidenceLevel,
            confidenceLower: .nan, confidenceUpper: .nan, cohensDz: .nan, notComputableReason: reason)
    }
}
