import Foundation

/// Two-sided Wilcoxon signed-rank test for paired samples, on the differences `a[i] - b[i]`.
///
/// The benchmark's default significance test: per-user metric differences are skewed and
/// bounded, so a rank test is safer than assuming normal differences.
///
/// Procedure:
/// - Zero differences are dropped before ranking (Wilcoxon's original method, as in R and
///   scipy's default); `WilcoxonResult.zeroDifferenceCount` records how many.
/// - |d| is ranked with average ranks for ties. Ties and zeros are detected by exact equality,
///   so callers that want near-equal metric values to tie should round them first.
/// - When the remaining `sampleSize` is at most `exactMaximumSampleSize` and no |d| is tied, the
///   p-value comes from the exact null distribution of W+ (all 2^n sign patterns equally likely,
///   counted by dynamic programming). The threshold is scipy's (R uses n < 50); counts stay below 2^53 so
///   the enumeration is exact in `Double`.
/// - Otherwise (larger samples, or ties, whose mid-ranks the exact table does not cover) the
///   normal approximation is used, with the tie-corrected variance
///   n(n+1)(2n+1)/24 - Σ(t³ - t)/48 and a continuity correction of 0.5 towards the mean.
public enum WilcoxonSignedRankTest {
    /// Largest number of nonzero differences for which the exact distribution is used.
    public static let exactMaximumSampleSize = 50

    /// Runs the test. `a` and `b` must have the same length (pairs are matched by index).
    /// Non-finite differences give a result whose `notComputableReason` says so; no nonzero
    /// differences give p = 1.
    public static func test(_ a: [Double], _ b: [Double]) -> WilcoxonResult {
        precondition(a.count == b.count, "paired samples must have the same length (\(a.count) vs \(b.count))")
        let differences = zip(a, b).map { $0 - $1 }
        if !differences.allSatisfy(\.isFinite) {
            return WilcoxonResult(
                pairCount: differences.count, zeroDifferenceCount: 0, sampleSize: 0,
                positiveRankSum: .nan, negativeRankSum: .nan, statistic: .nan, hasTies: false,
                z: .nan, pValue: .nan, method: nil, rankBiserialCorrelation: .nan,
                notComputableReason: "differences contain NaN or infinite values")
        }
        let nonzero = differences.filter { $0 != 0 }
        let n = nonzero.count

        // Average ranks of |d|, plus Σ(t³ - t) over tie groups for the variance correction.
        let order = nonzero.indices.sorted { abs(nonzero[$0]) < abs(nonzero[$1]) }
        var ranks = [Double](repeating: 0, count: n)
        var tieSum = 0.0
        var groupStart = 0
        while groupStart < n {
            var groupEnd = groupStart
            while groupEnd + 1 < n, abs(nonzero[order[groupEnd + 1]]) == abs(nonzero[order[groupStart]]) {
                groupEnd += 1
            }
            // Positions groupStart...groupEnd hold ranks groupStart+1 ... groupEnd+1.
            let averageRank = Double(groupStart + groupEnd) / 2 + 1
            for position in groupStart...groupEnd { ranks[order[position]] = averageRank }
            let size = Double(groupEnd - groupStart + 1)
            tieSum += size * size * size - size
            groupStart = groupEnd + 1
        }

        var positiveRankSum = 0.0
        var negativeRankSum = 0.0
        for (difference, rank) in zip(nonzero, ranks) {
            if difference > 0 { positiveRankSum += rank } else { negativeRankSum += rank }
        }
        let statistic = min(positiveRankSum, negativeRankSum)
        let hasTies = tieSum > 0

        let nDouble = Double(n)
        let nullMean = nDouble * (nDouble + 1) / 4
        let nullVariance = nDouble * (nDouble + 1) * (2 * nDouble + 1) / 24 - tieSum / 48
        let deviation = positiveRankSum - nullMean
        let correctedDeviation = max(abs(deviation) - 0.5, 0)
        let z = n == 0 ? 0 : (deviation < 0 ? -1 : 1) * correctedDeviation / nullVariance.squareRoot()

        let method: WilcoxonResult.Method
        let pValue: Double
        if !hasTies && n <= exactMaximumSampleSize {
            method = .exact
            // W+ is symmetric about its mean under H0, so the two-sided p doubles the lower tail of min(W+, W-).
            pValue = min(1, 2 * exactLowerTail(Int(statistic), sampleSize: n))
        } else {
            method = .normalApproximation
            pValue = min(1, 2 * SpecialFunctions.normalCDF(-abs(z)))
        }

        let totalRankSum = positiveRankSum + negativeRankSum
        return WilcoxonResult(
            pairCount: differences.count,
            zeroDifferenceCount: differences.count - n,
            sampleSize: n,
            positiveRankSum: positiveRankSum,
            negativeRankSum: negativeRankSum,
            statistic: statistic,
            hasTies: hasTies,
            z: z,
            pValue: pValue,
            method: method,
            rankBiserialCorrelation: n == 0 ? 0 : (positiveRankSum - negativeRankSum) / totalRankSum,
            notComputableReason: nil)
    }

    /// P(W+ ≤ w) under H0 for n untied ranks 1...n. `ways[s]` counts the subsets of the ranks
    /// seen so far that sum to s; only sums up to w matter, so the table stops there.
    private static func exactLowerTail(_ w: Int, sampleSize n: Int) -> Double {
        var ways = [Double](repeating: 0, count: w + 1)
        ways[0] = 1
        if n > 0 {
            for rank in 1...n where rank <= w {
                for sum in stride(from: w, through: rank, by: -1) {
                    ways[sum] += ways[sum - rank]
                }
            }
        }
        return ways.reduce(0, +) / pow(2, Double(n))
    }
}

/// Outcome of `WilcoxonSignedRankTest.test`. Differences are `a - b`, so W+ > W-, a positive
/// `z` and a positive `rankBiserialCorrelation` all mean `a` tends to be larger.
///
/// A not-computable result holds NaNs; encode it with a `JSONEncoder` whose
/// `nonConformingFloatEncodingStrategy` is set.
public struct WilcoxonResult: Sendable, Codable {
    /// How the p-value was obtained.
    public enum Method: String, Sendable, Codable {
        case exact
        case normalApproximation
    }

    /// Number of input pairs.
    public let pairCount: Int
    /// Pairs with a - b == 0, dropped before ranking.
    public let zeroDifferenceCount: Int
    /// Pairs actually ranked: `pairCount - zeroDifferenceCount`.
    public let sampleSize: Int
    /// W+, the sum of ranks of positive differences.
    public let positiveRankSum: Double
    /// W-, the sum of ranks of negative differences.
    public let negativeRankSum: Double
    /// min(W+, W-), the classic two-sided statistic T.
    public let statistic: Double
    /// Whether some |d| values were tied (which forces the normal approximation).
    public let hasTies: Bool
    /// Normal score of W+ with tie and continuity corrections; reported for every method.
    public let z: Double
    /// Two-sided p-value.
    public let pValue: Double
    /// nil only when the result is not computable.
    public let method: Method?
    /// Matched-pairs rank-biserial correlation (W+ - W-) / (W+ + W-), in [-1, 1]; 0 when there are no nonzero differences.
    public let rankBiserialCorrelation: Double
    /// Why no test could be run, or nil when the numbers above are meaningful.
    public let notComputableReason: String?

    public var isComputable: Bool { notComputableReason == nil }
}
