import Foundation

/// Two-sided Welch t-test for two independent samples, on the difference of means `mean(a) - mean(b)`.
///
/// `bench compare` uses it across seeds when the runs of the two directories cannot be paired
/// (other seeds, or other splits for the same seed). Unlike Student's pooled test it does not
/// assume equal variances, which two differently-configured methods need not have.
///
/// The statistic is t = (x̄ₐ - x̄ᵦ) / √(sₐ²/nₐ + sᵦ²/nᵦ) and the p-value comes from Student's t with
/// the Welch–Satterthwaite degrees of freedom
/// ν = (sₐ²/nₐ + sᵦ²/nᵦ)² / ((sₐ²/nₐ)²/(nₐ-1) + (sᵦ²/nᵦ)²/(nᵦ-1)), which need not be an integer.
public enum WelchTTest {
    /// Runs the test. Each sample needs at least two values (a variance per side); otherwise, or
    /// with non-finite values, the result's `notComputableReason` says why and its statistics are
    /// NaN. When both samples are constant there is no spread to test against: equal means give
    /// t = 0 and p = 1, different means give t = ±∞ and p = 0, and ν is NaN (undefined).
    public static func test(_ a: [Double], _ b: [Double], confidenceLevel: Double = 0.95) -> WelchTTestResult {
        precondition(confidenceLevel > 0 && confidenceLevel < 1, "confidence level must be in (0, 1)")
        func notComputable(_ reason: String) -> WelchTTestResult {
            WelchTTestResult(
                sampleSizeA: a.count, sampleSizeB: b.count, meanA: .nan, meanB: .nan, standardDeviationA: .nan,
                standardDeviationB: .nan, standardError: .nan, t: .nan, degreesOfFreedom: .nan, pValue: .nan,
                confidenceLevel: confidenceLevel, confidenceLower: .nan, confidenceUpper: .nan, notComputableReason: reason)
        }
        if !(a + b).allSatisfy(\.isFinite) { return notComputable("samples contain NaN or infinite values") }
        if a.count < 2 || b.count < 2 {
            return notComputable("Welch's t-test needs at least 2 values per sample, got \(a.count) and \(b.count)")
        }
        let sa = Summary(a), sb = Summary(b)
        let varianceOfMeanA = sa.standardDeviation * sa.standardDeviation / Double(a.count)
        let varianceOfMeanB = sb.standardDeviation * sb.standardDeviation / Double(b.count)
        let squaredError = varianceOfMeanA + varianceOfMeanB
        let difference = sa.mean - sb.mean
        let standardError = squaredError.squareRoot()

        let t: Double, df: Double, pValue: Double, halfWidth: Double
        if squaredError == 0 {
            // Summary gives exactly zero spread for constant samples, so this is no rounding artefact.
            t = difference == 0 ? 0 : (difference > 0 ? .infinity : -.infinity)
            df = .nan
            pValue = difference == 0 ? 1 : 0
            halfWidth = 0
        } else {
            t = difference / standardError
            df = squaredError * squaredError
                / (varianceOfMeanA * varianceOfMeanA / Double(a.count - 1) + varianceOfMeanB * varianceOfMeanB / Double(b.count - 1))
            pValue = min(1, 2 * SpecialFunctions.studentTCDF(-abs(t), degreesOfFreedom: df))
            halfWidth = SpecialFunctions.studentTQuantile((1 + confidenceLevel) / 2, degreesOfFreedom: df) * standardError
        }
        return WelchTTestResult(
            sampleSizeA: a.count, sampleSizeB: b.count, meanA: sa.mean, meanB: sb.mean,
            standardDeviationA: sa.standardDeviation, standardDeviationB: sb.standardDeviation,
            standardError: standardError, t: t, degreesOfFreedom: df, pValue: pValue, confidenceLevel: confidenceLevel,
            confidenceLower: difference - halfWidth, confidenceUpper: difference + halfWidth, notComputableReason: nil)
    }
}

/// Outcome of `WelchTTest.test`. The difference is `a - b`, so positive `t` favours `a`.
///
/// A not-computable or constant-sample result holds NaNs or infinities; encode it with a
/// `JSONEncoder` whose `nonConformingFloatEncodingStrategy` is set.
public struct WelchTTestResult: Sendable, Codable {
    public let sampleSizeA: Int
    public let sampleSizeB: Int
    public let meanA: Double
    public let meanB: Double
    /// Sample standard deviations (n - 1 denominator).
    public let standardDeviationA: Double
    public let standardDeviationB: Double
    /// Standard error of the difference of means, √(sₐ²/nₐ + sᵦ²/nᵦ).
    public let standardError: Double
    public let t: Double
    /// Welch–Satterthwaite degrees of freedom (not an integer in general).
    public let degreesOfFreedom: Double
    /// Two-sided p-value.
    public let pValue: Double
    public let confidenceLevel: Double
    /// Bounds of the `confidenceLevel` interval for `meanA - meanB`.
    public let confidenceLower: Double
    public let confidenceUpper: Double
    /// Why no test could be run, or nil when the numbers above are meaningful.
    public let notComputableReason: String?

    public var meanDifference: Double { meanA - meanB }
    public var isComputable: Bool { notComputableReason == nil }
}
