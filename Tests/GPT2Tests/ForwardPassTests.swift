import Foundation
import Testing
@testable import GPT2

@Suite struct ForwardPassTests {
    @Test(arguments: fixtureNames)
    func uncachedLogitsMatchHuggingFace(_ name: String) throws {
        let reference = try HuggingFaceReference.load(name)
        let model = try GPT2Model(directory: fixtureFolder(name))
        let session = InferenceSession(model: model)
        let logits = try session.appendReturningAllLogits(reference.sequence)
        #expect(logits.count == reference.logits.count)
        #expect(maxDifference(logits, reference.logits) < 1e-4)
    }

    @Test(arguments: fixtureNames)
    func cachedStepsMatchTheFullPass(_ name: String) throws {
        let reference = try HuggingFaceReference.load(name)
        let model = try GPT2Model(directory: fixtureFolder(name))
        let session = InferenceSession(model: model)
        let promptCount = reference.prompt.count
        // A step at f16 (and this prompt, under four tokens) multiplies the weights by F16
        // activations (CKernels' internal.h): within their rounding of the float pass.
        let stepTolerance: Float = model.precision == .f16 ? 2e-3 : 1e-4
        let first = try session.prefill(reference.prompt)
        #expect(maxDifference(first, reference.row(promptCount - 1)) < stepTolerance)
        for position in promptCount..<reference.positions {
            let step = try session.append([reference.sequence[position]])
            #expect(maxDifference(step, reference.row(position)) < stepTolerance, "position \(position)")
        }
        #expect(session.tokens == reference.sequence)
    }

    @Test(arguments: fixtureNames)
    func greedyContinuationIsTokenForTokenIdentical(_ name: String) throws {
        let reference = try HuggingFaceReference.load(name)
        let model = try GPT2Model(directory: fixtureFolder(name))
        #expect(try greedyContinuation(of: reference.prompt, by: model, count: reference.greedy.count) == reference.greedy)
    }

    @Test func prefillReusesTheCommonPrefix() throws {
        let reference = try HuggingFaceReference.load("tiny-f32")
        let session = InferenceSession(model: try GPT2Model(directory: fixtureFolder("tiny-f32")))
        _ = try session.prefill(reference.sequence)
        // A new prompt that shares all but the last two tokens, then diverges.
        var edited = Array(reference.sequence.dropLast(2))
        edited.append((reference.sequence.last! + 1) % reference.vocabSize)
        let reused = try session.prefill(edited)
        let fresh = try InferenceSession(model: GPT2Model(directory: fixtureFolder("tiny-f32"))).prefill(edited)
        #expect(session.tokens == edited)
        #expect(maxDifference(reused, fresh) < 1e-5)
        // The identical prompt again still yields logits (one token is re-run).
        let again = try session.prefill(edited)
        #expect(maxDifference(again, fresh) < 1e-5)
    }

    /// Quitting mid-prompt stops between layers; the cache keeps the whole passes before it
    /// and a later prefill gives what a session never stopped gives.
    @Test func aStopBetweenLayersKeepsTheFinishedPassesOnly() throws {
        let model = try GPT2Model(directory: fixtureFolder("tiny-f32"))
        let session = InferenceSession(model: model, chunkRows: 4)
        let prompt = (0..<20).map { ($0 * 37) % model.config.vocabularySize }
        var asked = 0
        session.stopCheck = {
            asked += 1
            return asked > 2 * model.config.layerCount + 1  // in the third pass, after its first layer
        }
        #expect(throws: InferenceError.stopped) { try session.prefill(prompt) }
        #expect(session.tokens == Array(prompt.prefix(8)))
        session.stopCheck = nil
        let resumed = try session.prefill(prompt)
        #expect(resumed == (try InferenceSession(model: model, chunkRows: 4).prefill(prompt)))
    }

    @Test func positionsNeverExceedTheWindow() throws {
        let model = try GPT2Model(directory: fixtureFolder("tiny-bf16-untied"))
        let session = InferenceSession(model: model)
        let window = model.config.contextLength
        _ = try session.append(Array(repeating: 1, count: window - 1))
        _ = try session.append([2])
        #expect(throws: InferenceError.contextFull(position: window, adding: 1, limit: window)) {
            try session.append([3])
        }
        #expect(throws: InferenceError.self) { try session.prefill(Array(repeating: 1, count: window + 1)) }
        #expect(throws: InferenceError.invalidToken(-1, vocabularySize: 280)) {
            try InferenceSession(model: model).append([-1])
        }
        #expect(throws: InferenceError.emptyInput) { try session.prefill([]) }
    }

    @Test func longPromptsRunInChunksWithTheSameResult() throws {
        // Chunks of 16 rows, so a 60-token prompt crosses three chunk boundaries.
        let model = try GPT2Model(directory: fixtureFolder("tiny-f32"))
        let tokens = (0..<60).map { ($0 * 37) % 320 }
        let whole = try InferenceSession(model: model, chunkRows: 16).appendReturningAllLogits(tokens)
        #expect(whole.count == 60 * 320)
        let stepped = InferenceSession(model: model)
        var last: [Float] = []
        for token in tokens { last = try stepped.append([token]) }
        #expect(maxDifference(whole.suffix(320), last) < 1e-4)
    }
}
