/// A dense row-major Float matrix whose rows are padded to a multiple of 8 floats, so every
/// row can be processed with `SIMD8<Float>` without a scalar tail.  The padding is always zero
/// (gradients and optimiser steps never touch it), so dot products over the padded width equal
/// the dot products over `cols`.
///
/// A class with manual storage so that parallel loops can write disjoint rows through a
/// `Sendable` reference without copy-on-write.
public final class Matrix: @unchecked Sendable {
    public let rows: Int
    public let cols: Int
    /// Floats per row in storage (`cols` rounded up to a multiple of 8).
    public let stride: Int
    public let data: UnsafeMutablePointer<Float>

    public init(rows: Int, cols: Int) {
        precondition(rows >= 0 && cols > 0)
        self.rows = rows
        self.cols = cols
        self.stride = (cols + 7) / 8 * 8
        data = .allocate(capacity: max(1, rows * stride))
        data.initialize(repeating: 0, count: max(1, rows * stride))
    }

    deinit { data.deallocate() }

    public var count: Int { rows * stride }

    @inlinable public func row(_ r: Int) -> UnsafeMutablePointer<Float> { data + r * stride }

    /// The row viewed as SIMD8 blocks (`stride / 8` of them).
    @inlinable public func vrow(_ r: Int) -> UnsafeMutablePointer<SIMD8<Float>> {
        UnsafeMutableRawPointer(data + r * stride).assumingMemoryBound(to: SIMD8<Float>.self)
    }

    @inlinable public var blocksPerRow: Int { stride / 8 }

    public subscript(r: Int, c: Int) -> Float {
        get { data[r * stride + c] }
        set { data[r * stride + c] = newValue }
    }

    public func fill(_ v: Float) {
        if v == 0 { data.update(repeating: 0, count: count); return }
        for r in 0..<rows { for c in 0..<cols { data[r * stride + c] = v } }
    }

    public func copy() -> Matrix {
        let m = Matrix(rows: rows, cols: cols)
        m.data.update(from: data, count: count)
        return m
    }

    public func copy(from other: Matrix) {
        precondition(other.rows == rows && other.cols == cols)
        data.update(from: other.data, count: count)
    }

    /// The logical values (no padding), row after row.
    public func toArray() -> [Float] {
        var out = [Float](); out.reserveCapacity(rows * cols)
        for r in 0..<rows { for c in 0..<cols { out.append(data[r * stride + c]) } }
        return out
    }

    public convenience init(rows: Int, cols: Int, values: [Float]) {
        precondition(values.count == rows * cols)
        self.init(rows: rows, cols: cols)
        for r in 0..<rows { for c in 0..<cols { data[r * stride + c] = values[r * cols + c] } }
    }

    /// Bitwise equality of the logical values.
    public func bitwiseEqual(_ other: Matrix) -> Bool {
        guard rows == other.rows, cols == other.cols else { return false }
        for i in 0..<count where data[i].bitPattern != other.data[i].bitPattern { return false }
        return true
    }
}

/// Dot product of two padded rows with a fixed SIMD8 summation order (deterministic, vectorised).
@inlinable @inline(__always)
public func dot(_ a: UnsafePointer<SIMD8<Float>>, _ b: UnsafePointer<SIMD8<Float>>, blocks: Int) -> Float {
    var acc = SIMD8<Float>()
    for k in 0..<blocks { acc += a[k] * b[k] }
    return acc.sum()
}

/// y += alpha * x over padded rows.
@inlinable @inline(__always)
public func axpy(_ alpha: Float, _ x: UnsafePointer<SIMD8<Float>>, _ y: UnsafeMutablePointer<SIMD8<Float>>, blocks: Int) {
    let a = SIMD8<Float>(repeating: alpha)
    for k in 0..<blocks { y[k] += a * x[k] }
}
