import Foundation

/// ggml's block types the engine has no kernels for, which llama.cpp's quantizer uses for
/// GPT-2: Q6_K for the embedding and output, Q4_K in its Q4_K_M mixes, and Q5_0 / Q5_1 where
/// a row is not a whole number of 256-weight k-blocks (GPT-2 XL's 1,600). They are widened
/// to F32 once, at load, and then used (or converted) like any F32 tensor.
///
/// Q5_0 and Q5_1 blocks hold 32 weights: an F16 scale `d` (and for Q5_1 an F16 minimum `m`),
/// 4 bytes of fifth bits, 16 bytes of low nibbles. Weight = d × (5-bit value − 16), or
/// d × value + m.
///
/// Each block holds 256 weights (`QK_K`):
/// - Q6_K, 210 bytes: 128 bytes of low 4 bits, 64 bytes of high 2 bits, 16 int8 scales (one
///   per 16 weights), one F16 super-scale `d`. Weight = d × scale × (6-bit value − 32).
/// - Q4_K, 144 bytes: F16 `d` and `dmin`, 12 bytes holding eight 6-bit scales and eight
///   6-bit minimums (one pair per 32 weights), 128 bytes of 4-bit values. Weight =
///   d × scale × value − dmin × minimum.
enum KQuants {
    /// Weights and bytes per block, by ggml type number, for the types this file widens.
    static let blocks: [UInt32: (weights: Int, bytes: Int)] = [14: (256, 210), 12: (256, 144), 6: (32, 22), 7: (32, 24)]

    /// Widens `count` blocks of type `type` at `source` into `destination`.
    static func dequantize(type: UInt32, _ source: UnsafeRawPointer, blocks count: Int, into destination: UnsafeMutablePointer<Float>) {
        guard let (weights, bytes) = blocks[type] else { return }
        for block in 0..<count {
            let y = destination + block * weights, x = source + block * bytes
            switch type {
            case 14: q6K(x, y)
            case 12: q4K(x, y)
            case 6: q5(x, y, hasMinimum: false)
            case 7: q5(x, y, hasMinimum: true)
            default: break
            }
        }
    }

    private static func q5(_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, hasMinimum: Bool) {
        let d = half(block)
        let m = hasMinimum ? half(block + 2) : 0
        let start = hasMinimum ? 4 : 2
        let high = block.loadUnaligned(fromByteOffset: start, as: UInt32.self).littleEndian
        let qs = (block + start + 4).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            let low = Int(qs[j] & 0x0F) | Int((high >> UInt32(j)) & 1) << 4
            let upper = Int(qs[j] >> 4) | Int((high >> UInt32(j + 16)) & 1) << 4
            if hasMinimum {
                y[j] = d * Float(low) + m
                y[j + 16] = d * Float(upper) + m
            } else {
                y[j] = d * Float(low - 16)
                y[j + 16] = d * Float(upper - 16)
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
