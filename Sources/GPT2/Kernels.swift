import COpenBLAS
import Foundation

// Shape legend, for every kernel in this file (all row-major, F32):
//   T  rows processed in this pass (new tokens)     S  positions attended (cache + new)
//   C  hidden size                                  F  feed-forward size
//   H  heads, D = C / H head size                   V  vocabulary size
//
// The hot paths of the forward pass live here and only here, so that a faster
// implementation (another BLAS, a C target with CPU dispatch, quantised weights)
// replaces one file. Each fast kernel has a naive reference in `ReferenceKernels`,
// and the tests hold the two together on random inputs.
enum Kernels {
    /// out = input · weight + bias, for GPT-2's Conv1D weights.
    /// A single row goes through sgemv: sgemm on one row is much slower.
    static func linear(
        _ out: UnsafeMutablePointer<Float>,          // (T, N)
        _ input: UnsafePointer<Float>,               // (T, K)
        weight: UnsafePointer<Float>,                // (K, N)
        bias: UnsafePointer<Float>,                  // (N)
        rows: Int, inputSize: Int, outputSize: Int
    ) {
        let (t, k, n) = (Int32(rows), Int32(inputSize), Int32(outputSize))
        for row in 0..<rows {
            (out + row * outputSize).update(from: bias, count: outputSize)
        }
        if rows == 1 {
            cblas_sgemv(CblasRowMajor, CblasTrans, k, n, 1, weight, n, input, 1, 1, out, 1)
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, t, n, k, 1, input, k, weight, n, 1, out, n)
        }
    }

    /// logits = matrix · x, for the (tied) output projection of one position.
    static func logits(
        _ out: UnsafeMutablePointer<Float>,          // (V)
        _ x: UnsafePointer<Float>,                   // (C)
        matrix: UnsafePointer<Float>,                // (V, C)
        vocabularySize: Int, hiddenSize: Int
    ) {
        let (v, c) = (Int32(vocabularySize), Int32(hiddenSize))
        cblas_sgemv(CblasRowMajor, CblasNoTrans, v, c, 1, matrix, c, x, 1, 0, out, 1)
    }

    /// Causal multi-head attention of T new rows over S = start + T cached positions.
    /// Query row t (at position start + t) sees positions 0...start + t.
    static func attention(
        _ out: UnsafeMutablePointer<Float>,          // (T, C)
        qkv: UnsafePointer<Float>,                   // (T, 3C): q | k | v per row
        keys: UnsafePointer<Float>,                  // (S, C) cache, rows start..<S already filled
        values: UnsafePointer<Float>,                // (S, C)
        scores: UnsafeMutablePointer<Float>,         // (T, S) scratch
        rows: Int, start: Int, heads: Int, headSize: Int
    ) {
        let c = heads * headSize
        let s = start + rows
        let scale = 1 / Float(headSize).squareRoot()
        for head in 0..<heads {
            let q = qkv + head * headSize
            let k = keys + head * headSize
            let v = values + head * headSize
            let o = out + head * headSize
            if rows == 1 {
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(s), Int32(headSize), scale,
                            k, Int32(c), q, 1, 0, scores, 1)
            } else {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(s), Int32(headSize),
                            scale, q, Int32(3 * c), k, Int32(c), 0, scores, Int32(s))
            }
            for row in 0..<rows {
                causalSoftmax(scores + row * s, visible: start + row + 1, width: s)
            }
            if rows == 1 {
                cblas_sgemv(CblasRowMajor, CblasTrans, Int32(s), Int32(headSize), 1,
                            v, Int32(c), scores, 1, 0, o, 1)
            } else {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(headSize), Int32(s),
                            1, scores, Int32(s), v, Int32(c), 0, o, Int32(c))
            }
        }
    }

    /// Softmax over the first `visible` entries of a row; the masked rest become 0.
    static func causalSoftmax(_ row: UnsafeMutablePointer<Float>, visible: Int, width: Int) {
        var maximum = -Float.infinity
        for i in 0..<visible { maximum = max(maximum, row[i]) }
        var sum: Float = 0
        for i in 0..<visible {
            let e = expf(row[i] - maximum)
            row[i] = e
            sum += e
        }
        let inverse = 1 / sum
        for i in 0..<visible { row[i] *= inverse }
        for i in visible..<width { row[i] = 0 }
    }

    /// Layer normalisation of each row, with gain and bias.
    static func layerNorm(
        _ out: UnsafeMutablePointer<Float>,          // (T, C)
        _ input: UnsafePointer<Float>,               // (T, C)
        gain: UnsafePointer<Float>, bias: UnsafePointer<Float>,  // (C)
        rows: Int, size: Int, epsilon: Float
    ) {
        for row in 0..<rows {
            let x = input + row * size
            let y = out + row * size
            var mean: Float = 0
            for i in 0..<size { mean += x[i] }
            mean /= Float(size)
            var variance: Float = 0
            for i in 0..<size {
                let d = x[i] - mean
                variance += d * d
            }
            variance /= Float(size)
            let inverse = 1 / (variance + epsilon).squareRoot()
            for i in 0..<size { y[i] = (x[i] - mean) * inverse * gain[i] + bias[i] }
        }
    }

    /// GELU with GPT-2's tanh approximation ("gelu_new"), in place.
    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let root2OverPi: Float = 0.7978845608028654
        for i in 0..<count {
            let v = x[i]
            x[i] = 0.5 * v * (1 + tanhf(root2OverPi * (v + 0.044715 * v * v * v)))
        }
    }

    /// x += y, the residual connection.
    static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { x[i] += y[i] }
    }
}

/// Plain loops that say what the kernels compute, slowly and obviously; tests only.
enum ReferenceKernels {
    static func linear(
        _ out: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        rows: Int, inputSize: Int, outputSize: Int
    ) {
        for t in 0..<rows {
            for n in 0..<outputSize {
                var sum = bias[n]
                for k in 0..<inputSize { sum += input[t * inputSize + k] * weight[k * outputSize + n] }
                out[t * outputSize + n] = sum
            }
        }
    }

    static func attention(
        _ out: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>,
        keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
        rows: Int, start: Int, heads: Int, headSize: Int
    ) {
        let c = heads * headSize
        for t in 0..<rows {
            for h in 0..<heads {
                let visible = start + t + 1
                var weights = [Float](repeating: 0, count: visible)
                for j in 0..<visible {
                    var dot: Float = 0
                    for d in 0..<headSize { dot += qkv[t * 3 * c + h * headSize + d] * keys[j * c + h * headSize + d] }
                    weights[j] = dot / Float(headSize).squareRoot()
                }
                let maximum = weights.max()!
                let exps = weights.map { exp($0 - maximum) }
                let total = exps.reduce(0, +)
                for d in 0..<headSize {
                    var sum: Float = 0
                    for j in 0..<visible { sum += exps[j] / total * values[j * c + h * headSize + d] }
                    out[t * c + h * headSize + d] = sum
                }
            }
        }
    }
}

/// OpenBLAS's thread pool, configured once for the process.
public enum BLASThreads {
    /// Sets the number of threads OpenBLAS uses. Call once, at start-up, before any
    /// forward pass: the engine runs no threads of its own, so this is the process's
    /// whole compute parallelism and nothing oversubscribes the cores.
    public static func configure(threads: Int) {
        openblas_set_num_threads(Int32(max(1, threads)))
    }

    public static var count: Int { Int(openblas_get_num_threads()) }
}
