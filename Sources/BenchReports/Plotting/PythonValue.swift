/// A Swift value to hand to Python.
///
/// Data reaches Python only as objects built through the C API (see `EmbeddedPython`), never by
/// formatting it into Python source, so labels with quotes or odd numbers cannot change the code.
enum PythonValue: Sendable {
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([PythonValue])
    /// Keys keep their order, so Python sees the same dict on every run.
    case dict([(key: String, value: PythonValue)])
}

extension PythonValue {
    static func doubles(_ values: [Double]) -> PythonValue { .list(values.map(PythonValue.double)) }
    static func ints(_ values: [Int]) -> PythonValue { .list(values.map(PythonValue.int)) }
    static func strings(_ values: [String]) -> PythonValue { .list(values.map(PythonValue.string)) }
    static func nested(_ rows: [[Double]]) -> PythonValue { .list(rows.map(PythonValue.doubles)) }
    /// `None` for a missing list, so optional inputs need no sentinel values.
    static func optional(_ values: [Double]?) -> PythonValue { values.map(PythonValue.doubles) ?? .none }
}
