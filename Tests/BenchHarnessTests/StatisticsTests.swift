import Foundation
import Testing

@testable import BenchHarness

// Reference values marked "scipy" were computed with scipy 1.10.1 (/usr/bin/python3), e.g.
// `stats.t.sf`, `stats.ttest_rel`, `stats.wilcoxon(..., mode=...)`, `special.betainc`; values
// marked "mpmath" with mpmath at 30 digits (`betainc(..., regularized=True)`, `findroot` on it),
// used wherever scipy 1.10 itself is only good to ~1e-11 (its `stats.t.ppf` gives 2.2281388519649385
// for t_{0.975,10}, the true value is 2.2281388519862747). Values marked "hand" are derived in the
// comment next to them.

private func isClose(_ actual: Double, _ expected: Double, relativeTolerance: Double = 1e-9) -> Bool {
    abs(actual - expected) <= relativeTolerance * max(abs(expected), 1e-300)
}

@Suite struct SpecialFunctionsTests {
    @Test func normalCDF() {
        #expect(SpecialFunctions.normalCDF(0) == 0.5)
        // scipy: stats.norm.cdf(-1), stats.norm.cdf(-8); 1.959963984540054 is the 0.975 quantile.
        #expect(isClose(SpecialFunctions.normalCDF(-1), 0.15865525393145707, relativeTolerance: 1e-14))
        #expect(isClose(SpecialFunctions.normalCDF(-8), 6.22096057427174e-16, relativeTolerance: 1e-12))
        #expect(isClose(SpecialFunctions.normalCDF(1.959963984540054), 0.975, relativeTolerance: 1e-14))
    }

    @Test func regularizedIncompleteBeta() {
        // hand: I_x(1, 1) = x and I_x(a, 1) = x^a; I_0.5(a, a) = 1/2 by symmetry.
        #expect(isClose(SpecialFunctions.regularizedIncompleteBeta(a: 1, b: 1, x: 0.3), 0.3, relativeTolerance: 1e-13))
        #expect(isClose(SpecialFunctions.regularizedIncompleteBeta(a: 3, b: 1, x: 0.5), 0.125, relativeTolerance: 1e-13))
        #expect(isClose(SpecialFunctions.regularizedIncompleteBeta(a: 7.5, b: 7.5, x: 0.5), 0.5, relativeTolerance: 1e-13))
        // hand: I_0.4(2, 3) = Σ_{j=2..4} C(4,j) 0.4^j 0.6^(4-j) = 0.3456 + 0.1536 + 0.0256 = 0.5248.
        #expect(isClose(SpecialFunctions.regularizedIncompleteBeta(a: 2, b: 3, x: 0.4), 0.5248, relativeTolerance: 1e-13))
        // mpmath: betainc(0.5, 7.5, 0, 0.9) and betainc(200, 300, 0, 0.38), regularized.
        #expect(isClose(SpecialFunctions.regularizedIncompleteBeta(a: 0.5, b: 7.5, x: 0.9), 0.99999999328971034789, relativeTolerance: 1e-14))
        #expect(isClose(SpecialFunctions.regularizedIncompleteBeta(a: 200, b: 300, x: 0.38), 0.18093001184220379577, relativeTolerance: 1e-11))
        #expect(SpecialFunctions.regularizedIncompleteBeta(a: 2, b: 3, x: 0) == 0)
        #expect(SpecialFunctions.regularizedIncompleteBeta(a: 2, b: 3, x: 1) == 1)
        #expect(SpecialFunctions.regularizedIncompleteBeta(a: 2, b: 3, x: 1.5).isNaN)
    }

    @Test func studentTCDF() {
        // scipy: 2 * stats.t.sf(2.0, 10) = 0.07338803477074039.
        #expect(isClose(2 * SpecialFunctions.studentTCDF(-2, degreesOfFreedom: 10), 0.07338803477074039))
        // hand: df = 1 is Cauchy, F(1) = 1/2 + atan(1)/π = 0.75;
        // df = 2 has F(t) = 1/2 + t / (2 sqrt(2 + t²)), so F(1.5) = 0.5 + 1.5 / (2 sqrt(4.25)) = 0.8638034375544996.
        #expect(isClose(SpecialFunctions.studentTCDF(1, degreesOfFreedom: 1), 0.75, relativeTolerance: 1e-14))
        #expect(isClose(SpecialFunctions.studentTCDF(1.5, degreesOfFreedom: 2), 0.8638034375544996, relativeTolerance: 1e-14))
        // scipy: stats.t.cdf (mpmath agrees to all printed digits) for a far tail, a non-integer df,
        // and the large df of per-user comparisons.
        #expect(isClose(SpecialFunctions.studentTCDF(-40, degreesOfFreedom: 5), 9.205981085886476e-08))
        #expect(isClose(SpecialFunctions.studentTCDF(2.5, degreesOfFreedom: 3.7), 0.9640889885440866))
        #expect(isClose(SpecialFunctions.studentTCDF(-3, degreesOfFreedom: 100_000), 0.0013502304420323597, relativeTolerance: 1e-11))
        // mpmath: with 10⁷ degrees of freedom subtracting rounded lgamma values was off by ~4e-9 here.
        #expect(isClose(SpecialFunctions.studentTCDF(-3, degreesOfFreedom: 10_000_000), 0.0013499013555185806, relativeTolerance: 1e-9))
        #expect(isClose(SpecialFunctions.studentTCDF(0.1, degreesOfFreedom: 1_000_000), 0.5398278272539785))
        #expect(SpecialFunctions.studentTCDF(0, degreesOfFreedom: 4) == 0.5)
        #expect(SpecialFunctions.studentTCDF(.infinity, degreesOfFreedom: 4) == 1)
        #expect(SpecialFunctions.studentTCDF(-.infinity, degreesOfFreedom: 4) == 0)
        #expect(SpecialFunctions.studentTCDF(1, degreesOfFreedom: 0).isNaN)
    }

    @Test func studentTQuantile() {
        // mpmath (the usual tables: t_{0.975,10} = 2.228139, t_{0.975,4} = 2.776445);
        // t_{0.975,1} is also tan(0.475π) = 12.7062047361747046 by hand (Cauchy).
        #expect(isClose(SpecialFunctions.studentTQuantile(0.975, degreesOfFreedom: 10), 2.2281388519862747484, relativeTolerance: 1e-13))
        #expect(isClose(SpecialFunctions.studentTQuantile(0.975, degreesOfFreedom: 4), 2.7764451051977943578, relativeTolerance: 1e-13))
        #expect(isClose(SpecialFunctions.studentTQuantile(0.975, degreesOfFreedom: 1), 12.706204736174704646, relativeTolerance: 1e-13))
        #expect(isClose(SpecialFunctions.studentTQuantile(0.9995, degreesOfFreedom: 2), 31.599054576443620733, relativeTolerance: 1e-13))
        #expect(isClose(SpecialFunctions.studentTQuantile(0.025, degreesOfFreedom: 30), -2.04227245630123831, relativeTolerance: 1e-13))
        #expect(isClose(SpecialFunctions.studentTQuantile(0.995, degreesOfFreedom: 100_000), 2.5758784699083753035, relativeTolerance: 1e-11))
        #expect(SpecialFunctions.studentTQuantile(0.5, degreesOfFreedom: 7) == 0)
        #expect(SpecialFunctions.studentTQuantile(1, degreesOfFreedom: 7) == .infinity)
        #expect(SpecialFunctions.studentTQuantile(0, degreesOfFreedom: 7) == -.infinity)
        #expect(SpecialFunctions.studentTQuantile(1.2, degreesOfFreedom: 7).isNaN)
    }

    @Test func quantileInvertsCDF() {
        for df in [1.0, 3.0, 12.5, 400.0] {
            for p in [1e-9, 0.01, 0.3, 0.6, 0.999] {
                let t = SpecialFunctions.studentTQuantile(p, degreesOfFreedom: df)
                #expect(isClose(SpecialFunctions.studentTCDF(t, degreesOfFreedom: df), p, relativeTolerance: 1e-10))
            }
        }
    }
}

@Suite struct SummaryTests {
    @Test func textbookSample() {
        // hand: Σx = 40, mean 5; Σ(x - 5)² = 9+1+1+1+0+0+4+16 = 32, sample sd = sqrt(32/7);
        // se = sd / sqrt(8); median = (4 + 5) / 2.
        let summary = Summary([2, 4, 4, 4, 5, 5, 7, 9])
        #expect(summary.count == 8)
        #expect(isClose(summary.mean, 5, relativeTolerance: 1e-15))
        #expect(isClose(summary.standardDeviation, (32.0 / 7).squareRoot(), relativeTolerance: 1e-14))
        #expect(isClose(summary.standardError, (32.0 / 7 / 8).squareRoot(), relativeTolerance: 1e-14))
        #expect(summary.median == 4.5)
        #expect(summary.minimum == 2)
        #expect(summary.maximum == 9)
        #expect(Summary([3, 1, 2]).median == 2)
    }

    @Test func constantSampleHasExactlyZeroSpread() {
        // 0.1 + 0.1 + 0.1 is not 0.3 in binary, so a naive mean would leave rounding noise.
        let summary = Summary([0.1, 0.1, 0.1])
        #expect(summary.mean == 0.1)
        #expect(summary.standardDeviation == 0)
        #expect(summary.standardError == 0)
    }

    @Test func degenerateSamples() {
        let single = Summary([4])
        #expect(single.mean == 4)
        #expect(single.standardDeviation.isNaN)
        let empty = Summary([])
        #expect(empty.count == 0)
        #expect(empty.mean.isNaN && empty.median.isNaN)
        let broken = Summary([1, .nan, 3])
        #expect(broken.count == 3)
        #expect(broken.mean.isNaN && broken.minimum.isNaN && broken.median.isNaN)
    }
}

@Suite struct PairedTTestTests {
    @Test func handComputedExample() {
        // hand: d = a - b = [0.5, -0.5, 1, 1, 1.5]; mean = 3.5 / 5 = 0.7;
        // Σ(d - 0.7)² = 0.04 + 1.44 + 0.09 + 0.09 + 0.64 = 2.3, var = 2.3 / 4 = 0.575,
        // sd = sqrt(0.575) = 0.7582875…, se = sd / sqrt(5) = 0.3391165…, t = 0.7 / se = 2.0641874…, df = 4.
        // 95% CI = 0.7 ± 2.7764451 · 0.3391165 = 0.7 ± 0.9415383 (full digits: mpmath).
        // scipy: stats.ttest_rel(a, b) gives t = 2.0641873861685593, p = 0.10793882229227657.
        let result = PairedTTest.test([1, 2, 3, 4, 5], [0.5, 2.5, 2, 3, 3.5])
        #expect(result.isComputable)
        #expect(result.sampleSize == 5)
        #expect(result.degreesOfFreedom == 4)
        #expect(isClose(result.meanDifference, 0.7, relativeTolerance: 1e-14))
        #expect(isClose(result.standardDeviation, 0.575.squareRoot(), relativeTolerance: 1e-14))
        #expect(isClose(result.standardError, 0.3391164991562634, relativeTolerance: 1e-14))
        #expect(isClose(result.t, 2.0641873861685593, relativeTolerance: 1e-13))
        #expect(isClose(result.pValue, 0.10793882229227657))
        #expect(isClose(result.confidenceLower, -0.2415383441742194965, relativeTolerance: 1e-12))
        #expect(isClose(result.confidenceUpper, 1.6415383441742194965, relativeTolerance: 1e-13))
        // hand: d_z = 0.7 / 0.7582875444 = 0.9231326627541017.
        #expect(isClose(result.cohensDz, 0.9231326627541017, relativeTolerance: 1e-13))
    }

    @Test func confidenceLevelIsAParameter() {
        // mpmath: t_{0.95,4} = 2.1318467863266503, so the 90% CI is 0.7 ± 2.1318468 · 0.3391165.
        let result = PairedTTest.test([1, 2, 3, 4, 5], [0.5, 2.5, 2, 3, 3.5], confidenceLevel: 0.90)
        #expect(result.confidenceLevel == 0.90)
        #expect(isClose(result.confidenceLower, -0.022944418916624368289, relativeTolerance: 1e-11))
        #expect(isClose(result.confidenceUpper, 1.4229444189166243683, relativeTolerance: 1e-13))
    }

    @Test func studentSleepData() {
        // Cushny & Peebles sleep data as analysed by "Student" (R's `sleep` data set):
        // R `t.test(extra ~ group, data = sleep, paired = TRUE)` prints t = -4.0621, df = 9, p = 0.002833,
        // 95% CI -2.4598858 -0.7001142, mean difference -1.58. Full precision: t and p from scipy
        // stats.ttest_rel, the interval and d_z from mpmath.
        let group1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
        let group2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
        let result = PairedTTest.test(group1, group2)
        #expect(result.degreesOfFreedom == 9)
        #expect(isClose(result.meanDifference, -1.58, relativeTolerance: 1e-13))
        #expect(isClose(result.t, -4.062127683382037, relativeTolerance: 1e-12))
        #expect(isClose(result.pValue, 0.00283289019738427))
        #expect(isClose(result.confidenceLower, -2.4598857632769827987, relativeTolerance: 1e-12))
        #expect(isClose(result.confidenceUpper, -0.70011423672301720129, relativeTolerance: 1e-12))
        #expect(isClose(result.cohensDz, -1.2845575625910544381, relativeTolerance: 1e-12))
    }

    @Test func swappingSamplesMirrorsTheResult() {
        let a = [0.31, 0.29, 0.35, 0.30, 0.33]
        let b = [0.30, 0.30, 0.31, 0.28, 0.32]
        let forward = PairedTTest.test(a, b)
        let backward = PairedTTest.test(b, a)
        #expect(isClose(backward.t, -forward.t, relativeTolerance: 1e-12))
        #expect(isClose(backward.pValue, forward.pValue, relativeTolerance: 1e-12))
        #expect(isClose(backward.confidenceLower, -forward.confidenceUpper, relativeTolerance: 1e-12))
    }

    @Test func zeroVariance() {
        // d = [1, 1, 1]: a constant shift is infinitely significant.
        let shifted = PairedTTest.test([2, 3, 4], [1, 2, 3])
        #expect(shifted.isComputable)
        #expect(shifted.pValue == 0)
        #expect(shifted.t == .infinity)
        #expect(shifted.confidenceLower == 1 && shifted.confidenceUpper == 1)
        // d = [0, 0, 0]: identical samples show no difference.
        let identical = PairedTTest.test([2, 3, 4], [2, 3, 4])
        #expect(identical.pValue == 1)
        #expect(identical.t == 0)
        #expect(identical.cohensDz == 0)
    }

    @Test func resultRoundTripsThroughJSON() throws {
        let result = PairedTTest.test([1, 2, 3, 4, 5], [0.5, 2.5, 2, 3, 3.5])
        let decoded = try JSONDecoder().decode(TTestResult.self, from: JSONEncoder().encode(result))
        #expect(decoded.pValue == result.pValue)
        #expect(decoded.confidenceUpper == result.confidenceUpper)
        #expect(decoded.isComputable)
    }

    @Test func tooFewPairsOrNonFiniteValuesAreNotComputable() {
        let single = PairedTTest.test([1], [0])
        #expect(!single.isComputable)
        #expect(single.pValue.isNaN)
        #expect(single.notComputableReason?.contains("at least 2 pairs") == true)
        let empty = PairedTTest.test([], [])
        #expect(!empty.isComputable)
        #expect(empty.degreesOfFreedom == 0)
        let broken = PairedTTest.test([1, .nan, 3], [0, 1, 2])
        #expect(!broken.isComputable)
        #expect(broken.pValue.isNaN)
    }
}

@Suite struct WilcoxonSignedRankTestTests {
    @Test func wikipediaTenPairExample() {
        // The 10-pair example long used on Wikipedia's "Wilcoxon signed-rank test" page (x2 vs x1).
        // hand: d = [15, -7, 5, 20, 0, -9, 17, -12, 5, -10]; the zero is dropped, n = 9.
        // Sorted |d| = 5, 5, 7, 9, 10, 12, 15, 17, 20 → ranks 1.5, 1.5, 3, 4, 5, 6, 7, 8, 9.
        // W+ = 7 + 1.5 + 9 + 8 + 1.5 = 27, W- = 3 + 4 + 6 + 5 = 18, signed-rank sum W = 9 as on the page.
        // Ties force the normal approximation: σ² = 9·10·19/24 - (2³ - 2)/48 = 71.125,
        // z = (27 - 22.5 - 0.5) / sqrt(71.125) = 0.4742953333830018.
        // scipy: stats.wilcoxon(x2, x1, correction=True, mode='approx') → statistic 18, p = 0.6352893188352069.
        let x2: [Double] = [125, 115, 130, 140, 140, 115, 140, 125, 140, 135]
        let x1: [Double] = [110, 122, 125, 120, 140, 124, 123, 137, 135, 145]
        let result = WilcoxonSignedRankTest.test(x2, x1)
        #expect(result.isComputable)
        #expect(result.pairCount == 10)
        #expect(result.zeroDifferenceCount == 1)
        #expect(result.sampleSize == 9)
        #expect(result.positiveRankSum == 27)
        #expect(result.negativeRankSum == 18)
        #expect(result.positiveRankSum - result.negativeRankSum == 9)
        #expect(result.statistic == 18)
        #expect(result.hasTies)
        #expect(result.method == .normalApproximation)
        #expect(isClose(result.z, 0.4742953333830018, relativeTolerance: 1e-13))
        #expect(isClose(result.pValue, 0.6352893188352069, relativeTolerance: 1e-12))
        // hand: r = (27 - 18) / 45 = 0.2.
        #expect(isClose(result.rankBiserialCorrelation, 0.2, relativeTolerance: 1e-14))
    }

    @Test func hollanderWolfeDepressionExampleIsExact() {
        // Hollander & Wolfe (1973, p. 29) depression scores, the example in R's ?wilcox.test:
        // R reports V = 40 and one-sided ("greater") p = 0.01953. n = 9, no ties, so W+ = 40, W- = 45 - 40 = 5.
        // hand: subsets of {1…9} with sum ≤ 5: sums 0,1,2 → 1 each; 3 → {3},{1,2}; 4 → {4},{1,3};
        // 5 → {5},{1,4},{2,3}: 10 of 512, so two-sided p = 2 · 10/512 = 0.0390625 (scipy mode='exact' agrees).
        let x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
        let y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
        let result = WilcoxonSignedRankTest.test(x, y)
        #expect(result.method == .exact)
        #expect(!result.hasTies)
        #expect(result.positiveRankSum == 40)
        #expect(result.negativeRankSum == 5)
        #expect(result.statistic == 5)
        #expect(result.pValue == 0.0390625)
        // hand: r = (40 - 5) / 45.
        #expect(isClose(result.rankBiserialCorrelation, 35.0 / 45, relativeTolerance: 1e-14))
    }

    @Test func tiesAndZerosByHand() {
        // hand: d = [2, 0, -1, 2, 0, 3]; two zeros dropped, n = 4.
        // |d| sorted = 1, 2, 2, 3 → ranks 1, 2.5, 2.5, 4; W+ = 2.5 + 2.5 + 4 = 9, W- = 1.
        // mean = 4·5/4 = 5; σ² = 4·5·9/24 - (2³ - 2)/48 = 7.5 - 0.125 = 7.375;
        // z = (9 - 5 - 0.5) / sqrt(7.375) = 1.2888044650576527, p = 2(1 - Φ(z)) = 0.1974660733580187
        // (scipy: stats.wilcoxon(a, b, correction=True, mode='approx') gives the same p).
        let a: [Double] = [5, 3, 4, 6, 2, 7]
        let b: [Double] = [3, 3, 5, 4, 2, 4]
        let result = WilcoxonSignedRankTest.test(a, b)
        #expect(result.zeroDifferenceCount == 2)
        #expect(result.sampleSize == 4)
        #expect(result.positiveRankSum == 9)
        #expect(result.negativeRankSum == 1)
        #expect(result.statistic == 1)
        #expect(result.hasTies)
        #expect(result.method == .normalApproximation)
        #expect(isClose(result.z, 1.2888044650576527, relativeTolerance: 1e-13))
        #expect(isClose(result.pValue, 0.1974660733580187, relativeTolerance: 1e-12))
        // hand: r = (9 - 1) / 10.
        #expect(isClose(result.rankBiserialCorrelation, 0.8, relativeTolerance: 1e-14))
    }

    @Test func sleepDataMatchesR() {
        // R `wilcox.test(extra ~ group, data = sleep, paired = TRUE)`: V = 0, p-value = 0.009091
        // (normal approximation because of a zero and a tie). scipy mode='approx': p = 0.009090698015925054.
        let group1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
        let group2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
        let result = WilcoxonSignedRankTest.test(group1, group2)
        #expect(result.positiveRankSum == 0)
        #expect(result.zeroDifferenceCount == 1)
        #expect(result.method == .normalApproximation)
        #expect(isClose(result.pValue, 0.009090698015925054, relativeTolerance: 1e-12))
        #expect(result.rankBiserialCorrelation == -1)
    }

    @Test func smallestExactCaseByHand() {
        // hand: d = [1, 2, 3] → W+ = 6, W- = 0; P(W+ ≤ 0) = 1/8, two-sided p = 0.25.
        let result = WilcoxonSignedRankTest.test([1, 2, 3], [0, 0, 0])
        #expect(result.method == .exact)
        #expect(result.pValue == 0.25)
        #expect(result.rankBiserialCorrelation == 1)
    }

    @Test func exactAndApproximateRegimesAroundTheThreshold() {
        // d_i = (37 i mod 101) - 50.3 has distinct |d| (two values tie only if k + k' = 100.6).
        func differences(_ n: Int) -> [Double] { (1...n).map { Double((37 * $0) % 101) - 50.3 } }
        let zeros50 = [Double](repeating: 0, count: 50)
        let zeros60 = [Double](repeating: 0, count: 60)
        // scipy: stats.wilcoxon(d, mode='exact') for n = 50 → statistic 634, p = 0.9771032283055696; W+ = 641.
        let exact = WilcoxonSignedRankTest.test(differences(50), zeros50)
        #expect(exact.method == .exact)
        #expect(exact.positiveRankSum == 641)
        #expect(exact.statistic == 634)
        #expect(isClose(exact.pValue, 0.9771032283055696, relativeTolerance: 1e-12))
        // scipy: stats.wilcoxon(d, correction=True, mode='approx') for n = 60 → statistic 885,
        // p = 0.8280779762972408; W+ = 945.
        let approximate = WilcoxonSignedRankTest.test(differences(60), zeros60)
        #expect(approximate.method == .normalApproximation)
        #expect(approximate.positiveRankSum == 945)
        #expect(approximate.statistic == 885)
        #expect(isClose(approximate.pValue, 0.8280779762972408, relativeTolerance: 1e-12))
    }

    @Test func swappingSamplesKeepsThePValue() {
        let cases: [([Double], [Double])] = [
            ([125, 115, 130, 140, 140, 115, 140, 125, 140, 135], [110, 122, 125, 120, 140, 124, 123, 137, 135, 145]),
            ([5, 3, 4, 6, 2, 7], [3, 3, 5, 4, 2, 4]),
            ([1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30], [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]),
        ]
        for (a, b) in cases {
            let forward = WilcoxonSignedRankTest.test(a, b)
            let backward = WilcoxonSignedRankTest.test(b, a)
            #expect(backward.pValue == forward.pValue)
            #expect(backward.statistic == forward.statistic)
            #expect(backward.positiveRankSum == forward.negativeRankSum)
            #expect(backward.z == -forward.z)
            #expect(backward.rankBiserialCorrelation == -forward.rankBiserialCorrelation)
        }
    }

    @Test func noNonzeroDifferences() {
        let result = WilcoxonSignedRankTest.test([0.3, 0.4], [0.3, 0.4])
        #expect(result.isComputable)
        #expect(result.sampleSize == 0)
        #expect(result.zeroDifferenceCount == 2)
        #expect(result.pValue == 1)
        #expect(result.rankBiserialCorrelation == 0)
        #expect(WilcoxonSignedRankTest.test([], []).pValue == 1)
    }

    @Test func resultRoundTripsThroughJSON() throws {
        let result = WilcoxonSignedRankTest.test([5, 3, 4, 6, 2, 7], [3, 3, 5, 4, 2, 4])
        let decoded = try JSONDecoder().decode(WilcoxonResult.self, from: JSONEncoder().encode(result))
        #expect(decoded.pValue == result.pValue)
        #expect(decoded.method == .normalApproximation)
        #expect(decoded.zeroDifferenceCount == 2)
    }

    @Test func nonFiniteDifferencesAreNotComputable() {
        let result = WilcoxonSignedRankTest.test([1, .infinity], [0, 1])
        #expect(!result.isComputable)
        #expect(result.method == nil)
        #expect(result.pValue.isNaN)
    }
}

@Suite struct WelchTTestTests {
    @Test func handComputedExample() {
        // hand: a = [1, 2, 3], b = [4, 6, 8]: means 2 and 6, variances 1 and 4, n = 3 each.
        // se² = 1/3 + 4/3 = 5/3, t = -4 / sqrt(5/3) = -3.0983866769659336;
        // ν = (5/3)² / ((1/3)²/2 + (4/3)²/2) = (25/9) / (17/18) = 50/17.
        // scipy 1.17.1: stats.ttest_ind(a, b, equal_var=False) → t = -3.0983866769659336, p = 0.054786766041076435,
        // df = 2.9411764705882346, confidence_interval() = [-8.155399503182505, 0.1553995031825055].
        let result = WelchTTest.test([1, 2, 3], [4, 6, 8])
        #expect(result.isComputable)
        #expect(result.sampleSizeA == 3 && result.sampleSizeB == 3)
        #expect(result.meanDifference == -4)
        #expect(isClose(result.standardError, (5.0 / 3).squareRoot(), relativeTolerance: 1e-14))
        #expect(isClose(result.t, -4 / (5.0 / 3).squareRoot(), relativeTolerance: 1e-14))
        #expect(isClose(result.degreesOfFreedom, 50.0 / 17, relativeTolerance: 1e-14))
        #expect(isClose(result.pValue, 0.054786766041076435))
        #expect(isClose(result.confidenceLower, -8.155399503182505))
        #expect(isClose(result.confidenceUpper, 0.1553995031825055))
    }

    @Test func studentSleepDataMatchesR() {
        // R `t.test(extra ~ group, data = sleep)` (Welch is R's default) prints t = -1.8608,
        // df = 17.776, p-value = 0.07939, 95% CI -3.3654832 0.2054832. Full precision from
        // scipy 1.17.1 stats.ttest_ind(group1, group2, equal_var=False) and its confidence_interval().
        let group1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
        let group2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
        let result = WelchTTest.test(group1, group2)
        #expect(isClose(result.meanA, 0.75, relativeTolerance: 1e-14))
        #expect(isClose(result.meanB, 2.33, relativeTolerance: 1e-14))
        #expect(isClose(result.t, -1.8608134674868526, relativeTolerance: 1e-12))
        #expect(isClose(result.degreesOfFreedom, 17.776473516178488, relativeTolerance: 1e-12))
        #expect(isClose(result.pValue, 0.0793941401873583))
        #expect(isClose(result.confidenceLower, -3.3654832307117104))
        #expect(isClose(result.confidenceUpper, 0.20548323071171137))
    }

    @Test func wikipediaExampleOne() {
        // Example 1 of Wikipedia's "Welch's t-test" article: t = -2.46, ν ≈ 25.0, p = 0.021.
        // Full precision: scipy 1.17.1 stats.ttest_ind(a1, a2, equal_var=False).
        let a1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4]
        let a2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4]
        let result = WelchTTest.test(a1, a2)
        #expect(isClose(result.t, -2.455356398286006, relativeTolerance: 1e-12))
        #expect(isClose(result.degreesOfFreedom, 24.988529290231416, relativeTolerance: 1e-12))
        #expect(isClose(result.pValue, 0.021378001462866992))
    }

    @Test func swappingSamplesMirrorsTheResult() {
        let forward = WelchTTest.test([0.31, 0.29, 0.35], [0.30, 0.30, 0.31, 0.28, 0.32])
        let backward = WelchTTest.test([0.30, 0.30, 0.31, 0.28, 0.32], [0.31, 0.29, 0.35])
        #expect(isClose(backward.t, -forward.t, relativeTolerance: 1e-12))
        #expect(backward.degreesOfFreedom == forward.degreesOfFreedom)
        #expect(isClose(backward.pValue, forward.pValue, relativeTolerance: 1e-12))
        #expect(isClose(backward.confidenceLower, -forward.confidenceUpper, relativeTolerance: 1e-12))
    }

    @Test func constantSamples() {
        let shifted = WelchTTest.test([2, 2, 2], [1, 1])
        #expect(shifted.isComputable)
        #expect(shifted.t == .infinity && shifted.pValue == 0)
        #expect(shifted.degreesOfFreedom.isNaN)
        #expect(shifted.confidenceLower == 1 && shifted.confidenceUpper == 1)
        let equal = WelchTTest.test([0.1, 0.1, 0.1], [0.1, 0.1])
        #expect(equal.t == 0 && equal.pValue == 1)
        // hand: one constant side leaves ν = (s²/n)² / ((s²/n)²/(n-1)) = n - 1 = 2 for b = [1, 2, 3].
        let oneConstant = WelchTTest.test([5, 5, 5, 5], [1, 2, 3])
        #expect(isClose(oneConstant.degreesOfFreedom, 2, relativeTolerance: 1e-14))
    }

    @Test func tooFewValuesOrNonFiniteAreNotComputable() {
        let single = WelchTTest.test([0.3, 0.4, 0.5], [0.2])
        #expect(!single.isComputable)
        #expect(single.pValue.isNaN)
        #expect(single.notComputableReason?.contains("at least 2 values per sample") == true)
        let broken = WelchTTest.test([1, .nan], [0, 1])
        #expect(!broken.isComputable)
        #expect(broken.notComputableReason?.contains("NaN") == true)
    }

    @Test func resultRoundTripsThroughJSON() throws {
        let result = WelchTTest.test([1, 2, 3], [4, 6, 8])
        let decoded = try JSONDecoder().decode(WelchTTestResult.self, from: JSONEncoder().encode(result))
        #expect(decoded.pValue == result.pValue)
        #expect(decoded.degreesOfFreedom == result.degreesOfFreedom)
        #expect(decoded.isComputable)
    }
}

@Suite struct MannWhitneyUTestTests {
    @Test func hollanderWolfeExactMatchesR() {
        // Hollander & Wolfe (1973, p. 69), the example in R's ?wilcox.test: `wilcox.test(x, y,
        // alternative = "g")` prints W = 35, p-value = 0.1272. No ties, so the exact distribution.
        // hand: pooled ranks of x sum to 90, U = 90 - 10·11/2 = 35, U of y = 50 - 35 = 15; of the
        // C(15, 5) = 3003 rank sets for y, 382 give U ≤ 15 (enumerated with itertools), so
        // two-sided p = 2 · 382/3003 (scipy 1.17.1 mannwhitneyu(method='exact'): 0.2544122544122544).
        let x = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
        let y = [1.15, 0.88, 0.90, 0.74, 1.21]
        let result = MannWhitneyUTest.test(x, y)
        #expect(result.isComputable)
        #expect(result.method == .exact)
        #expect(!result.hasTies)
        #expect(result.rankSumA == 90)
        #expect(result.u == 35)
        #expect(result.uB == 15)
        #expect(isClose(result.pValue, 2 * 382.0 / 3003, relativeTolerance: 1e-14))
        #expect(isClose(result.pValue, 0.2544122544122544, relativeTolerance: 1e-14))
        // hand: r = 2 · 35/50 - 1.
        #expect(isClose(result.rankBiserialCorrelation, 0.4, relativeTolerance: 1e-14))
    }

    @Test func sleepDataMatchesR() {
        // R `wilcox.test(extra ~ group, data = sleep)`: W = 25.5, p-value = 0.06933 (normal
        // approximation with continuity correction, because of ties). scipy 1.17.1
        // mannwhitneyu(group1, group2, method='asymptotic') → 25.5, p = 0.06932757543362658.
        // hand/numpy: Σ(t³ - t) = 18 over the tie groups, σ² = 100/12 · (21 - 18/380),
        // z = (25.5 - 50 + 0.5) / σ = -1.8162790619136817.
        let group1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
        let group2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
        let result = MannWhitneyUTest.test(group1, group2)
        #expect(result.hasTies)
        #expect(result.method == .normalApproximation)
        #expect(result.u == 25.5)
        #expect(isClose(result.z, -1.8162790619136817, relativeTolerance: 1e-13))
        #expect(isClose(result.pValue, 0.06932757543362658, relativeTolerance: 1e-12))
    }

    @Test func manyTiesAsymptotic() {
        // Per-user-like values on a grid of tenths, with heavy ties. scipy 1.17.1
        // mannwhitneyu(a, b, method='asymptotic') → U = 529.5, p = 0.40459554033551604;
        // numpy, same formula: Σ(t³ - t) = 2214, z = -0.8334419211000031.
        let a = (0..<30).map { Double(($0 * 7) % 11) / 10 }
        let b = (0..<40).map { Double(($0 * 5) % 13) / 10 }
        let result = MannWhitneyUTest.test(a, b)
        #expect(result.method == .normalApproximation)
        #expect(result.u == 529.5)
        #expect(isClose(result.z, -0.8334419211000031, relativeTolerance: 1e-12))
        #expect(isClose(result.pValue, 0.40459554033551604, relativeTolerance: 1e-12))
    }

    @Test func exactAtTheThresholdAndUnequalSizes() {
        // Distinct values, integers against half-integers: no ties. scipy 1.17.1
        // mannwhitneyu(a, b, method='exact'): 50 vs 50 → U = 1240, p = 0.9480183644148001;
        // the first 7 vs the first 12 → U = 37, p = 0.7108438517107247.
        let a = (1...50).map { Double((37 * $0) % 101) }
        let b = (1...50).map { Double((29 * $0) % 97) + 0.5 }
        let large = MannWhitneyUTest.test(a, b)
        #expect(large.method == .exact)
        #expect(large.u == 1240)
        #expect(isClose(large.pValue, 0.9480183644148001, relativeTolerance: 1e-12))
        let small = MannWhitneyUTest.test(Array(a.prefix(7)), Array(b.prefix(12)))
        #expect(small.method == .exact)
        #expect(small.u == 37)
        #expect(isClose(small.pValue, 0.7108438517107247, relativeTolerance: 1e-13))
        // One value past the threshold switches to the normal approximation
        // (scipy asymptotic for the 50 vs 50 case: 0.9477828419642976).
        let beyond = MannWhitneyUTest.test(a + [1000], b)
        #expect(beyond.method == .normalApproximation)
        #expect(isClose(MannWhitneyUTest.test(a, b).z, (1240 - 1250 + 0.5) / (2500.0 / 12 * 101).squareRoot(), relativeTolerance: 1e-14))
    }

    @Test func smallestCasesByHand() {
        // hand: a = [2], b = [1]: U = 1 of 1; P(U ≤ 0) = 1/2, two-sided p = 1.
        #expect(MannWhitneyUTest.test([2], [1]).pValue == 1)
        // hand: a = [4, 5, 6], b = [1, 2, 3]: U = 9, U of b = 0; only 1 of C(6, 3) = 20 orderings
        // gives U ≤ 0, so p = 2/20.
        let separated = MannWhitneyUTest.test([4, 5, 6], [1, 2, 3])
        #expect(separated.u == 9 && separated.uB == 0)
        #expect(isClose(separated.pValue, 0.1, relativeTolerance: 1e-15))
        #expect(separated.rankBiserialCorrelation == 1)
        // Everything tied: no variance, z = 0 and p = 1.
        let tied = MannWhitneyUTest.test([0, 0, 0], [0, 0])
        #expect(tied.method == .normalApproximation && tied.z == 0 && tied.pValue == 1)
    }

    @Test func swappingSamplesKeepsThePValue() {
        let cases: [([Double], [Double])] = [
            ([0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46], [1.15, 0.88, 0.90, 0.74, 1.21]),
            ([0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0], [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]),
        ]
        for (a, b) in cases {
            let forward = MannWhitneyUTest.test(a, b), backward = MannWhitneyUTest.test(b, a)
            #expect(isClose(backward.pValue, forward.pValue, relativeTolerance: 1e-14))
            #expect(backward.u == forward.uB)
            #expect(backward.z == -forward.z)
            #expect(backward.rankBiserialCorrelation == -forward.rankBiserialCorrelation)
        }
    }

    @Test func emptyOrNonFiniteAreNotComputable() {
        let empty = MannWhitneyUTest.test([], [1, 2])
        #expect(!empty.isComputable && empty.method == nil && empty.pValue.isNaN)
        #expect(empty.notComputableReason?.contains("at least 1 value per sample") == true)
        let broken = MannWhitneyUTest.test([1, .infinity], [0])
        #expect(!broken.isComputable)
    }

    @Test func resultRoundTripsThroughJSON() throws {
        let result = MannWhitneyUTest.test([0.80, 0.83, 1.89, 1.04], [1.15, 0.88, 0.90])
        let decoded = try JSONDecoder().decode(MannWhitneyResult.self, from: JSONEncoder().encode(result))
        #expect(decoded.pValue == result.pValue)
        #expect(decoded.method == .exact)
        #expect(decoded.u == result.u)
    }
}

@Suite struct HolmCorrectionTests {
    @Test func stepDownExample() {
        // hand: sorted 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 → max(0.06, 0.04) = 0.06;
        // back in input order [0.01, 0.04, 0.03, 0.005] → [0.03, 0.06, 0.06, 0.02].
        let adjusted = HolmCorrection.adjust([0.01, 0.04, 0.03, 0.005])
        let expected = [0.03, 0.06, 0.06, 0.02]
        #expect(adjusted.count == 4)
        for (value, target) in zip(adjusted, expected) {
            #expect(isClose(value, target, relativeTolerance: 1e-14))
        }
    }

    @Test func nanIsPassedThroughAndNotCounted() {
        // hand: m = 2, so 0.02·2 = 0.04 and 0.04·1 = 0.04.
        let adjusted = HolmCorrection.adjust([0.02, .nan, 0.04])
        #expect(adjusted[0] == 0.04)
        #expect(adjusted[1].isNaN)
        #expect(adjusted[2] == 0.04)
    }

    @Test func cappedAtOneAndTiesHandled() {
        // hand: 0.5·2 = 1.0, then 0.6·1 = 0.6 → max(1.0, 0.6) = 1.
        #expect(HolmCorrection.adjust([0.5, 0.6]) == [1, 1])
        // hand: 0.01·3 = 0.03, 0.01·2 = 0.02 → 0.03, 0.2·1 = 0.2.
        let tied = HolmCorrection.adjust([0.01, 0.2, 0.01])
        #expect(isClose(tied[0], 0.03, relativeTolerance: 1e-14))
        #expect(isClose(tied[2], 0.03, relativeTolerance: 1e-14))
        #expect(isClose(tied[1], 0.2, relativeTolerance: 1e-14))
        #expect(HolmCorrection.adjust([]).isEmpty)
        #expect(HolmCorrection.adjust([0.7]) == [0.7])
    }
}
