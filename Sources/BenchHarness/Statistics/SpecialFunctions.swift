import Foundation

/// The distribution functions behind the p-values and confidence intervals of `bench compare`
/// and `bench claims`.
///
/// Written out here so the harness needs nothing beyond Foundation. Lower tails are evaluated
/// directly rather than as `1 - upper`, so `2 * normalCDF(-abs(z))` and
/// `2 * studentTCDF(-abs(t), degreesOfFreedom:)` keep their relative precision for tiny p-values.
/// Checked against mpmath: the t CDF is within ~1e-11 relative for up to 10⁷ degrees of freedom
/// (a paired test over ten million users), degrading slowly beyond.
public enum SpecialFunctions {
    /// Safety bound for the incomplete-beta continued fraction. Its worst case, x near the mean of
    /// Beta(a, b), needs on the order of sqrt(max(a, b)) terms; the t distribution needs far fewer.
    private static let maxContinuedFractionTerms = 10_000

    /// ln |Γ(x)|.
    public static func logGamma(_ x: Double) -> Double {
        lgamma(x)
    }

    /// Φ(x), the standard normal CDF. Uses `erfc` so the lower tail does not cancel to zero.
    public static func normalCDF(_ x: Double) -> Double {
        0.5 * erfc(-x / 2.0.squareRoot())
    }

    /// I_x(a, b), the regularized incomplete beta function, for a, b > 0 and 0 ≤ x ≤ 1.
    /// Returns NaN outside that domain.
    public static func regularizedIncompleteBeta(a: Double, b: Double, x: Double) -> Double {
        guard a > 0, b > 0, x >= 0, x <= 1 else { return .nan }
        return incompleteBeta(a: a, b: b, x: x, complement: 1 - x)
    }

    /// P(T ≤ t) for Student's t with `degreesOfFreedom` > 0 (need not be an integer).
    /// Returns NaN for a NaN `t` or a non-positive `degreesOfFreedom`.
    public static func studentTCDF(_ t: Double, degreesOfFreedom df: Double) -> Double {
        guard df > 0, !t.isNaN else { return .nan }
        let tSquared = t * t
        // P(|T| > |t|) = I_x(df/2, 1/2) with x = df / (df + t²). The complement t² / (df + t²) is
        // formed separately (as 1 / (1 + df/t²)) so it keeps its precision when t is near zero,
        // and both forms stay finite when t² overflows.
        let twoSidedTail = incompleteBeta(
            a: df / 2, b: 0.5, x: df / (df + tSquared), complement: 1 / (1 + df / tSquared))
        return t < 0 ? twoSidedTail / 2 : 1 - twoSidedTail / 2
    }

    /// The t with `studentTCDF(t, degreesOfFreedom:) == p`, e.g. `studentTQuantile(0.975, 10)`
    /// ≈ 2.228 for a 95% interval. Returns ∓∞ for p = 0 or 1 and NaN outside [0, 1].
    /// Quantiles beyond ±1e154, where t² overflows (p < ~1e-155 at one degree of freedom),
    /// are not resolved.
    ///
    /// Found by bisection on the CDF: slower than a series inversion but cannot diverge, and it
    /// is only called once per confidence interval.
    public static func studentTQuantile(_ p: Double, degreesOfFreedom df: Double) -> Double {
        guard df > 0, p >= 0, p <= 1 else { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        // Solve for the positive quantile of the smaller tail; 1 - p is exact for p ≥ 0.5.
        let tail = min(p, 1 - p)
        if tail == 0.5 { return 0 }
        var low = 0.0
        var high = 1.0
        while studentTCDF(-high, degreesOfFreedom: df) > tail {
            low = high
            high *= 2
        }
        while high - low > 1e-15 * high {
            let middle = (low + high) / 2
            if middle == low || middle == high { break }
            if studentTCDF(-middle, degreesOfFreedom: df) > tail {
                low = middle
            } else {
                high = middle
            }
        }
        let magnitude = (low + high) / 2
        return p < 0.5 ? -magnitude : magnitude
    }

    /// I_x(a, b) given both x and y = 1 - x, so callers that know y more precisely than
    /// `1 - x` can pass it.
    private static func incompleteBeta(a: Double, b: Double, x: Double, complement y: Double) -> Double {
        if x <= 0 { return 0 }
        if y <= 0 { return 1 }
        // For a value near 1, log1p of its small complement is exact where log(value) is not;
        // with a large exponent (a t test over many users) that rounding would dominate the result.
        let logX = x < 0.5 ? log(x) : log1p(-y)
        let logY = y < 0.5 ? log(y) : log1p(-x)
        // x^a y^b / B(a, b) is symmetric in (a, x) <-> (b, y), so one prefactor serves both branches.
        let prefactor = exp(a * logX + b * logY - logBeta(a, b))
        // The continued fraction converges quickly only left of (a + 1) / (a + b + 2);
        // right of it, use I_x(a, b) = 1 - I_y(b, a).
        if x <= (a + 1) / (a + b + 2) {
            return prefactor / (a * continuedFraction(a: a, b: b, x: x))
        }
        return 1 - prefactor / (b * continuedFraction(a: b, b: a, x: y))
    }

    /// ln B(a, b). When one argument is large, lnΓ(large) and lnΓ(large + small) are huge and
    /// nearly equal, so their difference comes from Stirling's series instead of subtracting
    /// rounded `lgamma` values (at a = 10⁹ that subtraction alone would cost about six digits).
    private static func logBeta(_ a: Double, _ b: Double) -> Double {
        let small = min(a, b)
        let large = max(a, b)
        guard large >= 100 else { return logGamma(a) + logGamma(b) - logGamma(a + b) }
        // Stirling: lnΓ(z) = (z - 1/2) ln z - z + ln(2π)/2 + c(z), c(z) = 1/(12z) - 1/(360z³) + 1/(1260z⁵) - …
        // (the next term is below 1e-17 for z ≥ 100). Subtracting the series at z = large and
        // z = large + small and regrouping leaves only moderate-sized terms:
        func c(_ z: Double) -> Double {
            let inverseSquare = 1 / (z * z)
            return (1.0 / 12 - inverseSquare * (1.0 / 360 - inverseSquare / 1260)) / z
        }
        let logGammaRatio =
            -(large - 0.5) * log1p(small / large) - small * log(large + small) + small
            + (c(large) - c(large + small))
        return logGamma(small) + logGammaRatio
    }

    /// Evaluates 1 + d₁/(1 + d₂/(1 + …)) with the modified Lentz method, where
    /// d₂ₘ₊₁ = -(a+m)(a+b+m)x / ((a+2m)(a+2m+1)) and d₂ₘ = m(b-m)x / ((a+2m-1)(a+2m))
    /// are the coefficients of the standard continued fraction for I_x(a, b).
    private static func continuedFraction(a: Double, b: Double, x: Double) -> Double {
        // Stands in for an exactly-zero partial denominator, which Lentz's method cannot divide by.
        let tiny = 1e-300
        var value = 1.0
        var c = 1.0
        var d = 0.0
        for k in 1...maxContinuedFractionTerms {
            let m = Double(k / 2)
            let coefficient =
                k % 2 == 1
                ? -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
                : m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + coefficient * d
            if abs(d) < tiny { d = tiny }
            c = 1 + coefficient / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let step = c * d
            value *= step
            if abs(step - 1) < 1e-15 { break }
        }
        return value
    }
}
