import DistillKit

/// One published claim stated as data (an entry of `benchmarks/claims.yaml`): on these datasets,
/// under this protocol, at these student sizes, `left` scores higher (or lower) than `right` on
/// `metric`.  A claim names the paper behind it so a verdict is never separated from its source.
public struct Claim: Codable, Sendable, Hashable {
    /// Which datasets of a results directory the claim covers.  Coded as in the file.
    public enum Datasets: Codable, Sendable, Hashable {
        /// Every dataset with runs of the claim's protocol (`"*"` in the file).
        case every
        case named([String])

        public init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            self = (try? c.decode(String.self)) == "*" ? .every : .named(try c.decode([String].self))
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .every: try c.encode("*")
            case .named(let names): try c.encode(names)
            }
        }
    }

    /// Which student sizes the claim covers; the teacher side is always the teacher's own size.
    /// Coded as in the file: `"all"`, `{"phi": [...]}` or `{"dim": [...]}`.
    public enum Sizes: Codable, Sendable, Hashable {
        /// Every student size with runs (`all` in the file).
        case all
        /// Sizes as ratios of the teacher dimension, as the papers state them.
        case phi([Double])
        case dimension([Int])

        private enum CodingKeys: String, CodingKey { case phi, dim }

        public init(from decoder: any Decoder) throws {
            if (try? decoder.singleValueContainer().decode(String.self)) == "all" { self = .all; return }
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if let phis = try c.decodeIfPresent([Double].self, forKey: .phi) { self = .phi(phis) }
            else { self = .dimension(try c.decode([Int].self, forKey: .dim)) }
        }

        public func encode(to encoder: any Encoder) throws {
            switch self {
            case .all:
                var c = encoder.singleValueContainer()
                try c.encode("all")
            case .phi(let phis):
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(phis, forKey: .phi)
            case .dimension(let dims):
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(dims, forKey: .dim)
            }
        }

        func contains(_ spec: RunSpec) -> Bool {
            switch self {
            case .all: return true
            // Suites and `bench run` store the same ratio the file states, up to rounding.
            case .phi(let phis): return phis.contains { abs($0 - spec.phi) <= 1e-9 }
            case .dimension(let dims): return dims.contains(spec.dimension)
            }
        }

        var label: String {
            switch self {
            case .all: return "all sizes"
            case .phi(let phis): return "φ=" + phis.map { "\($0)" }.joined(separator: ",")
            case .dimension(let dims): return "d" + dims.map { "\($0)" }.joined(separator: ",")
            }
        }
    }

    /// The claimed direction of `left - right`; `>=` is "no worse than": `left` within
    /// `ClaimVerdict.nonInferiorityMargin` of `right` or above it.
    public enum Relation: String, Codable, Sendable, Hashable, CaseIterable {
        case greater = ">"
        case less = "<"
        case noWorse = ">="
    }

    /// Where the claim comes from: the paper, the table or log, and the published numbers as text.
    public struct Source: Codable, Sendable, Hashable {
        public var paper: String
        public var table: String?
        public var published: String?

        public init(paper: String, table: String? = nil, published: String? = nil) {
            self.paper = paper
            self.table = table
            self.published = published
        }
    }

    public var id: String
    public var statement: String
    public var datasets: Datasets
    public var evaluationProtocol: EvaluationProtocol
    public var sizes: Sizes
    /// A metric key of the protocol, e.g. "ndcg@20".
    public var metric: String
    /// Method keys; `teacher` is the teacher row of the same dataset and seed.
    public var left: String
    public var relation: Relation
    public var right: String
    public var source: Source

    public init(id: String, statement: String, datasets: Datasets, evaluationProtocol: EvaluationProtocol, sizes: Sizes,
                metric: String, left: String, relation: Relation, right: String, source: Source) {
        self.id = id
        self.statement = statement
        self.datasets = datasets
        self.evaluationProtocol = evaluationProtocol
        self.sizes = sizes
        self.metric = metric
        self.left = left
        self.relation = relation
        self.right = right
        self.source = source
    }

    /// "de-rrd > student", as written in the file.
    public var comparison: String { "\(left) \(relation.rawValue) \(right)" }
}
