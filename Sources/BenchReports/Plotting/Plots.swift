/// A file format a plot is written in; the raw value is the file extension.
public enum PlotFormat: String, Sendable, CaseIterable {
    case png
    case svg
}

/// Report figures drawn by matplotlib in the embedded Python interpreter.
///
/// Each plot kind lives in its own file as an extension; they share the setup and saving here.
public enum Plots {
    /// Whether matplotlib can be imported, so callers and tests can skip plots instead of failing.
    public static var isAvailable: Bool { (try? prepareMatplotlib()) != nil }

    static let installHint = "Install it for the system Python: apt-get install python3-matplotlib"

    /// Gives matplotlib a writable config/cache directory, then checks that `module` imports.
    /// `module` is a parameter only so tests can ask for a module that is surely missing.
    static func prepareMatplotlib(module: String = "matplotlib") throws {
        try EmbeddedPython.call("use_writable_config_dir", definedIn: configDirectorySource, arguments: [:])
        try EmbeddedPython.requireModule(module, hint: installHint)
    }

    /// Calls `function` from `source` (prefixed with `figureSource`) to draw and save one figure,
    /// as `basePath.png`, `basePath.svg`, … for each of `formats`; returns the paths written.
    static func draw(
        _ function: String, definedIn source: String, arguments: [String: PythonValue],
        to basePath: String, formats: [PlotFormat]
    ) throws -> [String] {
        try prepareMatplotlib()
        let paths = formats.map { "\(basePath).\($0.rawValue)" }
        var arguments = arguments
        arguments["outputs"] = .list(zip(paths, formats).map { .strings([$0, $1.rawValue]) })
        try EmbeddedPython.call(function, definedIn: figureSource + source, arguments: arguments)
        return paths
    }
}

/// matplotlib keeps its config and font cache under ~/.config and ~/.cache; when those are not
/// writable it makes a new temporary directory per process, warns, and rebuilds the font cache.
/// A fixed per-user directory under /tmp avoids the warning and keeps the cache between runs.
private let configDirectorySource = """
    import os, tempfile

    def use_writable_config_dir():
        if "MPLCONFIGDIR" in os.environ:
            return
        home = os.path.expanduser("~")
        defaults = [
            os.path.join(os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config"), "matplotlib"),
            os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join(home, ".cache"), "matplotlib"),
        ]
        try:
            for directory in defaults:
                os.makedirs(directory, exist_ok=True)
            if all(os.access(directory, os.W_OK) for directory in defaults):
                return
        except OSError:
            pass
        shared = os.path.join(tempfile.gettempdir(), "distillbench-matplotlib-%d" % os.getuid())
        os.makedirs(shared, exist_ok=True)
        os.environ["MPLCONFIGDIR"] = shared

    """

/// Shared by every plot: the Agg backend, a fixed DPI, and files without dates or version
/// strings, so the same data gives byte-identical files. Figures are built with `Figure`
/// rather than pyplot, whose global figure registry is not safe across threads.
private let figureSource = """
    import matplotlib
    matplotlib.use("Agg", force=True)
    matplotlib.rcParams["svg.hashsalt"] = "distillbench"
    from matplotlib.figure import Figure

    DPI = 150
    METADATA = {"png": {"Software": None}, "svg": {"Date": None}}

    def new_figure(width, height):
        return Figure(figsize=(width, height), dpi=DPI, layout="constrained")

    def save(fig, outputs):
        for path, fmt in outputs:
            fig.savefig(path, format=fmt, dpi=DPI, metadata=METADATA[fmt])

    """
