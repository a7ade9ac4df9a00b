import Foundation
import Testing
@testable import GPT2

/// Reading ahead fills the cache in chunks, yields when asked, keeps what it read, and is
/// restarted correctly when the prompt it was reading changes (memory, world info, the note
/// or the branch edited mid-way): the cache then holds exactly the new prompt's tokens.
@Suite struct ReadAheadSessionTests {
    @Test func yieldsKeepsWhatItReadAndRestartsOnAChangedPrompt() throws {
        let model = try GPT2Model(directory: fixtureFolder("tiny-f32"))
        let session = InferenceSession(model: model)
        let first = (0..<40).map { ($0 * 7) % 300 }
        // Asked between chunks and between layers; a stop mid-chunk drops only that chunk.
        var layersRun = 0
        let computed = try session.readAhead(first, chunkRows: 8) {
            layersRun += 1
            return layersRun > 2 * (model.config.layerCount + 1) + 1  // in the third chunk
        }
        #expect(computed == 16 && session.tokens == Array(first.prefix(16)))  // yielded after two chunks

        // The prompt changed after its 12th token (say, memory was edited): restart from there.
        let second = Array(first.prefix(12)) + (0..<30).map { ($0 * 11 + 5) % 300 }
        #expect(try session.readAhead(second, chunkRows: 8) { false } == 30)
        #expect(session.tokens == second)

        // Enter: the action's tokens are all that is computed, and the logits are the same as
        // reading the whole prompt at once.
        let prompt = second + [13, 42, 99]
        #expect(session.reusableLength(for: prompt) == second.count)
        let logits = try session.prefill(prompt)
        let fresh = try InferenceSession(model: model).prefill(prompt)
        #expect(maxDifference(logits, fresh) < 1e-4)
    }

    /// What waits for the chunk (a newer read-ahead: `shouldStop`) lets the chunk under way
    /// finish and be kept; what cannot wait (a reply: `stopMidChunk`) drops it at once.
    @Test func aStopBetweenChunksLetsTheChunkFinishAndAStopMidChunkDropsIt() throws {
        let model = try GPT2Model(directory: fixtureFolder("tiny-f32"))
        let prompt = (0..<40).map { ($0 * 7) % 300 }
        let layersPerChunk = model.config.layerCount
        for urgent in [false, true] {
            let session = InferenceSession(model: model)
            var layersRun = 0
            let asked = { layersRun > 2 * layersPerChunk + 1 }  // true from the middle of the third chunk
            let computed = try session.readAhead(prompt, chunkRows: 8, shouldStop: asked, stopMidChunk: {
                layersRun += 1
                return urgent && asked()
            })
            #expect(computed == (urgent ? 16 : 24) && session.tokens == Array(prompt.prefix(computed)), "urgent: \(urgent)")
        }
    }
}
