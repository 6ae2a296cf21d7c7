extension Plots {
    /// The baseline method; its gain is the reference and it is drawn in gray.
    static let studentMethod = "student"

    /// matplotlib colors for `methods`: gray for the student baseline, then the default color
    /// cycle ("C0", "C1", …) in order. Both the latency and the gain plot use this, so a method
    /// keeps its color across a report as long as methods are listed in the same order.
    static func colors(for methods: [String]) -> [String] {
        var next = 0
        return methods.map { method in
            if method == studentMethod { return "dimgray" }
            defer { next += 1 }
            return "C\(next % 10)"
        }
    }
}
