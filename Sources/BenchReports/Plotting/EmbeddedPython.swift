internal import CPython
import Glibc

private typealias PyObjectPointer = UnsafeMutablePointer<PyObject>

/// The process-wide CPython interpreter that draws the plots.
///
/// It is started once and never finalized, because numpy (under matplotlib) cannot be imported
/// again after `Py_FinalizeEx`. Python objects never leave this file: callers pass `PythonValue`s,
/// and every C-API use happens inside `withGIL`, so any thread may call in.
enum EmbeddedPython {
    /// Swift runs this initializer exactly once, thread-safely, on first use.
    private static let startup: Result<Void, PythonError> = {
        if Py_IsInitialized() != 0 { return .success(()) }
        // Pin sys.executable to the system Python the linked libpython belongs to, not the first
        // `python3` on PATH (which may be a pyenv shim with incompatible site-packages).
        let systemPython = "/usr/bin/python3"
        let programName: String? = access(systemPython, X_OK) == 0 ? systemPython : nil
        if let failure = shim_initialize_isolated(programName) {
            return .failure(.initializationFailed(String(cString: failure)))
        }
        // Initialization leaves the GIL held by this thread; without releasing it here, the first
        // PyGILState_Ensure on any other thread would deadlock.
        _ = PyEval_SaveThread()
        return .success(())
    }()

    /// Runs `body` holding the GIL; PyGILState_Ensure works on any thread, even one Python has never seen.
    private static func withGIL<T>(_ body: () throws -> T) throws -> T {
        try startup.get()
        let state = PyGILState_Ensure()
        defer { PyGILState_Release(state) }
        return try body()
    }

    /// Imports `module` to check that it is installed; an ImportError becomes `.moduleMissing`
    /// carrying `hint`, so the user learns which package to install.
    static func requireModule(_ module: String, hint: String) throws {
        try withGIL {
            guard let imported = PyImport_ImportModule(module) else {
                if shim_pending_error_is_import_error() != 0 {
                    throw PythonError.moduleMissing(module: module, hint: hint, detail: takePendingError().description)
                }
                throw takePendingError()
            }
            Py_DecRef(imported)
        }
    }

    /// Runs the constant `source` in a fresh namespace and calls the function `name` it defines,
    /// passing `arguments` as keyword arguments.
    static func call(_ name: String, definedIn source: String, arguments: [String: PythonValue]) throws {
        try withGIL {
            let function = try function(named: name, definedIn: source)
            defer { Py_DecRef(function) }
            let keywords = try makeObject(.dict(Array(arguments)))
            defer { Py_DecRef(keywords) }
            guard let positional = PyTuple_New(0) else { throw takePendingError() }
            defer { Py_DecRef(positional) }
            guard let result = PyObject_Call(function, positional, keywords) else { throw takePendingError() }
            Py_DecRef(result)
        }
    }

    private static func function(named name: String, definedIn source: String) throws -> PyObjectPointer {
        guard let namespace = PyDict_New() else { throw takePendingError() }
        defer { Py_DecRef(namespace) }
        guard PyDict_SetItemString(namespace, "__builtins__", PyEval_GetBuiltins()) == 0 else {
            throw takePendingError()
        }
        guard let result = PyRun_StringFlags(source, Py_file_input, namespace, namespace, nil) else {
            throw takePendingError()
        }
        Py_DecRef(result)
        guard let function = PyDict_GetItemString(namespace, name) else {  // borrowed reference
            throw PythonError.exception(type: "NameError", message: "the source defines no '\(name)'")
        }
        Py_IncRef(function)
        return function
    }

    /// Builds a new Python object from `value`.
    private static func makeObject(_ value: PythonValue) throws -> PyObjectPointer {
        let object: PyObjectPointer? =
            switch value {
            case .none: shim_new_none()
            case .bool(let flag): PyBool_FromLong(flag ? 1 : 0)
            case .int(let number): PyLong_FromLong(number)
            case .double(let number): PyFloat_FromDouble(number)
            case .string(let text): PyUnicode_FromStringAndSize(text, text.utf8.count)
            case .list(let items): try makeList(items)
            case .dict(let entries): try makeDict(entries)
            }
        guard let object else { throw takePendingError() }
        return object
    }

    private static func makeList(_ items: [PythonValue]) throws -> PyObjectPointer {
        guard let list = PyList_New(items.count) else { throw takePendingError() }
        for (index, item) in items.enumerated() {
            do {
                PyList_SetItem(list, index, try makeObject(item))  // steals the item
            } catch {
                Py_DecRef(list)
                throw error
            }
        }
        return list
    }

    private static func makeDict(_ entries: [(key: String, value: PythonValue)]) throws -> PyObjectPointer {
        guard let dict = PyDict_New() else { throw takePendingError() }
        do {
            for (key, value) in entries {
                let object = try makeObject(value)
                defer { Py_DecRef(object) }  // PyDict_SetItemString does not steal
                guard PyDict_SetItemString(dict, key, object) == 0 else { throw takePendingError() }
            }
        } catch {
            Py_DecRef(dict)
            throw error
        }
        return dict
    }

    /// Converts the pending Python exception into a Swift error and clears it.
    private static func takePendingError() -> PythonError {
        var type: PyObjectPointer?
        var value: PyObjectPointer?
        var traceback: PyObjectPointer?
        PyErr_Fetch(&type, &value, &traceback)  // PyErr_GetRaisedException needs Python 3.12
        PyErr_NormalizeException(&type, &value, &traceback)
        defer {
            Py_DecRef(type)
            Py_DecRef(value)
            Py_DecRef(traceback)
        }
        guard let type else {
            return .exception(type: "SystemError", message: "a Python C-API call failed without an exception")
        }
        let typeName = PyObject_GetAttrString(type, "__name__").flatMap(takeString) ?? "unknown exception"
        let message = value.flatMap { PyObject_Str($0) }.flatMap(takeString) ?? ""
        PyErr_Clear()  // anything raised while describing the exception
        return .exception(type: typeName, message: message)
    }

    /// The text of a `str` object, consuming the reference.
    private static func takeString(_ object: PyObjectPointer) -> String? {
        defer { Py_DecRef(object) }
        guard let utf8 = PyUnicode_AsUTF8(object) else {
            PyErr_Clear()
            return nil
        }
        return String(cString: utf8)
    }
}
