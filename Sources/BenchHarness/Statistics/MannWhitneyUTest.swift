import Foundation

/// Two-sided Mann–Whitney U test (Wilcoxon rank-sum) for two independent samples.
///
/// `bench compare` uses it across users when runs cannot be paired: without a shared split the
/// same user id does not mean the same test items, so per-user values are compared as two
/// samples rather than as pairs.
///
/// Procedure:
/// - Both samples are ranked together with average ranks for ties (exact equality, as in
///   `WilcoxonSignedRankTest`). U of `a` = (rank sum of `a`) - nₐ(nₐ+1)/2, which counts the pairs
///   (x from `a`, y from `b`) with x > y, plus one half per tie; U of `b` = nₐnᵦ - U of `a`.
/// - With no ties and both samples at most `exactMaximumSampleSize`, the p-value comes from the
///   exact null distribution of U (every assignment of ranks to the samples equally likely),
///   counted by dynamic programming: p = 2·P(U ≤ min(Uₐ, Uᵦ)), capped at 1.
/// - Otherwise the normal approximation with mean nₐnᵦ/2, tie-corrected variance
///   nₐnᵦ/12 · ((n+1) - Σ(t³-t)/(n(n-1))) and a continuity correction of 0.5 towards the mean.
///   `z` is reported for every method. This is scipy's `mannwhitneyu(method='asymptotic')`
///   and R's `wilcox.test(correct = TRUE)` with ties.
public enum MannWhitneyUTest {
    /// Largest sample (on either side) for which the exact distribution is used. Its table has
    /// (nᵦ+1)·(nₐnᵦ/2+1) entries, small at 50; beyond that the normal approximation is close.
    public static let exactMaximumSampleSize = 50

    /// Runs the test. Empty samples or non-finite values give a result whose
    /// `notComputableReason` says so.
    public static func test(_ a: [Double], _ b: [Double]) -> MannWhitneyResult {
        let na = a.count, nb = b.count
        func notComputable(_ reason: String) -> MannWhitneyResult {
            MannWhitneyResult(sampleSizeA: na, sampleSizeB: nb, rankSumA: .nan, u: .nan, hasTies: false, z: .nan,
                              pValue: .nan, method: nil, rankBiserialCorrelation: .nan, notComputableReason: reason)
        }
        if !(a + b).allSatisfy(\.isFinite) { return notComputable("samples contain NaN or infinite values") }
        if na == 0 || nb == 0 { return notComputable("the Mann-Whitney U test needs at least 1 value per sample, got \(na) and \(nb)") }

        // Average ranks over the pooled sample; indices below `na` belong to `a`.
        let pooled = a + b
        let n = pooled.count
        let order = pooled.indices.sorted { pooled[$0] < pooled[$1] }
        var rankSumA = 0.0
        var tieSum = 0.0
        var groupStart = 0
        while groupStart < n {
            var groupEnd = groupStart
            while groupEnd + 1 < n, pooled[order[groupEnd + 1]] == pooled[order[groupStart]] { groupEnd += 1 }
            let averageRank = Double(groupStart + groupEnd) / 2 + 1
            for position in groupStart...groupEnd where order[position] < na { rankSumA += averageRank }
            let size = Double(groupEnd - groupStart + 1)
            tieSum += size * size * size - size
            groupStart = groupEnd + 1
        }
        let product = Double(na) * Double(nb)
        let u = rankSumA - Double(na) * Double(na + 1) / 2
        let hasTies = tieSum > 0

        let nDouble = Double(n)
        let nullMean = product / 2
        // n ≥ 2 here, so n(n-1) > 0; the variance is 0 only when every value is equal.
        let nullVariance = product / 12 * ((nDouble + 1) - tieSum / (nDouble * (nDouble - 1)))
        let deviation = u - nullMean
        let z = nullVariance > 0 ? (deviation < 0 ? -1 : 1) * max(abs(deviation) - 0.5, 0) / nullVariance.squareRoot() : 0

        let method: MannWhitneyResult.Method
        let pValue: Double
        if !hasTies && na <= exactMaximumSampleSize && nb <= exactMaximumSampleSize {
            method = .exact
            // U is symmetric about its mean under H0, so the two-sided p doubles the lower tail of min(Uₐ, Uᵦ).
            pValue = min(1, 2 * exactLowerTail(Int(min(u, product - u)), na, nb))
        } else {
            method = .normalApproximation
            pValue = min(1, 2 * SpecialFunctions.normalCDF(-abs(z)))
        }
        return MannWhitneyResult(
            sampleSizeA: na, sampleSizeB: nb, rankSumA: rankSumA, u: u, hasTies: hasTies, z: z, pValue: pValue,
            method: method, rankBiserialCorrelation: (u - (product - u)) / product, notComputableReason: nil)
    }

    /// P(U ≤ w) under H0 for samples of sizes m and n without ties.
    ///
    /// c(i, j, u), the number of orderings of i values of one sample and j of the other with U = u,
    /// satisfies c(i, j, u) = c(i-1, j, u-j) + c(i, j-1, u): the largest value either belongs to
    /// the first sample and beats all j others, or to the second and beats none. Rolling over i
    /// keeps one (n+1)×(w+1) layer. Counts are exact in `Double` below 2^53 and, being sums of
    /// positive terms, keep their relative precision above it.
    private static func exactLowerTail(_ w: Int, _ m: Int, _ n: Int) -> Double {
        let width = w + 1
        // layer[j * width + u] = c(i, j, u); for i = 0 only u = 0 is possible.
        var layer = [Double](repeating: 0, count: (n + 1) * width)
        for j in 0...n { layer[j * width] = 1 }
        if m > 0 {
            for _ in 1...m {
                var next = [Double](repeating: 0, count: (n + 1) * width)
                next[0] = 1
                if n > 0 {
                    for j in 1...n {
                        for u in 0..<width {
                            next[j * width + u] = next[(j - 1) * width + u] + (u >= j ? layer[j * width + u - j] : 0)
                        }
                    }
                }
                layer = next
            }
        }
        let favourable = layer[(n * width)..<((n + 1) * width)].reduce(0, +)
        // C(m+n, m) built up as C(n+k, k) = C(n+k-1, k-1)·(n+k)/k: every partial value is an integer,
        // so this is exact while below 2^53.
        var total = 1.0
        if m > 0 { for k in 1...m { total = total * Double(n + k) / Double(k) } }
        return favourable / total
    }
}

/// Outcome of `MannWhitneyUTest.test`. A positive `z` and a positive `rankBiserialCorrelation`
/// mean `a` tends to be larger than `b`.
///
/// A not-computable result holds NaNs; encode it with a `JSONEncoder` whose
/// `nonConformingFloatEncodingStrategy` is set.
public struct MannWhitneyResult: Sendable, Codable {
    /// How the p-value was obtained.
    public enum Method: String, Sendable, Codable {
        case exact
        case normalApproximation
    }

    public let sampleSizeA: Int
    public let sampleSizeB: Int
    /// Sum of the pooled (average) ranks of `a`.
    public let rankSumA: Double
    /// U of `a`: pairs with the `a` value larger, ties counting one half (scipy's statistic).
    public let u: Double
    /// Whether any two pooled values were equal (which forces the normal approximation).
    public let hasTies: Bool
    /// Normal score of U with tie and continuity corrections; reported for every method.
    public let z: Double
    /// Two-sided p-value.
    public let pValue: Double
    /// nil only when the result is not computable.
    public let method: Method?
    /// (Uₐ - Uᵦ) / (nₐnᵦ) = 2Uₐ/(nₐnᵦ) - 1, in [-1, 1]; formed as a difference so swapping the
    /// samples negates it exactly.
    public let rankBiserialCorrelation: Double
    /// Why no test could be run, or nil when the numbers above are meaningful.
    public let notComputableReason: String?

    /// U of `b`, nₐnᵦ - U of `a`.
    public var uB: Double { Double(sampleSizeA) * Double(sampleSizeB) - u }
    public var isComputable: Bool { notComputableReason == nil }
}
