import Foundation

/// Resolves dataset names: real datasets (`ml-100k`, `ml-1m`, `book-crossing`: fetched, pinned,
/// read as their preset says), `synthetic-*` presets, and user files given as `file:PATH` (format
/// guessed from the name, or set in the suite).
public enum DatasetCatalog {
    public static var builtInNames: [String] { RealDataset.all.map(\.name) + SyntheticGenerator.presets.map(\.name) }

    public static func isSynthetic(_ name: String) -> Bool { SyntheticGenerator.preset(named: name) != nil }

    public static func load(_ name: String, options: InteractionFileOptions = InteractionFileOptions(),
                            log: (String) -> Void = { _ in }) throws -> Interactions {
        if let real = RealDataset.named(name) {
            return try InteractionFileReader.read(path: try DatasetFetcher.ensure(real.pin, log: log), options: real.options)
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
        if let real = RealDataset.named(name) { return real.fingerprint }
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

    /// Where a dataset comes from, in lines (for `bench datasets describe`); `data`, when loaded,
    /// adds how a real dataset's ids were mapped.
    public static func provenance(_ name: String, data: Interactions? = nil) -> [String] {
        if let real = RealDataset.named(name) { return real.provenance(data) }
        if let p = SyntheticGenerator.preset(named: name) {
            return ["""
            SYNTHETIC data (not real), shaped like \(p.shapeOf). Mixed-membership topic model, seed \(p.seed): \
            \(p.items) items in \(p.topics) topics grouped into \(p.themes) themes; each user mixes 1-2 themes and \
            \(p.topicsPerUser) topics per theme with Dirichlet(1) weights; items inside a topic and globally follow a power \
            law (exponent \(p.popularityExponent)); \(Int(p.globalShare * 100))% of picks follow global popularity; user \
            activity is a power law (exponent \(p.activityExponent)), at least \(p.minPerUser) per user. A small model captures the \
            themes and popularity; only a large one resolves the \(p.topics) topics, so a teacher-student gap exists by construction.
            """]
        }
        if name.hasPrefix("file:") { return ["user-supplied file \(name.dropFirst(5))"] }
        return ["unknown"]
    }
}
