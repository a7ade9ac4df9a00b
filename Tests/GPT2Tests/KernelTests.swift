import Testing
@testable import GPT2

/// Random inputs from a seeded generator, so a failure reproduces.
func randomFloats(_ count: Int, seed: UInt64) -> [Float] {
    var random = SplitMix64(seed: seed)
    return (0..<count).map { _ in random.nextUnitFloat() * 2 - 1 }
}

@Suite struct KernelTests {
    @Test(arguments: [(1, 7, 5), (3, 16, 48), (9, 33, 17)])
    func linearMatchesTheNaiveLoop(rows: Int, inputSize: Int, outputSize: Int) {
        let input = randomFloats(rows * inputSize, seed: 1)
        let weight = randomFloats(inputSize * outputSize, seed: 2)
        let bias = randomFloats(outputSize, seed: 3)
        var fast = [Float](repeating: .nan, count: rows * outputSize)
        var slow = fast
        Kernels.linear(&fast, input, weight: weight, bias: bias, rows: rows, inputSize: inputSize, outputSize: outputSize)
        ReferenceKernels.linear(&slow, input, weight: weight, bias: bias, rows: rows, inputSize: inputSize, outputSize: outputSize)
        #expect(maxDifference(fast, slow) < 1e-5)
    }

    @Test(arguments: [(1, 0, 2, 4), (1, 6, 3, 8), (5, 0, 2, 4), (4, 3, 4, 2)])
    func attentionMatchesTheNaiveLoop(rows: Int, start: Int, heads: Int, headSize: Int) {
        let c = heads * headSize
        let s = start + rows
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
        var scores = [Float](repeating: 0, count: rows * s)
        var fast = [Float](repeating: .nan, count: rows * c)
        var slow = fast
        Kernels.attention(&fast, qkv: qkv, keys: keys, values: values, scores: &scores,
                          rows: rows, start: start, heads: heads, headSize: headSize)
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
        var x: [Float] = [-3, -1, 0, 0.5, 2]
        Kernels.gelu(&x, count: x.count)
        // Values of gelu_new from PyTorch (torch.nn.functional.gelu(x, approximate="tanh")).
        #expect(maxDifference(x, [-0.0036374, -0.1588080, 0, 0.3457140, 1.9545977]) < 1e-6)
    }

    @Test func causalSoftmaxMasksTheFuture() {
        var row: [Float] = [1, 2, 3, 100]
        Kernels.causalSoftmax(&row, visible: 3, width: 4)
        #expect(row[3] == 0)
        #expect(abs(row[0] + row[1] + row[2] - 1) < 1e-6)
        #expect(row[2] > row[1] && row[1] > row[0])
    }
}
