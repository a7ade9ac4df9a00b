import CKernels

/// How one matrix's numbers are stored (the block layouts are documented in `CKernels.h`).
public enum WeightFormat: Int32, Sendable, CustomStringConvertible {
    case f32 = 0, f16 = 1, bf16 = 2
    /// 32 weights: one F16 scale, 32 int8.
    case q8_0 = 3
    /// 32 weights: one F16 scale, 32 4-bit values packed in 16 bytes.
    case q4_0 = 4
    /// 32 weights: an F16 scale and an F16 minimum, 32 4-bit values packed in 16 bytes.
    case q4_1 = 5

    public var description: String {
        switch self {
        case .f32: "F32"
        case .f16: "F16"
        case .bf16: "BF16"
        case .q8_0: "Q8_0"
        case .q4_0: "Q4_0"
        case .q4_1: "Q4_1"
        }
    }

    var isBlockFormat: Bool { rawValue >= WeightFormat.q8_0.rawValue }

    /// Bytes of `count` elements (a whole number of blocks for the block formats).
    func byteCount(elements count: Int) -> Int { Int(ck_row_bytes(rawValue, Int64(count))) }
}

/// Which way a matrix's rows run.
enum MatrixLayout: Int32, Sendable {
    /// (inputs, outputs): GPT-2's Conv1D layout, as checkpoints store the layers' weights.
    case inputsByOutputs = 0
    /// (outputs, inputs): the token embedding's layout, and every block-format matrix.
    case outputsByInputs = 1
    /// (outputs, inputs) in slices of inputs, each slice whole after the one before
    /// (`CK_LAYOUT_NK_SLICED`): the F16 and BF16 compact matrices.
    case outputsBySlicedInputs = 2
}

/// A view of one weight matrix in memory that its `ModelWeights` owns.
///
/// `@unchecked Sendable`: the view points into read-only storage that lives as long as
/// the weights that made it.
struct WeightMatrix: @unchecked Sendable {
    let format: WeightFormat
    let layout: MatrixLayout
    let inputs: Int
    let outputs: Int
    let data: UnsafeRawPointer

    var byteCount: Int {
        layout == .inputsByOutputs
            ? format.byteCount(elements: outputs) * inputs
            : format.byteCount(elements: inputs) * outputs
    }

    /// The C kernels' description of this matrix.
    var kernelMatrix: ck_matrix {
        ck_matrix(data: data, format: format.rawValue, layout: layout.rawValue,
                  inputs: Int64(inputs), outputs: Int64(outputs))
    }
}
