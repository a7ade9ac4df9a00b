import Foundation

/// ggml's "k-quant" blocks, which llama.cpp's quantizer uses for GPT-2's embedding and
/// output (Q6_K) and in its Q4_K_M mixes (Q4_K). The engine has no kernels for them: they
/// are widened to F32 once, at load, and then used (or converted) like any F32 tensor.
///
/// Each block holds 256 weights (`QK_K`):
/// - Q6_K, 210 bytes: 128 bytes of low 4 bits, 64 bytes of high 2 bits, 16 int8 scales (one
///   per 16 weights), one F16 super-scale `d`. Weight = d × scale × (6-bit value − 32).
/// - Q4_K, 144 bytes: F16 `d` and `dmin`, 12 bytes holding eight 6-bit scales and eight
///   6-bit minimums (one pair per 32 weights), 128 bytes of 4-bit values. Weight =
///   d × scale × value − dmin × minimum.
enum KQuants {
    static let blockWeights = 256

    /// Bytes per block, by ggml type number, for the types this file widens.
    static let blockBytes: [UInt32: Int] = [14: 210, 12: 144]

    /// Widens `blocks` blocks of type `type` at `source` into `destination`.
    static func dequantize(type: UInt32, _ source: UnsafeRawPointer, blocks: Int, into destination: UnsafeMutablePointer<Float>) {
        for block in 0..<blocks {
            let y = destination + block * blockWeights
            switch type {
            case 14: q6K(source + block * 210, y)
            case 12: q4K(source + block * 144, y)
            default: break
            }
        }
    }

    private static func half(_ pointer: UnsafeRawPointer) -> Float {
        Float(Float16(bitPattern: pointer.loadUnaligned(as: UInt16.self).littleEndian))
    }

    private static func q6K(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let low = block.assumingMemoryBound(to: UInt8.self)
        let high = low + 128
        let scales = (block + 192).assumingMemoryBound(to: Int8.self)
        let d = half(block + 208)
        for half in 0..<2 {  // two runs of 128 weights
            let ql = low + 64 * half, qh = high + 32 * half, sc = scales + 8 * half, out = y + 128 * half
            for l in 0..<32 {
                let group = l / 16
                let q1 = Int(ql[l] & 0xF | ((qh[l] >> 0) & 3) << 4) - 32
                let q2 = Int(ql[l + 32] & 0xF | ((qh[l] >> 2) & 3) << 4) - 32
                let q3 = Int(ql[l] >> 4 | ((qh[l] >> 4) & 3) << 4) - 32
                let q4 = Int(ql[l + 32] >> 4 | ((qh[l] >> 6) & 3) << 4) - 32
                out[l] = d * Float(sc[group]) * Float(q1)
                out[l + 32] = d * Float(sc[group + 2]) * Float(q2)
                out[l + 64] = d * Float(sc[group + 4]) * Float(q3)
                out[l + 96] = d * Float(sc[group + 6]) * Float(q4)
            }
        }
    }

    /// The `index`th 6-bit scale and minimum of a Q4_K block's 12 packed bytes.
    private static func scaleAndMinimum(_ index: Int, _ q: UnsafePointer<UInt8>) -> (Float, Float) {
        if index < 4 { return (Float(q[index] & 63), Float(q[index + 4] & 63)) }
        return (Float(q[index + 4] & 0xF | (q[index - 4] >> 6) << 4), Float(q[index + 4] >> 4 | (q[index] >> 6) << 4))
    }

    private static func q4K(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(block), dmin = half(block + 2)
        let scales = (block + 4).assumingMemoryBound(to: UInt8.self)
        let qs = (block + 16).assumingMemoryBound(to: UInt8.self)
        for pair in 0..<4 {  // 64 weights each: 32 low nibbles, then 32 high
            let (scale1, minimum1) = scaleAndMinimum(2 * pair, scales)
            let (scale2, minimum2) = scaleAndMinimum(2 * pair + 1, scales)
            let q = qs + 32 * pair, out = y + 64 * pair
            for l in 0..<32 {
                out[l] = d * scale1 * Float(q[l] & 0xF) - dmin * minimum1
                out[l + 32] = d * scale2 * Float(q[l] >> 4) - dmin * minimum2
            }
        }
    }
}
