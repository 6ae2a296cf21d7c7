import DistillKit

extension Plots {
    /// The baseline method; its gain is the reference and it is drawn in gray.
    static let studentMethod = "student"

    /// The color cycle without its gray ("C7"), which would be mistaken for the student's.
    static let palette = ["C0", "C1", "C2", "C3", "C4", "C5", "C6", "C8", "C9"]

    /// Where a method sorts in plots and legends: registered methods in registry order (the
    /// tables' order), then any other variant by name.
    static func methodOrder(_ a: String, _ b: String) -> Bool {
        let keys = MethodRegistry.keys
        let ia = keys.firstIndex(of: a) ?? keys.count, ib = keys.firstIndex(of: b) ?? keys.count
        return ia != ib ? ia < ib : a < b
    }

    /// matplotlib colors for `methods`: gray for the student baseline; a registered method always
    /// gets the same color (from its registry position), whichever methods a plot shows, so a
    /// method keeps its color across every plot of a report; other variants take the colors after
    /// the registered ones, in the order given.
    static func colors(for methods: [String]) -> [String] {
        let registered = MethodRegistry.keys.filter { $0 != studentMethod }
        let others = methods.filter { !registered.contains($0) && $0 != studentMethod }.distinctInFirstAppearanceOrder()
        return methods.map { method in
            if method == studentMethod { return "dimgray" }
            let k = registered.firstIndex(of: method) ?? (registered.count + others.firstIndex(of: method)!)
            return palette[k % palette.count]
        }
    }
}
