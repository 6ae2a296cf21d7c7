/// How much one method improves on the plain `student` at one student size.
public struct GainBar: Sendable, Equatable {
    /// Bar within a group, e.g. "DE-RRD".
    public var method: String
    /// Group on the x axis, usually the student size, e.g. "d=20".
    public var group: String
    /// 100 · (method − student) / student of the accuracy metric.
    public var gainPercent: Double
    /// Spread of the gain over seeds, if known.
    public var error: Double?

    public init(method: String, group: String, gainPercent: Double, error: Double? = nil) {
        self.method = method
        self.group = group
        self.gainPercent = gainPercent
        self.error = error
    }
}

extension Plots {
    /// Grouped bars of the % gain over the student baseline: a group per student size, a bar per
    /// method, and a line at 0. Groups and methods keep the order in which they first appear.
    /// Writes `basePath.<format>` for each format and returns those paths.
    @discardableResult
    public static func gainOverStudent(
        bars: [GainBar], title: String, xLabel: String = "student size",
        yLabel: String = "gain over student (%)",
        to basePath: String, formats: [PlotFormat] = [.png, .svg]
    ) throws -> [String] {
        let groups = bars.map(\.group).distinctInFirstAppearanceOrder()
        let methods = bars.map(\.method).distinctInFirstAppearanceOrder()
        func bar(_ method: String, _ group: String) -> GainBar? {
            bars.first { $0.method == method && $0.group == group }
        }
        // One row per method, one column per group; NaN where a method has no bar in a group.
        let gains = methods.map { method in groups.map { bar(method, $0)?.gainPercent ?? .nan } }
        let errors: [PythonValue] = methods.map { method in
            let row = groups.map { bar(method, $0)?.error }
            return .optional(row.contains { $0 != nil } ? row.map { $0 ?? .nan } : nil)
        }
        return try draw(
            "gain_over_student", definedIn: gainOverStudentSource,
            arguments: [
                "groups": .strings(groups),
                "methods": .strings(methods),
                "colors": .strings(colors(for: methods)),
                "gains": .nested(gains),
                "errors": .list(errors),
                "title": .string(title),
                "xlabel": .string(xLabel),
                "ylabel": .string(yLabel),
            ],
            to: basePath, formats: formats)
    }
}

private let gainOverStudentSource = """
    def gain_over_student(groups, methods, colors, gains, errors, title, xlabel, ylabel, outputs):
        fig = new_figure(7.5, 4.2)
        ax = fig.add_subplot()
        width = 0.8 / max(len(methods), 1)
        for m, (method, color, heights, spread) in enumerate(zip(methods, colors, gains, errors)):
            offset = (m - (len(methods) - 1) / 2) * width
            ax.bar([g + offset for g in range(len(groups))], heights, width, yerr=spread,
                   capsize=3, color=color, label=method)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xticks(range(len(groups)), groups)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.grid(True, axis="y", alpha=0.3)
        ax.set_axisbelow(True)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0, fontsize=8)
        save(fig, outputs)

    """
