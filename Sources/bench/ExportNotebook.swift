import ArgumentParser
import BenchReports
import Foundation

struct ExportNotebook: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export-notebook",
        abstract: "Write a Jupyter notebook (nbformat 4) of a results directory into notebooks-export/.")
    @Argument(help: "Results directory.") var runDirectory: String
    @Option(help: "Notebook file (default: notebooks-export/<suite name>.ipynb).") var out: String?

    func run() throws {
        do { print(try NotebookExport.write(runDirectory: runDirectory, to: out)) } catch { throw fail(error) }
    }
}
