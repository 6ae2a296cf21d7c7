/// One trained model (mean over seeds) on the accuracy/latency plane.
public struct AccuracyLatencyPoint: Sendable, Equatable {
    /// Series name, e.g. "student", "DE-RRD" or "teacher".
    public var method: String
    /// Embedding dimension; a method's points are joined in this order.
    public var size: Int
    /// Text written next to the point, e.g. "d=20".
    public var label: String
    /// Median (p50) per-query latency in microseconds.
    public var latencyMicros: Double
    /// Spread of the latency over seeds, if measured.
    public var latencyError: Double?
    /// The accuracy metric named on the y axis, e.g. test NDCG@20.
    public var accuracy: Double
    /// Standard deviation of the accuracy over seeds.
    public var accuracyError: Double
    /// Drawn as a black star on its own, without a connecting line.
    public var isTeacher: Bool

    public init(
        method: String, size: Int, label: String, latencyMicros: Double, latencyError: Double? = nil,
        accuracy: Double, accuracyError: Double, isTeacher: Bool = false
    ) {
        self.method = method
        self.size = size
        self.label = label
        self.latencyMicros = latencyMicros
        self.latencyError = latencyError
        self.accuracy = accuracy
        self.accuracyError = accuracyError
        self.isTeacher = isTeacher
    }
}

extension Plots {
    /// Accuracy against p50 latency (log axis) for one dataset and protocol: a line per method
    /// through its student sizes, the teacher as a star, and the Pareto frontier dashed.
    /// Writes `basePath.<format>` for each format and returns those paths.
    @discardableResult
    public static func accuracyVsLatency(
        points: [AccuracyLatencyPoint], title: String,
        xLabel: String = "p50 latency per query (µs)", yLabel: String,
        to basePath: String, formats: [PlotFormat] = [.png, .svg]
    ) throws -> [String] {
        let frontier = paretoFrontier(points).map { points[$0] }
        let annotated = annotatedPoints(points)
        return try draw(
            "accuracy_vs_latency", definedIn: accuracyVsLatencySource,
            arguments: [
                "series": .list(series(of: points)),
                "frontier_x": .doubles(frontier.map(\.latencyMicros)),
                "frontier_y": .doubles(frontier.map(\.accuracy)),
                "annotations": .list(annotated.map { point in
                    .dict([
                        ("text", .string(point.label)), ("x", .double(point.latencyMicros)),
                        ("y", .double(point.accuracy)), ("teacher", .bool(point.isTeacher)),
                    ])
                }),
                "title": .string(title),
                "xlabel": .string(xLabel),
                "ylabel": .string(yLabel),
            ],
            to: basePath, formats: formats)
    }

    /// The points whose label is written: every teacher, and for the students each distinct
    /// label once, at its least accurate point. All methods of one size share an architecture and
    /// so nearly the same latency; repeating "d=20" next to every method would only stack text.
    static func annotatedPoints(_ points: [AccuracyLatencyPoint]) -> [AccuracyLatencyPoint] {
        let students = points.filter { !$0.isTeacher }
        let lowestPerLabel = students.map(\.label).distinctInFirstAppearanceOrder().compactMap { label in
            students.filter { $0.label == label }.min { $0.accuracy < $1.accuracy }
        }
        return lowestPerLabel + points.filter(\.isTeacher)
    }

    /// One dict per (method, teacher-or-not), its points sorted by size.
    private static func series(of points: [AccuracyLatencyPoint]) -> [PythonValue] {
        let keys = points.map(SeriesKey.init).distinctInFirstAppearanceOrder()
        let colors = colors(for: keys.map(\.method))
        return zip(keys, colors).map { key, color in
            let members = points.filter { SeriesKey($0) == key }.sorted { $0.size < $1.size }
            let latencyErrors = members.map(\.latencyError)
            return .dict([
                ("method", .string(key.method)),
                ("teacher", .bool(key.isTeacher)),
                ("color", .string(key.isTeacher ? "black" : color)),
                ("x", .doubles(members.map(\.latencyMicros))),
                ("y", .doubles(members.map(\.accuracy))),
                ("yerr", .doubles(members.map(\.accuracyError))),
                // None when no point has a latency error, so no empty error bars are drawn.
                ("xerr", .optional(latencyErrors.contains { $0 != nil } ? latencyErrors.map { $0 ?? 0 } : nil)),
            ])
        }
    }

    private struct SeriesKey: Hashable {
        var method: String
        var isTeacher: Bool

        init(_ point: AccuracyLatencyPoint) {
            method = point.method
            isTeacher = point.isTeacher
        }
    }
}

private let accuracyVsLatencySource = """
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    def accuracy_vs_latency(series, frontier_x, frontier_y, annotations, title, xlabel, ylabel, outputs):
        fig = new_figure(7.5, 4.6)
        ax = fig.add_subplot()
        handles = []
        for s in series:
            if s["teacher"]:
                style = dict(marker="*", markersize=15, linestyle="none", zorder=3)
            else:
                style = dict(marker="o", markersize=5)
            handles.append(ax.errorbar(s["x"], s["y"], xerr=s["xerr"], yerr=s["yerr"], capsize=3,
                                       color=s["color"], label=s["method"], **style))
        if frontier_x:
            handles += ax.step(frontier_x, frontier_y, where="post", linestyle="--", linewidth=1,
                               color="gray", label="Pareto frontier", zorder=1)
        for a in annotations:
            if a["teacher"]:
                placement = dict(xytext=(-10, 0), ha="right", va="center")
            else:
                placement = dict(xytext=(6, -6), ha="left", va="top")
            ax.annotate(a["text"], (a["x"], a["y"]), textcoords="offset points", fontsize=7,
                        color="0.25", **placement)
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: "%g" % value))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.margins(x=0.08, y=0.08)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0,
                  fontsize=8)
        save(fig, outputs)

    """
