/// Maps method keys to their types.  The runner never switches on method names: adding a method
/// is one file with one type plus one line here.  Tables list methods in this order (by year).
public enum MethodRegistry {
    public static let all: [any DistillationMethod.Type] = [
        StudentOnly.self,
        RankingDistillation.self,
        CollaborativeDistillation.self,
        StudentGuidedCollaborativeDistillation.self,
        RelaxedRankingDistillation.self,
        ItemSideRelaxedRankingDistillation.self,
        DualCorrectionDistillation.self,
        UnbiasedDistillation.self,
    ]

    /// The row that reports the teacher itself (not a distillation method).
    public static let teacherKey = "teacher"

    public static var keys: [String] { all.map { $0.key } }

    public static func type(for key: String) throws -> any DistillationMethod.Type {
        guard let t = all.first(where: { $0.key == key }) else {
            throw MethodError.unknownMethod(key, known: [teacherKey] + keys)
        }
        return t
    }

    public static func make(_ key: String, hyperparameters: [String: ConfigValue] = [:]) throws -> any DistillationMethod {
        try type(for: key).init(hyperparameters: hyperparameters)
    }
}
