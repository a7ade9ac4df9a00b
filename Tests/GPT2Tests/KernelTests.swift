import CKernels
import Foundation
import Testing
@testable import GPT2

/// Random inputs from a seeded generator, so a failure reproduces.
func randomFloats(_ count: Int, seed: UInt64) -> [Float] {
    var random = SplitMix64(seed: seed)
    return (0..<count).map { _ in random.nextUnitFloat() * 2 - 1 }
}

/// A matrix converted from F32 (K, N) weights into `format`, owning its bytes.
final class TestMatrix {
    let storage: Allocation
    let matrix: WeightMatrix

    init(_ weights: [Float], inputs: Int, outputs: Int, format: WeightFormat, layout: MatrixLayout) {
        let target = format.isBlockFormat ? MatrixLayout.outputsByInputs : layout
        let probe = WeightMatrix(format: format, layout: target, inputs: inputs, outputs: outputs,
                                 data: UnsafeRawPointer(bitPattern: 64)!)
        storage = Allocation(byteCount: probe.byteCount)
        matrix = WeightMatrix(format: format, layout: target, inputs: inputs, outputs: outputs,
                              data: UnsafeRawPointer(storage.pointer))
        weights.withUnsafeBytes { bytes in
            var from = WeightMatrix(format: .f32, layout: .inputsByOutputs, inputs: inputs, outputs: outputs,
                                    data: bytes.baseAddress!).kernelMatrix
            var to = matrix.kernelMatrix
            ck_convert(ComputePool.shared.pointer, &from, &to)
        }
    }

    /// The stored weights widened back to F32 (K, N): what the product should use.
    var dequantized: [Float] {
        let (k, n) = (matrix.inputs, matrix.outputs)
        var out = [Float](repeating: 0, count: k * n)
        var row = [Float](repeating: 0, count: matrix.layout == .inputsByOutputs ? n : k)
        var view = matrix.kernelMatrix
        if matrix.layout != .inputsByOutputs {
            for j in 0..<n {
                ck_matrix_row(&view, Int64(j), &row)
                for i in 0..<k { out[i * n + j] = row[i] }
            }
        } else {
            let rowBytes = matrix.format.byteCount(elements: n)
            for i in 0..<k {
                ck_dequantize_row(matrix.format.rawValue, matrix.data + i * rowBytes, &row, Int64(n))
                for j in 0..<n { out[i * n + j] = row[j] }
            }
        }
        return out
    }
}

/// out = input · weights + bias with double sums: the definition.
func exactLinear(_ input: [Float], _ weights: [Float], _ bias: [Float], rows: Int, inputs: Int, outputs: Int) -> [Float] {
    var out = [Float](repeating: 0, count: rows * outputs)
    for t in 0..<rows {
        for n in 0..<outputs {
            var sum = Double(bias[n])
            for k in 0..<inputs { sum += Double(input[t * inputs + k]) * Double(weights[k * outputs + n]) }
            out[t * outputs + n] = Float(sum)
        }
    }
    return out
}

struct LinearCase: CustomTestStringConvertible, Sendable {
    var format: WeightFormat
    var layout: MatrixLayout
    var rows: Int
    var testDescription: String { "\(format) \(layout) × \(rows) rows" }
}

let linearCases: [LinearCase] = [WeightFormat.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1].flatMap { format in
    let layouts: [MatrixLayout] = format.isBlockFormat ? [.outputsByInputs] : [.inputsByOutputs, .outputsByInputs]
    return layouts.flatMap { layout in [1, 3, 9, 70].map { LinearCase(format: format, layout: layout, rows: $0) } }
}

/// Runs `body` once per way this CPU reads a prompt with block-format weights: in int8
/// where it has VNNI (`integer` true), and with tiles dequantized into sgemm (the only
/// way elsewhere). The switch holds for this thread's products only.
func forEachPromptProductPath(_ body: (_ integer: Bool) -> Void) {
    let integer = ck_integer_prompt_products() != 0
    body(integer)
    guard integer else { return }
    let previous = ck_force_without_vnni(1)
    defer { ck_force_without_vnni(previous) }
    body(false)
}

@Suite struct KernelTests {
    /// Odd sizes reach every tail loop; block formats need whole blocks of 32 inputs.
    @Test(arguments: linearCases)
    func linearMatchesTheDefinition(_ test: LinearCase) {
        let inputs = test.format.isBlockFormat ? 96 : 45, outputs = 37
        let weights = randomFloats(inputs * outputs, seed: 2)
        let input = randomFloats(test.rows * inputs, seed: 1)
        let bias = randomFloats(outputs, seed: 3)
        let matrix = TestMatrix(weights, inputs: inputs, outputs: outputs, format: test.format, layout: test.layout)
        let expected = exactLinear(input, matrix.dequantized, bias, rows: test.rows, inputs: inputs, outputs: outputs)
        forEachPromptProductPath { integer in
            var fast = [Float](repeating: .nan, count: test.rows * outputs)
            Kernels.linear(&fast, input, weight: matrix.matrix, bias: bias, rows: test.rows)
            var reference = fast
            ReferenceKernels.linear(&reference, input, weight: matrix.matrix, bias: bias, rows: test.rows)

            if test.format.isBlockFormat && (test.rows < 4 || integer) {
                // One row, and several on CPUs with VNNI, multiply int8 by int8: the same as
                // the reference loops, and within the activations' 8-bit rounding of the definition.
                #expect(maxDifference(fast, reference) < 1e-4)
                #expect(maxDifference(fast, expected) < 0.05)
            } else if test.format == .f16 && test.layout == .outputsByInputs {
                // F16 weights meet F16 activations one row at a time (the reference loops
                // always), and float ones in sgemm from four rows: the definition over the
                // activations rounded to F16, or the definition itself.
                let halves = exactLinear(input.map { Float(Float16($0)) }, matrix.dequantized, bias, rows: test.rows,
                                         inputs: inputs, outputs: outputs)
                #expect(maxDifference(fast, test.rows < 4 ? halves : expected) < 1e-4)
                #expect(maxDifference(reference, halves) < 1e-4)
                #expect(maxDifference(halves, expected) > 1e-4, "the rounding is visible at this size")
            } else {
                #expect(maxDifference(fast, expected) < 1e-4)
                if !test.format.isBlockFormat { #expect(maxDifference(reference, expected) < 1e-4) }
            }
        }
    }

    /// Several rows of a block-format product, as reading a prompt does: more output rows
    /// than a worker takes at once (48 at this width, so the last tile has 6: four rows
    /// and two single ones) and a last group of tokens that is not eight. In int8 they must
    /// match the reference loops; dequantized into sgemm, the definition.
    @Test(arguments: [WeightFormat.q8_0, .q4_0, .q4_1])
    func aLongBlockProductOverManyRowsMatchesTheReference(format: WeightFormat) {
        let (inputs, outputs, rows) = (32 * 130, 150, 19)
        let weights = randomFloats(inputs * outputs, seed: 21)
        let input = randomFloats(rows * inputs, seed: 22)
        let bias = randomFloats(outputs, seed: 23)
        let matrix = TestMatrix(weights, inputs: inputs, outputs: outputs, format: format, layout: .outputsByInputs)
        forEachPromptProductPath { integer in
            var fast = [Float](repeating: .nan, count: rows * outputs)
            Kernels.linear(&fast, input, weight: matrix.matrix, bias: bias, rows: rows)
            var reference = fast
            if integer {
                ReferenceKernels.linear(&reference, input, weight: matrix.matrix, bias: bias, rows: rows)
            } else {
                reference = exactLinear(input, matrix.dequantized, bias, rows: rows, inputs: inputs, outputs: outputs)
            }
            #expect(maxDifference(fast, reference) < 2e-3, "outputs are about 20 in size; integer: \(integer)")
        }
    }

    /// A decode step over long rows of blocks: the AVX-512 Q4_1 kernel takes eight blocks at
    /// a time and prepares at most 256 blocks of activations per pass, so 130 blocks (16
    /// groups and 2 left over) and 300 (two passes, the second ending in 4 left over) reach
    /// every path. Each format matches the reference loops and, within the activations'
    /// 8-bit rounding, the definition.
    @Test(arguments: [WeightFormat.q8_0, .q4_0, .q4_1], [130, 300])
    func aLongBlockDecodeStepMatchesTheReference(format: WeightFormat, blocks: Int) {
        let (inputs, outputs) = (32 * blocks, 37)
        let matrix = TestMatrix(randomFloats(inputs * outputs, seed: 41), inputs: inputs, outputs: outputs, format: format,
                                layout: .outputsByInputs)
        let input = randomFloats(inputs, seed: 42)
        var fast = [Float](repeating: .nan, count: outputs), reference = fast
        Kernels.linear(&fast, input, weight: matrix.matrix, bias: nil, rows: 1)
        ReferenceKernels.linear(&reference, input, weight: matrix.matrix, bias: nil, rows: 1)
        let expected = exactLinear(input, matrix.dequantized, [Float](repeating: 0, count: outputs), rows: 1,
                                   inputs: inputs, outputs: outputs)
        #expect(maxDifference(fast, reference) < 1e-3, "outputs are about 20 to 30 in size")
        #expect(maxDifference(fast, expected) < 0.5)
    }

    /// A (K, N) product is handed out to the workers 64 input rows at a time: 301 rows (an
    /// odd last chunk) and both kernel paths (one row, and two rows from 4,800 outputs)
    /// still add up to the definition.
    /// A (K, N) product gives the same bits whichever worker takes which chunk: one thread
    /// or three (on two cores, their timing differs run to run), twenty times over. (When
    /// each worker summed its own chunks, the grouping followed the timing, and a seed could
    /// write another story on a busy machine.)
    @Test(arguments: [WeightFormat.f32, .f16])
    func aKNProductDoesNotDependOnWhichWorkerTookWhichChunk(format: WeightFormat) {
        let (inputs, outputs) = (1000, 300)
        let matrix = TestMatrix(randomFloats(inputs * outputs, seed: 21), inputs: inputs, outputs: outputs, format: format,
                                layout: .inputsByOutputs)
        let input = randomFloats(inputs, seed: 22)
        let one = ComputePool(threads: 1), three = ComputePool(threads: 3)
        var expected = [Float](repeating: .nan, count: outputs)
        Kernels.linear(&expected, input, weight: matrix.matrix, bias: nil, rows: 1, pool: one)
        for _ in 0..<20 {
            var out = [Float](repeating: .nan, count: outputs)
            Kernels.linear(&out, input, weight: matrix.matrix, bias: nil, rows: 1, pool: three)
            #expect(zip(out, expected).filter { $0.bitPattern != $1.bitPattern }.isEmpty)
        }
    }

    @Test(arguments: [(WeightFormat.f32, 37), (.f16, 37), (.bf16, 37), (.f16, 4801)])
    func aLongKNProductSumsEveryChunk(format: WeightFormat, outputs: Int) {
        let inputs = 301
        let weights = randomFloats(inputs * outputs, seed: 12)
        let input = randomFloats(inputs, seed: 13)
        let matrix = TestMatrix(weights, inputs: inputs, outputs: outputs, format: format, layout: .inputsByOutputs)
        let expected = exactLinear(input, matrix.dequantized, [Float](repeating: 0, count: outputs), rows: 1,
                                   inputs: inputs, outputs: outputs)
        var fast = [Float](repeating: .nan, count: outputs)
        Kernels.linear(&fast, input, weight: matrix.matrix, bias: nil, rows: 1)
        #expect(maxDifference(fast, expected) < 1e-3)
    }

    /// Sliced (N, K) float matrices, as the f16 compact weights are stored: 6,401 inputs make
    /// three slices (2,176, 2,176 and a short 2,049 that ends mid-vector). A decode step and
    /// a prompt's rows, with every kernel table this CPU has (AVX-512, AVX2, portable), match
    /// the definition, and the conversion round-trips through the sliced rows.
    @Test(arguments: [WeightFormat.f32, .f16, .bf16])
    func aSlicedProductMatchesTheDefinition(format: WeightFormat) {
        let (inputs, outputs) = (6401, 37)
        #expect(ck_slice_width(Int64(inputs)) == 2176)
        let weights = randomFloats(inputs * outputs, seed: 31)
        let matrix = TestMatrix(weights, inputs: inputs, outputs: outputs, format: format, layout: .outputsBySlicedInputs)
        let plain = TestMatrix(weights, inputs: inputs, outputs: outputs, format: format, layout: .outputsByInputs)
        #expect(matrix.dequantized == plain.dequantized)
        let bias = randomFloats(outputs, seed: 33)
        for rows in [1, 9] {
            let input = randomFloats(rows * inputs, seed: 32)
            let expected = exactLinear(input, matrix.dequantized, bias, rows: rows, inputs: inputs, outputs: outputs)
            var results: [[Float]] = []
            for (portable, withoutVNNI) in [(0, 0), (0, 1), (1, 0)] {
                let previous = (ck_force_portable(Int32(portable)), ck_force_without_vnni(Int32(withoutVNNI)))
                defer { ck_force_portable(previous.0); ck_force_without_vnni(previous.1) }
                var out = [Float](repeating: .nan, count: rows * outputs)
                Kernels.linear(&out, input, weight: matrix.matrix, bias: bias, rows: rows)
                results.append(out)
            }
            var reference = [Float](repeating: .nan, count: rows * outputs)
            ReferenceKernels.linear(&reference, input, weight: matrix.matrix, bias: bias, rows: rows)
            results.append(reference)
            // F16 decode steps (and the reference loops) multiply F16 activations.
            let halves = exactLinear(input.map { Float(Float16($0)) }, matrix.dequantized, bias, rows: rows, inputs: inputs,
                                     outputs: outputs)
            for (index, out) in results.enumerated() {
                let halfActivations = format == .f16 && (rows == 1 || index == results.count - 1)
                #expect(maxDifference(out, halfActivations ? halves : expected) < 1e-3, "\(format), \(rows) rows")
            }
        }
    }

    /// 67 outputs take the one-row-at-a-time path of (K, N) kernels; 4,801 the two-row one.
    @Test(arguments: [67, 4801])
    func theFastAndPortableKernelsAgree(outputs: Int) {
        let inputs = 256
        let weights = randomFloats(inputs * outputs, seed: 8)
        let input = randomFloats(inputs, seed: 9)
        for format in [WeightFormat.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1] {
            let matrix = TestMatrix(weights, inputs: inputs, outputs: outputs, format: format, layout: .inputsByOutputs)
            var fast = [Float](repeating: 0, count: outputs)
            Kernels.linear(&fast, input, weight: matrix.matrix, bias: nil, rows: 1)
            var portable = fast
            let previous = ck_force_portable(1)
            Kernels.linear(&portable, input, weight: matrix.matrix, bias: nil, rows: 1)
            ck_force_portable(previous)
            #expect(maxDifference(fast, portable) < 1e-4, "\(format)")
        }
    }

    @Test func halfPrecisionRoundsLikeSwiftsFloat16() {
        var random = SplitMix64(seed: 11)
        var values: [Float] = [0, -0, 1, -1, 65504, 65520, 1e-8, 6e-8, 3e-5, .infinity, -.infinity, 0.333333]
        for _ in 0..<2000 { values.append(Float(bitPattern: UInt32(truncatingIfNeeded: random.next())) ) }
        values = values.filter { !$0.isNaN }
        let matrix = TestMatrix(values, inputs: 1, outputs: values.count, format: .f16, layout: .inputsByOutputs)
        let halves = matrix.matrix.data.assumingMemoryBound(to: UInt16.self)
        for (i, value) in values.enumerated() {
            #expect(halves[i] == Float16(value).bitPattern, "\(value)")
        }
        #expect(matrix.dequantized == values.map { Float(Float16($0)) })
    }

    @Test func minimumAndScaleBlocksErrIsWithinHalfAStep() {
        let weights = randomFloats(32 * 64, seed: 13).map { $0 * 3 + 1 }
        let matrix = TestMatrix(weights, inputs: 32, outputs: 64, format: .q4_1, layout: .outputsByInputs)
        let restored = matrix.dequantized
        for n in 0..<64 {
            let column = (0..<32).map { weights[$0 * 64 + n] }
            let (low, high) = (column.min()!, column.max()!)
            let step = (high - low) / 15
            for k in 0..<32 {
                // Half a step, plus the F16 rounding of the stored minimum.
                #expect(abs(restored[k * 64 + n] - column[k]) <= step / 2 * 1.02 + abs(low) / 1024)
            }
        }
    }

    @Test(arguments: [WeightFormat.q8_0, .q4_0])
    func blockQuantizationErrorIsBounded(_ format: WeightFormat) {
        let weights = randomFloats(32 * 64, seed: 12).map { $0 * 3 }
        let matrix = TestMatrix(weights, inputs: 32, outputs: 64, format: format, layout: .outputsByInputs)
        let restored = matrix.dequantized
        for n in 0..<64 {
            let column = (0..<32).map { weights[$0 * 64 + n] }
            let extreme = column.map(abs).max()!
            // 8-bit rounds to half a step of extreme / 127 (as llama.cpp does, against the exact
            // scale, then stores the scale in F16: off by up to 1/2048, which moves the largest
            // level, 127, by up to 127/2048 of a step). 4-bit searches scales from extreme / 9
            // to extreme / 7 for the least squared error, and clamps one end of its -8...7
            // range: every weight stays within one step of the coarsest candidate.
            let bound = format == .q8_0 ? extreme / 127 * (0.5 + 127.0 / 2048) * 1.01 : extreme / 7
            for k in 0..<32 {
                #expect(abs(restored[k * 64 + n] - column[k]) <= bound)
            }
        }
    }

    static let attentionShapes = [(1, 0, 2, 4), (1, 6, 3, 8), (5, 0, 2, 4), (4, 3, 4, 2), (20, 7, 2, 16), (70, 30, 3, 8)]

    @Test(arguments: attentionShapes)
    func attentionMatchesTheNaiveLoop(rows: Int, start: Int, heads: Int, headSize: Int) {
        checkAttention(rows: rows, start: start, heads: heads, headSize: headSize, format: .f32)
    }

    /// An F16 cache: the same as the definition over keys and values rounded to F16.
    @Test(arguments: attentionShapes)
    func attentionOverAHalfPrecisionCache(rows: Int, start: Int, heads: Int, headSize: Int) {
        checkAttention(rows: rows, start: start, heads: heads, headSize: headSize, format: .f16)
    }

    private func checkAttention(rows: Int, start: Int, heads: Int, headSize: Int, format: WeightFormat) {
        let c = heads * headSize
        let s = start + rows
        let capacity = s + 3
        let qkv = randomFloats(rows * 3 * c, seed: 4)
        // Cache rows before `start` are random; rows for the new tokens come from qkv, as in the forward pass.
        var keys = randomFloats(s * c, seed: 5)
        var values = randomFloats(s * c, seed: 6)
        for row in 0..<rows {
            for i in 0..<c {
                keys[(start + row) * c + i] = qkv[row * 3 * c + c + i]
                values[(start + row) * c + i] = qkv[row * 3 * c + 2 * c + i]
            }
        }
        if format == .f16 {
            keys = keys.map { Float(Float16($0)) }
            values = values.map { Float(Float16($0)) }
        }
        // The kernels' caches are (H, P, D), in `format`; earlier positions are filled directly.
        let elements = heads * capacity * headSize
        let bytes = format.byteCount(elements: elements)
        let headKeys = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        let headValues = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        defer { headKeys.deallocate(); headValues.deallocate() }
        func put(_ value: Float, at index: Int, into cache: UnsafeMutableRawPointer) {
            if format == .f16 {
                cache.storeBytes(of: Float16(value).bitPattern, toByteOffset: 2 * index, as: UInt16.self)
            } else {
                cache.storeBytes(of: value, toByteOffset: 4 * index, as: Float.self)
            }
        }
        for position in 0..<start {
            for h in 0..<heads {
                for d in 0..<headSize {
                    put(keys[position * c + h * headSize + d], at: (h * capacity + position) * headSize + d, into: headKeys)
                    put(values[position * c + h * headSize + d], at: (h * capacity + position) * headSize + d, into: headValues)
                }
            }
        }
        Kernels.storeKeysAndValues(qkv, keys: headKeys, values: headValues, format: format, rows: rows, start: start,
                                   heads: heads, headSize: headSize, capacity: capacity)

        var fast = [Float](repeating: .nan, count: rows * c)
        var slow = fast
        Kernels.attention(&fast, qkv: qkv, keys: headKeys, values: headValues, format: format,
                          rows: rows, start: start, heads: heads, headSize: headSize, capacity: capacity)
        ReferenceKernels.attention(&slow, qkv: qkv, keys: keys, values: values,
                                   rows: rows, start: start, heads: heads, headSize: headSize)
        #expect(maxDifference(fast, slow) < 1e-5)
    }

    @Test func layerNormNormalises() {
        let input: [Float] = [1, 2, 3, 4, 10, 10, 10, 10]
        let gain: [Float] = [1, 1, 1, 1]
        let bias: [Float] = [0, 0, 0, 0.5]
        var out = [Float](repeating: 0, count: 8)
        Kernels.layerNorm(&out, input, gain: gain, bias: bias, rows: 2, size: 4, epsilon: 1e-5)
        // Row 1: mean 2.5, variance 1.25.
        let scale = 1 / (1.25 + 1e-5 as Float).squareRoot()
        #expect(maxDifference(out[0..<4], [-1.5 * scale, -0.5 * scale, 0.5 * scale, 1.5 * scale + 0.5]) < 1e-5)
        // Row 2 is constant: zero variance leaves only the bias.
        #expect(maxDifference(out[4..<8], [0, 0, 0, 0.5]) < 1e-5)
    }

    @Test func geluIsTheTanhApproximation() {
        var x: [Float] = [-3, -1, 0, 0.5, 2, -3, -1, 0, 0.5, 2]
        Kernels.gelu(&x, count: x.count)
        // Values of gelu_new from PyTorch (torch.nn.functional.gelu(x, approximate="tanh")),
        // twice, so both the eight-lane path and the tail run.
        let torch: [Float] = [-0.0036374, -0.1588080, 0, 0.3457140, 1.9545977]
        #expect(maxDifference(x, torch + torch) < 1e-6)

        // Over a wide range, the vector path agrees with tanh from the C library.
        let inputs = (0..<4096).map { Float($0 - 2048) / 128 }
        var fast = inputs
        Kernels.gelu(&fast, count: fast.count)
        let exact = inputs.map { (v: Float) -> Float in
            let u = 0.7978845608028654 * (Double(v) + 0.044715 * Double(v) * Double(v) * Double(v))
            return Float(0.5 * Double(v) * (1 + tanh(u)))
        }
        #expect(maxDifference(fast, exact) < 2e-6)
    }
}
