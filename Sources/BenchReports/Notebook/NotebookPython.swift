import DistillKit
import Foundation

/// The Python of the exported notebook's code cells: they rebuild the report from `summary.csv`
/// with pandas and matplotlib, so a reader can check and restyle it without the Swift tool.
enum NotebookPython {
    /// The first code cell: every other cell reads files through `RUN_DIR`, so changing it here
    /// points the whole notebook at another copy of the results.
    static func setup(runDirectory: String) -> String {
        """
        import os

        # The results directory this notebook reads (a relative path starts at the notebook's
        # folder, where Jupyter runs it); change it to read another copy of the results.
        RUN_DIR = \(literal(runDirectory))
        """
    }

    /// Shows a plot file again, so running the cell keeps the image that was embedded at export.
    static func showPlot(named file: String) -> String {
        """
        from IPython.display import Image, display

        display(Image(filename=os.path.join(RUN_DIR, "plots", \(literal(file)))))
        """
    }

    static let loadSummary = """
        import pandas as pd

        # One row per run; failed runs have no metrics.
        summary = pd.read_csv(os.path.join(RUN_DIR, "summary.csv"))
        finished = summary[summary["status"] == "finished"]
        finished.head()
        """

    /// Mean and sample standard deviation over seeds, as `tables/summary.md` reports them.
    static let aggregate = """
        metric_columns = [c for c in finished.columns if c.startswith("test_")] + ["latency_p50_us", "params"]
        stats = finished.groupby(["dataset", "method", "dim"])[metric_columns].agg(["mean", "std"])
        stats
        """

    /// The main plot (as `Plots.accuracyVsLatency` draws it): the protocol's selection metric
    /// against p50 latency on a log axis, a line per method through its sizes, the teacher a star.
    static func accuracyVsLatency(protocol p: EvaluationProtocol) -> String {
        let metric = "test_" + p.selectionMetric
        let label = "test " + p.selectionMetric.uppercased()
        return """
            import matplotlib.pyplot as plt
            from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

            METRIC = \(literal(metric))

            for dataset, rows in stats.groupby(level="dataset"):
                fig, ax = plt.subplots(figsize=(7.5, 4.6), layout="constrained")
                for method, points in rows.groupby(level="method"):
                    x = points[("latency_p50_us", "mean")]
                    y = points[(METRIC, "mean")]
                    yerr = points[(METRIC, "std")].fillna(0)
                    if method == "teacher":
                        style = dict(marker="*", markersize=15, linestyle="none", color="black", zorder=3)
                    else:
                        style = dict(marker="o", markersize=5, color="dimgray" if method == "student" else None)
                    ax.errorbar(x, y, yerr=yerr, capsize=3, label=method, **style)
                    for dim, xi, yi in zip(points.index.get_level_values("dim"), x, y):
                        ax.annotate(f"d={dim}", (xi, yi), textcoords="offset points", xytext=(6, -6), fontsize=7)
                ax.set_xscale("log")
                ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
                ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: "%g" % value))
                ax.xaxis.set_minor_formatter(NullFormatter())
                ax.set_xlabel("p50 latency per query (µs)")
                ax.set_ylabel(\(literal(label)))
                ax.set_title(f"{dataset}: accuracy vs latency (\(p.rawValue))")
                ax.grid(True, which="major", alpha=0.3)
                ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
                plt.show()
            """
    }

    /// A Python string literal for `text`: a JSON string literal is one, once slashes are left
    /// unescaped (Python keeps `\/` as two characters).
    static func literal(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        // Encoding a String cannot fail.
        return String(decoding: try! encoder.encode(text), as: UTF8.self)
    }
}
