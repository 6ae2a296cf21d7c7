/// Why a call into the embedded Python interpreter failed.
public enum PythonError: Error, Equatable, CustomStringConvertible {
    /// The interpreter could not start (e.g. the system Python's standard library is missing).
    case initializationFailed(String)
    /// A module could not be imported; `hint` tells the user how to install it.
    case moduleMissing(module: String, hint: String, detail: String)
    /// Python raised an exception; `type` is the exception class name.
    case exception(type: String, message: String)

    public var description: String {
        switch self {
        case .initializationFailed(let reason):
            "embedded Python failed to initialize: \(reason)"
        case .moduleMissing(let module, let hint, let detail):
            "Python module '\(module)' is not available to the embedded interpreter (\(detail)). \(hint)"
        case .exception(let type, let message):
            "\(type): \(message)"
        }
    }
}
