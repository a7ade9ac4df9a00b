import CKernels
import Foundation

// Shape legend, for every kernel here (all row-major, F32 activations):
//   T  rows processed in this pass (new tokens)     S  positions attended (cache + new)
//   C  hidden size                                  F  feed-forward size
//   H  heads, D = C / H head size                   V  vocabulary size
//   P  positions the KV cache holds; caches are (H, P, D)
//
// The hot paths live in the CKernels target (one C file per kernel family, each with a
// portable version, chosen by cpuid at run time); this is the engine's only door to them,
// so the forward pass reads as Swift and the pointers stay in these calls.
enum Kernels {
    /// out = input · W + bias, for any weight format.
    static func linear(
        _ out: UnsafeMutablePointer<Float>,          // (T, N)
        _ input: UnsafePointer<Float>,               // (T, K)
        weight: WeightMatrix,                        // K -> N
        bias: UnsafePointer<Float>?,                 // (N)
        rows: Int,
        pool: ComputePool = .shared
    ) {
        var matrix = weight.kernelMatrix
        ck_linear(pool.pointer, &matrix, bias, input, out, Int64(rows))
    }

    /// Row `token` of an (N, K) matrix as floats: the token embedding lookup.
    static func row(
        _ out: UnsafeMutablePointer<Float>,          // (C)
        of matrix: WeightMatrix, at index: Int
    ) {
        var view = matrix.kernelMatrix
        ck_matrix_row(&view, Int64(index), out)
    }

    /// Causal multi-head attention of T new rows over S = start + T cached positions.
    /// Query row t (at position start + t) sees positions 0...start + t.
    static func attention(
        _ out: UnsafeMutablePointer<Float>,          // (T, C)
        qkv: UnsafePointer<Float>,                   // (T, 3C): q | k | v per row
        keys: UnsafeRawPointer,                      // (H, P, D) in `format`, positions < S filled
        values: UnsafeRawPointer,                    // (H, P, D) in `format`
        format: WeightFormat,                        // .f32 or .f16
        rows: Int, start: Int, heads: Int, headSize: Int, capacity: Int
    ) {
        ck_attention(ComputePool.shared.pointer, out, qkv, keys, values, format.rawValue,
                     Int64(rows), Int64(start), Int64(heads), Int64(headSize), Int64(capacity))
    }

    /// Copies the new rows' keys and values from qkv into the caches at start..<start + T.
    static func storeKeysAndValues(
        _ qkv: UnsafePointer<Float>,                 // (T, 3C)
        keys: UnsafeMutableRawPointer,               // (H, P, D) in `format`
        values: UnsafeMutableRawPointer,             // (H, P, D) in `format`
        format: WeightFormat,                        // .f32 or .f16
        rows: Int, start: Int, heads: Int, headSize: Int, capacity: Int
    ) {
        ck_store_kv(qkv, keys, values, format.rawValue,
                    Int64(rows), Int64(start), Int64(heads), Int64(headSize), Int64(capacity))
    }

    /// Layer normalisation of each row, with gain and bias.
    static func layerNorm(
        _ out: UnsafeMutablePointer<Float>,          // (T, C)
        _ input: UnsafePointer<Float>,               // (T, C)
        gain: UnsafePointer<Float>, bias: UnsafePointer<Float>,  // (C)
        rows: Int, size: Int, epsilon: Float
    ) {
        ck_layer_norm(ComputePool.shared.pointer, out, input, gain, bias, Int64(rows), Int64(size), epsilon)
    }

    /// GELU with GPT-2's tanh approximation ("gelu_new"), in place.
    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        ck_gelu(ComputePool.shared.pointer, x, Int64(count))
    }

    /// x += y, the residual connection.
    static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count: Int) {
        ck_add(ComputePool.shared.pointer, x, y, Int64(count))
    }
}

/// Plain loops that say what the kernels compute, slowly and obviously; tests only.
enum ReferenceKernels {
    /// The portable C loops, activations quantized as the fast kernels quantize them.
    static func linear(
        _ out: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>,
        weight: WeightMatrix, bias: UnsafePointer<Float>?, rows: Int
    ) {
        var matrix = weight.kernelMatrix
        ck_linear_reference(&matrix, bias, input, out, Int64(rows))
    }

    /// Attention over (S, C) keys and values, from the definition.
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
