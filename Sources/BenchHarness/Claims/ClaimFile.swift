import DistillKit
import Foundation

/// Reads `benchmarks/claims.yaml`.  Errors are `SuiteError`s like those of suite files: they name
/// the file, the field (`claims[3].metric`) and the accepted values.
///
/// Method keys are checked for form only, not against `MethodRegistry`: a paper's claims are
/// written before its method exists and show as "not run" until then.
public enum ClaimFile {
    public static let defaultPath = "benchmarks/claims.yaml"

    public static func load(path: String = defaultPath) throws -> [Claim] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw SuiteError(file: path, field: "(file)", reason: "cannot read the file; the claims live in \(defaultPath)")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws -> [Claim] {
        let r = FieldReader(file: file)
        let root = try r.topLevelMapping(text, expecting: "a mapping with one field, claims")
        try r.onlyKnown(root, ["claims"], at: "")
        guard let list = root["claims"] as? [Any], !list.isEmpty else {
            throw SuiteError(file: file, field: "claims", reason: "required: a non-empty list of claims")
        }
        var claims: [Claim] = []
        for (k, entry) in list.enumerated() {
            let claim = try parseClaim(entry, at: "claims[\(k)]", r)
            if claims.contains(where: { $0.id == claim.id }) {
                throw SuiteError(file: file, field: "claims[\(k)].id", reason: "'\(claim.id)' is used by an earlier claim; ids must be unique")
            }
            claims.append(claim)
        }
        return claims
    }

    private static func parseClaim(_ entry: Any, at: String, _ r: FieldReader) throws -> Claim {
        func fail(_ field: String, _ reason: String) -> SuiteError { SuiteError(file: r.file, field: "\(at).\(field)", reason: reason) }
        func required(_ m: [String: Any], _ field: String) throws -> String {
            guard let s = try r.string(m[field], "\(at).\(field)"), !s.isEmpty else { throw fail(field, "required") }
            return s
        }
        guard let m = entry as? [String: Any] else {
            throw SuiteError(file: r.file, field: at, reason: "expected a mapping with id, statement, datasets, protocol, sizes, metric, compare, source")
        }
        try r.onlyKnown(m, ["id", "statement", "datasets", "protocol", "sizes", "metric", "compare", "source"], at: at)

        let id = try required(m, "id")
        guard isKey(id) else { throw fail("id", "'\(id)' must be lower-case letters, digits and '-'") }
        let statement = try required(m, "statement")

        let datasets: Claim.Datasets
        switch m["datasets"] {
        case let s as String where s == "*": datasets = .every
        case let list as [Any] where !list.isEmpty:
            datasets = .named(try list.enumerated().map { k, v in
                guard let name = v as? String, !name.isEmpty else { throw fail("datasets[\(k)]", "expected a dataset name") }
                return name
            })
        default: throw fail("datasets", "expected \"*\" (quoted: every dataset in the results directory) or a list of dataset names")
        }

        let protocolName = try required(m, "protocol")
        guard let evaluationProtocol = EvaluationProtocol(rawValue: protocolName) else {
            throw fail("protocol", "unknown protocol '\(protocolName)'; one of \(EvaluationProtocol.allCases.map(\.rawValue).joined(separator: ", "))")
        }

        let sizes = try parseSizes(m["sizes"], at: "\(at).sizes", r)

        let metric = try required(m, "metric")
        guard Evaluator.reportedMetricKeys(evaluationProtocol).contains(metric) else {
            throw fail("metric", "'\(metric)' is not a \(protocolName) metric; one of \(Evaluator.reportedMetricKeys(evaluationProtocol).joined(separator: ", "))")
        }

        let compare = try required(m, "compare")
        let words = compare.split(whereSeparator: \.isWhitespace).map(String.init)
        guard words.count == 3, let relation = Claim.Relation(rawValue: words[1]), isKey(words[0]), isKey(words[2]) else {
            throw fail("compare", "expected 'LEFT > RIGHT', 'LEFT < RIGHT' or 'LEFT >= RIGHT' (no worse, within 1%) with method keys (or teacher), e.g. 'de-rrd > student'; got '\(compare)'")
        }
        guard words[0] != words[2] else { throw fail("compare", "compares '\(words[0])' with itself") }

        guard let s = m["source"] as? [String: Any] else {
            throw fail("source", "required: {paper: TEXT, table: TEXT, published: TEXT} (table and published optional)")
        }
        try r.onlyKnown(s, ["paper", "table", "published"], at: "\(at).source")
        guard let paper = try r.string(s["paper"], "\(at).source.paper"), !paper.isEmpty else { throw fail("source.paper", "required") }
        let source = Claim.Source(paper: paper, table: try r.string(s["table"], "\(at).source.table"),
                                  published: try r.string(s["published"], "\(at).source.published"))

        return Claim(id: id, statement: statement, datasets: datasets, evaluationProtocol: evaluationProtocol, sizes: sizes,
                     metric: metric, left: words[0], relation: relation, right: words[2], source: source)
    }

    /// `all`, `{phi: [0.1]}` or `{dim: [20]}` (a single number for the list is accepted too).
    private static func parseSizes(_ v: Any?, at: String, _ r: FieldReader) throws -> Claim.Sizes {
        let accepted = "expected all, {phi: [ratios]} or {dim: [student dimensions]}"
        if let s = v as? String, s == "all" { return .all }
        guard let m = v as? [String: Any], m.count == 1, let key = m.keys.first else {
            throw SuiteError(file: r.file, field: at, reason: accepted)
        }
        try r.onlyKnown(m, ["phi", "dim"], at: at)
        let values = m[key] as? [Any] ?? [m[key]!]
        guard !values.isEmpty else { throw SuiteError(file: r.file, field: "\(at).\(key)", reason: "must not be empty") }
        if key == "phi" {
            return .phi(try values.enumerated().map { k, v in
                guard let d = try r.double(v, "\(at).phi[\(k)]"), d > 0, d <= 1 else {
                    throw SuiteError(file: r.file, field: "\(at).phi[\(k)]", reason: "must be a ratio in (0, 1]")
                }
                return d
            })
        }
        return .dimension(try values.enumerated().map { k, v in try r.int(v, "\(at).dim[\(k)]", min: 1)! })
    }

    /// Method keys and claim ids: `de-rrd`, `teacher`, `teacher-beats-student`.
    private static func isKey(_ s: String) -> Bool {
        !s.isEmpty && s.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
    }
}
