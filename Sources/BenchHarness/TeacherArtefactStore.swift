import DistillKit
import Foundation

/// A cached teacher's artefacts (its top-N lists and the like), stored in its cache folder as
/// `artefacts/<name>.bin`: the SHA-256 of the payload (32 bytes) and then the payload.  A file
/// that is short, damaged or fails its checksum is removed and recomputed, never used.
public struct TeacherArtefactStore: ArtefactStore {
    public let directory: String

    /// Artefact names are spelled by methods from their parameters; only these characters may
    /// become a file name.
    static func isSafeName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 120 && name.utf8.allSatisfy { b in
            (0x30...0x39).contains(b) || (0x61...0x7a).contains(b) || (0x41...0x5a).contains(b) || b == 0x2d || b == 0x2e || b == 0x5f
        } && !name.hasPrefix(".")
    }

    func path(_ name: String) -> String? {
        Self.isSafeName(name) ? (directory as NSString).appendingPathComponent("\(name).bin") : nil
    }

    public func load(_ name: String) -> [UInt8]? {
        guard let p = path(name), let data = FileManager.default.contents(atPath: p) else { return nil }
        let bytes = [UInt8](data)
        guard bytes.count >= 32, SHA256.digest(bytes[32...]) == Array(bytes[0..<32]) else {
            try? FileManager.default.removeItem(atPath: p)
            return nil
        }
        return Array(bytes[32...])
    }

    public func save(_ name: String, _ bytes: [UInt8]) throws {
        guard let p = path(name) else {
            throw HarnessError("teacher artefact name '\(name.prefix(80))' is not a safe file name (letters, digits, . _ -)")
        }
        try AtomicFile.makeDirectory(directory)
        try AtomicFile.write(Data(SHA256.digest(bytes) + bytes), to: p)
    }
}

extension TeacherCache {
    /// The artefact store of the teacher cached under `key` (a validated hex key).
    public func artefactStore(_ key: String) -> TeacherArtefactStore? {
        directory(key).map { TeacherArtefactStore(directory: ($0 as NSString).appendingPathComponent("artefacts")) }
    }
}
