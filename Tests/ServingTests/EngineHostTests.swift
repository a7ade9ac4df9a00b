import Engine
import Foundation
import GPT2
@testable import Serving
import Story
import TestSupport
import Testing

/// The engine's queue, with a small random-weight GPT-2: results are the engine's own, jobs
/// run in order, the queue is bounded, and stopping works queued, reading and writing.
@Suite(.serialized)
struct EngineHostTests {
    private let scratch: ScratchFolder
    private let folder: URL

    init() throws {
        scratch = try ScratchFolder()
        folder = scratch.url.appendingPathComponent("model")
        try RandomCheckpoint.write(to: folder, width: 64)
    }

    private func engine() throws -> TextEngine { try TextEngine(directory: folder) }

    private func request(_ prompt: String, tokens: Int, seed: UInt64 = 1, key: String? = nil) -> CompletionRequest {
        var request = CompletionRequest(prompt: prompt, maxTokens: tokens, settings: SamplerFields.koboldDefaults)
        request.seed = seed
        request.key = key
        request.stopAtEndOfText = false
        return request
    }

    @Test func aJobWritesWhatTheEngineWritesForTheSameRequest() async throws {
        let host = EngineHost(engine: try engine())
        defer { host.shutdown() }
        let asked = request("The cave is dark.", tokens: 40, seed: 9)
        let served = try await host.submit(asked).completion()

        let reference = try engine()
        var direct = GenerationRequest(maxTokens: 40, sampling: reference.sampling(for: asked.settings), seed: 9,
                                       stopAtEndOfText: false)
        direct.bannedPhrases = []
        let expected = try reference.generate(prompt: "The cave is dark.", request: direct)
        #expect(served.text == expected.text)
        #expect(served.generatedTokens == 40 && served.finish == .length && !served.cancelled)
    }

    @Test func piecesArriveInOrderAndMakeTheText() async throws {
        let host = EngineHost(engine: try engine())
        defer { host.shutdown() }
        let job = try host.submit(request("A door.", tokens: 30))
        var pieces: [String] = []
        var completion: Completion?
        for await event in job.events {
            switch event {
            case .text(let piece): pieces.append(piece)
            case .finished(let done): completion = done
            case .failed(let message): Issue.record("failed: \(message)")
            }
        }
        #expect(pieces.joined() == completion?.text)
        #expect(pieces.count > 1)
    }

    @Test func theQueueIsBoundedAndRunsInOrder() async throws {
        let host = EngineHost(engine: try engine(), capacity: 2)
        defer { host.shutdown() }
        var accepted: [GenerationJob] = []
        var refused = 0
        for index in 0..<6 {
            do { accepted.append(try host.submit(request("Job \(index).", tokens: 300))) } catch .busy { refused += 1 } catch {
                Issue.record("unexpected \(error)")
            }
        }
        // One may be running already; two more may wait; the rest are refused.
        #expect(accepted.count <= 3 && refused >= 3)
        var finished: [Int] = []
        for (index, job) in accepted.enumerated() {
            _ = try await job.completion()
            finished.append(index)
        }
        #expect(finished == Array(0..<accepted.count))
    }

    @Test func abortByKeyStopsTheRunningJobAndOnlyIt() async throws {
        // A wider model: its 1,000 tokens take seconds, so a test task starved on a busy
        // machine still finds the job running when it aborts it.
        let wide = scratch.url.appendingPathComponent("wide")
        try RandomCheckpoint.write(to: wide, layers: 4, width: 256)
        let host = EngineHost(engine: try TextEngine(directory: wide))
        defer { host.shutdown() }
        let job = try host.submit(request("Run.", tokens: 1000, key: "KCPP1"))
        var iterator = job.events.makeAsyncIterator()
        _ = await iterator.next()  // it has begun writing
        #expect(host.abort(key: "KCPP2") == false)
        #expect(host.textSoFar(key: "KCPP1").isEmpty == false)
        #expect(host.abort(key: "KCPP1"))
        var completion: Completion?
        while let event = await iterator.next() {
            if case .finished(let done) = event { completion = done }
        }
        #expect(completion?.cancelled == true)
        #expect((completion?.generatedTokens ?? 1000) < 1000)
    }

    @Test func aWithdrawnJobLeavesTheQueueAtOnce() async throws {
        let host = EngineHost(engine: try engine())
        defer { host.shutdown() }
        let first = try host.submit(request("First.", tokens: 1000))
        let second = try host.submit(request("Second.", tokens: 50))
        host.withdraw(second)
        let withdrawn = try await second.completion()
        #expect(withdrawn.cancelled && withdrawn.generatedTokens == 0)
        host.withdraw(first)
        #expect(try await first.completion().cancelled)
    }

    @Test func afterShutdownRequestsAreRefused() throws {
        let host = EngineHost(engine: try engine())
        host.shutdown()
        #expect(throws: ServingError.stopping) { try host.submit(request("Late.", tokens: 5)) }
    }

    @Test func aStopWhileThePromptIsReadEndsBeforeTheWholePromptIsComputed() throws {
        let engine = try engine()
        let prompt = Array(repeating: 464, count: 900)  // " The" 900 times
        var asked = 0
        let result = try engine.generate(promptTokens: prompt, request: GenerationRequest(maxTokens: 10), shouldStop: {
            asked += 1
            return asked > 3
        })
        #expect(result.stopReason == .cancelled && result.text.isEmpty && result.tokens.isEmpty)
        #expect(result.promptTokensComputed > 0 && result.promptTokensComputed < 900)
        // What was read stays cached: the same prompt now computes only the rest.
        let again = try engine.generate(promptTokens: prompt, request: GenerationRequest(maxTokens: 1), shouldStop: { false })
        #expect(again.promptTokensComputed == 900 - result.promptTokensComputed)
    }
}
