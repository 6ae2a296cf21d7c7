import CBLAS

/// The one place that calls OpenBLAS.  BLAS is used for evaluation scoring only: its kernels
/// differ between CPUs, so nothing that training depends on goes through it (protocol.md §3).
public enum BLAS {
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }

    /// The kernel OpenBLAS picked for this CPU (goes into the manifest and the golden fingerprint).
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// C[m x ldc] = A[m x k] * B[n x k]^T for row-major A, B with leading dimensions lda, ldb.
    public static func sgemmABt(m: Int, n: Int, k: Int,
                                a: UnsafePointer<Float>, lda: Int,
                                b: UnsafePointer<Float>, ldb: Int,
                                c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k),
                    1.0, a, Int32(lda), b, Int32(ldb), 0.0, c, Int32(ldc))
    }
}
