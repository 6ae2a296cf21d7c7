/// The model families a suite may name, each with a version that is part of every run's
/// identity: bump a family's version when a fix changes what its training produces, and exactly
/// the runs of that family rerun.
public enum ModelFamily {
    public static let versions: [String: Int] = ["bpr-mf": 1]
    public static var names: [String] { versions.keys.sorted() }
}
