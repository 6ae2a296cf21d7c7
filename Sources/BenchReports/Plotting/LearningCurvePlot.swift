/// Per-epoch history of one training run.
public struct LearningCurve: Sendable, Equatable {
    public var epochs: [Int]
    /// Validation metric after each epoch in `epochs`.
    public var validation: [Double]
    /// Training loss after each epoch in `epochs`, if recorded.
    public var loss: [Double]?
    /// The epoch whose model was selected (best validation).
    public var bestEpoch: Int
    /// Name of the validation metric, e.g. "NDCG@20".
    public var metricName: String

    public init(epochs: [Int], validation: [Double], loss: [Double]? = nil, bestEpoch: Int, metricName: String) {
        self.epochs = epochs
        self.validation = validation
        self.loss = loss
        self.bestEpoch = bestEpoch
        self.metricName = metricName
    }
}

extension Plots {
    /// The validation metric over epochs, the training loss on a second y axis when present, and
    /// a dotted line at the selected epoch. Writes `basePath.<format>` for each format and
    /// returns those paths.
    @discardableResult
    public static func learningCurve(
        _ curve: LearningCurve, title: String,
        to basePath: String, formats: [PlotFormat] = [.png, .svg]
    ) throws -> [String] {
        try draw(
            "learning_curve", definedIn: learningCurveSource,
            arguments: [
                "epochs": .ints(curve.epochs),
                "validation": .doubles(curve.validation),
                "loss": .optional(curve.loss),
                "best_epoch": .int(curve.bestEpoch),
                "metric": .string(curve.metricName),
                "title": .string(title),
            ],
            to: basePath, formats: formats)
    }
}

private let learningCurveSource = """
    def learning_curve(epochs, validation, loss, best_epoch, metric, title, outputs):
        fig = new_figure(7.0, 4.2)
        ax = fig.add_subplot()
        handles = ax.plot(epochs, validation, color="tab:blue", label="validation " + metric)
        handles.append(ax.axvline(best_epoch, color="tab:green", linestyle=":",
                                  label="selected epoch (%d)" % best_epoch))
        if loss is not None:
            loss_axis = ax.twinx()
            handles += loss_axis.plot(epochs, loss, color="tab:orange", label="training loss")
            loss_axis.set_ylabel("training loss")
        ax.set_xlabel("epoch")
        ax.set_ylabel("validation " + metric)
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=len(handles),
                  fontsize=8, frameon=False)
        save(fig, outputs)

    """
