/// `student`: the small model trained alone with the same budget and selection rule; every
/// method's gain is measured against it.
public final class StudentOnly: DistillationMethod {
    public static let key = "student"
    public static let summary = "no distillation: the student trained alone (the baseline of every gain)"
    public static let source = "the base model's own training (BPR-MF: Rendle et al., UAI 2009)"
    public static let requiresTeacher = false
    public static let defaults: [String: ConfigValue] = [:]

    public let hyperparameters: [String: ConfigValue]

    public init(hyperparameters: [String: ConfigValue]) throws {
        self.hyperparameters = try Self.resolve(hyperparameters)
    }

    public func addLoss(_ batch: TrainingBatch, _ context: DistillationContext, gradients: inout ScoreGradients) -> Double { 0 }
}
