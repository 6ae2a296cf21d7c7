#ifndef DISTILLBENCH_CPYTHON_SHIM_H
#define DISTILLBENCH_CPYTHON_SHIM_H

/* The libc headers come BEFORE Python.h: pyconfig.h defines _GNU_SOURCE and friends, and if
   glibc's structs (e.g. fd_set) were first seen under those macros inside this module, they would
   clash with the SwiftGlibc / Foundation definitions of the same structs. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Py_None is a macro over a mutable C global; Swift imports neither. Returns a new reference. */
static inline PyObject *shim_new_none(void) {
    Py_INCREF(Py_None);
    return Py_None;
}

/* PyExc_ImportError is a mutable C global that Swift 6 strict concurrency rejects.
   True for ImportError and its subclass ModuleNotFoundError. */
static inline int shim_pending_error_is_import_error(void) {
    return PyErr_ExceptionMatches(PyExc_ImportError);
}

/* Starts an isolated interpreter (ignores PYTHONPATH, PYTHONHOME, the user site directory; keeps the
   system site-packages) that does not install signal handlers. Setting program_name pins
   sys.executable to the system Python instead of whatever `python3` comes first on PATH.
   Written in C because Swift's exclusivity rules reject
   PyConfig_SetBytesString(&config, &config.program_name, ...).
   Returns NULL on success, otherwise a static error message. */
static inline const char *shim_initialize_isolated(const char *program_name) {
    PyConfig config;
    PyConfig_InitIsolatedConfig(&config);
    config.install_signal_handlers = 0;
    if (program_name != NULL) {
        PyStatus status = PyConfig_SetBytesString(&config, &config.program_name, program_name);
        if (PyStatus_Exception(status)) {
            PyConfig_Clear(&config);
            return status.err_msg != NULL ? status.err_msg : "setting program_name failed";
        }
    }
    PyStatus status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) {
        return status.err_msg != NULL ? status.err_msg : "Py_InitializeFromConfig failed";
    }
    return NULL;
}

#endif
