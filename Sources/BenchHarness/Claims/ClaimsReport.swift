import Foundation

/// The claims scorecard as Markdown (for `bench claims` to print) and as JSON (to keep).
public enum ClaimsReport {
    public static func markdown(_ results: [ClaimResult], title: String) -> String {
        var out = "# Claims: \(title)\n\n"
        out += "Each scope pairs the two methods by seed: effect = mean of left − right with its 95% CI (relative to the right side's mean), "
        out += "p from a two-sided paired t-test. Reproduced: p < \(ClaimVerdict.alpha) in the claimed direction with at least "
        out += "\(ClaimVerdict.minimumSeeds) seeds; not reproduced: p < \(ClaimVerdict.alpha) the other way. "
        out += "A claim holds only if it holds at every scope.\n\n"
        out += "| claim | compares | verdict | scopes reproduced | statement | source |\n|---|---|---|---:|---|---|\n"
        for r in results {
            let reproduced = r.scopes.filter { $0.verdict == .reproduced }.count
            out += row(["`\(r.claim.id)`", "\(r.claim.comparison), \(r.claim.metric), \(r.claim.evaluationProtocol.rawValue)",
                        r.verdict.rawValue, "\(reproduced)/\(r.scopes.count)", r.claim.statement,
                        [r.claim.source.paper, r.claim.source.table].compactMap { $0 }.joined(separator: "; ")])
        }
        // The published numbers sit next to the measured effect, the paper and table above.
        out += "\n## Per scope\n\n| claim | scope | verdict | effect [95% CI] | p | seeds | published |\n|---|---|---|---|---:|---:|---|\n"
        for r in results {
            for s in r.scopes {
                out += row(["`\(r.claim.id)`", s.scope, s.verdict.rawValue + (s.reason.map { " (\($0))" } ?? ""),
                            effect(s), s.test.map { String(format: "%.2g", $0.pValue) } ?? "–", "\(s.seeds.count)",
                            r.claim.source.published ?? "–"])
            }
        }
        return out
    }

    /// Pretty, sorted JSON.  Infinite t statistics (zero-variance differences) and NaNs are
    /// written as strings, since JSON has no numbers for them.
    public static func json(_ results: [ClaimResult]) throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var d = try e.encode(results)
        d.append(0x0A)
        return d
    }

    /// "+0.0123 (+4.5%) [+0.0101, +0.0145]", or a dash without a test.
    static func effect(_ s: ClaimScopeResult) -> String {
        guard let t = s.test else { return "–" }
        let relative = s.relativeEffect.map { $0.isFinite ? String(format: " (%+.1f%%)", 100 * $0) : "" } ?? ""
        return String(format: "%+.4f", t.meanDifference) + relative
            + String(format: " [%+.4f, %+.4f]", t.confidenceLower, t.confidenceUpper)
    }

    private static func row(_ cells: [String]) -> String {
        "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n"
    }
}
