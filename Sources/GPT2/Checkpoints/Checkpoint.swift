import Foundation

/// A GPT-2 checkpoint's tensors, whatever file format they came from, under Hugging Face's
/// names without the "transformer." prefix ("wte.weight", "h.0.attn.c_attn.weight"), as
/// views into memory the checkpoint keeps alive. Each format's reader (safetensors, GGUF)
/// maps its own names, dimension order and number types onto this; the weights are built
/// from it alone.
struct Checkpoint {
    struct Tensor {
        var format: WeightFormat
        /// Hugging Face's shape: (inputs, outputs) for a layer's matrix (Conv1D), (rows,
        /// width) for an embedding, one dimension for a vector.
        var shape: [Int]
        /// How a two-dimensional tensor's numbers run: safetensors keeps the layers'
        /// matrices as (inputs, outputs); GGUF keeps every matrix as (outputs, inputs).
        var layout: MatrixLayout
        var data: UnsafeRawPointer
        var elementCount: Int { shape.reduce(1, *) }
    }

    /// The file named in errors, and fingerprinted by the compact-weights cache.
    let file: MappedFile
    let tensors: [String: Tensor]
    /// The matrices' number type as players know it ("F16", "Q8_0").
    let storageType: String
    /// A tensor's name as the file spells it, for errors ("transformer.h.0.ln_1.bias",
    /// "blk.0.attn_norm.bias").
    let nameInFile: (String) -> String
    /// Memory the tensors point into besides the file (k-quants widened at load).
    var keepAlive: [AnyObject] = []

    var path: String { file.path }
}
