import Foundation

/// A Jupyter notebook in nbformat 4.5, only as much of the format as the export writes.
///
/// Encoded with sorted keys and nothing that depends on the clock, so the same inputs always give
/// the same bytes.
struct NotebookDocument: Encodable {
    var cells: [NotebookCell]

    private enum CodingKeys: String, CodingKey {
        case cells, metadata, nbformat
        case nbformatMinor = "nbformat_minor"
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(cells, forKey: .cells)
        try container.encode(Metadata(), forKey: .metadata)
        try container.encode(4, forKey: .nbformat)
        // 4.5 is the first minor version with cell ids.
        try container.encode(5, forKey: .nbformatMinor)
    }

    /// The kernel a reader needs: the code cells are Python (pandas, matplotlib).
    private struct Metadata: Encodable {
        struct KernelSpec: Encodable {
            let name = "python3"
            let displayName = "Python 3"
            let language = "python"

            enum CodingKeys: String, CodingKey {
                case name, language
                case displayName = "display_name"
            }
        }

        struct LanguageInfo: Encodable { let name = "python" }

        let kernelspec = KernelSpec()
        let languageInfo = LanguageInfo()

        enum CodingKeys: String, CodingKey {
            case kernelspec
            case languageInfo = "language_info"
        }
    }
}

/// One cell. Ids are given when the notebook is assembled, so they only depend on cell order.
struct NotebookCell: Encodable {
    enum Kind: String {
        case markdown, code
    }

    var kind: Kind
    var id = ""
    var source: String
    /// Code cells only: saved outputs (the embedded plots); the export never runs a kernel.
    var outputs: [ImageOutput] = []

    static func markdown(_ source: String) -> NotebookCell { NotebookCell(kind: .markdown, source: source) }

    static func code(_ source: String, outputs: [ImageOutput] = []) -> NotebookCell {
        NotebookCell(kind: .code, source: source, outputs: outputs)
    }

    private enum CodingKeys: String, CodingKey {
        case cellType = "cell_type"
        case id, metadata, source, outputs
        case executionCount = "execution_count"
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind.rawValue, forKey: .cellType)
        try container.encode(id, forKey: .id)
        try container.encode([String: String](), forKey: .metadata)
        try container.encode(Self.lines(source), forKey: .source)
        if kind == .code {
            // Required for code cells, and null because no kernel ever ran them.
            try container.encodeNil(forKey: .executionCount)
            try container.encode(outputs, forKey: .outputs)
        }
    }

    /// nbformat stores multi-line text as a list of lines, each keeping its newline except the
    /// last; trailing newlines are dropped, as Jupyter does, so a cell ends on its last line.
    static func lines(_ text: String) -> [String] {
        var text = Substring(text)
        while text.last == "\n" { text = text.dropLast() }
        var lines: [String] = []
        var current = ""
        for character in text {
            current.append(character)
            if character == "\n" {
                lines.append(current)
                current = ""
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}

/// A `display_data` output holding a PNG (base64) and the text shown where images are not.
struct ImageOutput: Encodable {
    var png: Data
    var alternativeText: String

    private enum CodingKeys: String, CodingKey {
        case outputType = "output_type"
        case data, metadata
    }

    private enum MimeKeys: String, CodingKey {
        case png = "image/png"
        case text = "text/plain"
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("display_data", forKey: .outputType)
        var data = container.nestedContainer(keyedBy: MimeKeys.self, forKey: .data)
        try data.encode(png.base64EncodedString(), forKey: .png)
        try data.encode([alternativeText], forKey: .text)
        try container.encode([String: String](), forKey: .metadata)
    }
}
