import Foundation
@testable import Remote
@testable import Serving
import Story
import Testing

/// What the remote client sends, read back by `dungeon serve`'s own request parsing (which
/// follows KoboldCpp's and llama.cpp's field names): every sampler arrives as the story has it.
@Suite struct RemoteFieldsTests {
    static var stories: [GenerationSettings] {
        var everything = SamplerPreset.defaultPreset.settings
        everything.temperature = 0.73
        everything.topK = 31
        everything.topP = 0.91
        everything.minP = 0.04
        everything.topA = 0.2
        everything.typical = 0.95
        everything.tailFree = 0.97
        everything.repetitionPenalty = 1.13
        everything.repetitionRange = 200
        everything.repetitionSlope = 0.7
        everything.presencePenalty = 0.3
        everything.frequencyPenalty = 0.2
        everything.dryMultiplier = 0.8
        everything.dryBase = 1.5
        everything.dryAllowedLength = 3
        everything.dryRange = 400
        everything.drySequenceBreakers = ["\n", ":", "\""]
        everything.xtcThreshold = 0.15
        everything.xtcProbability = 0.5
        everything.bannedPhrases = ["As an AI", "the end"]
        everything.logitBias = [LogitBias(token: 50256, amount: -100), LogitBias(token: 13, amount: 2.5)]
        everything.samplerOrder = [.minP, .temperature, .topK, .topP, .topA, .typical, .tailFree, .xtc]
        everything.replyLength = 77
        return SamplerPreset.builtIn.map(\.settings) + [everything]
    }

    private func wire(_ body: [String: Any]) throws -> JSONFields {
        try JSONFields(body: try JSONSerialization.data(withJSONObject: body))
    }

    private func biases(_ settings: GenerationSettings) -> [Int: Double] {
        Dictionary(settings.logitBias.compactMap { bias in bias.token.map { ($0, bias.amount) } }, uniquingKeysWith: +)
    }

    /// The fields the server keeps, with the story's own fields (recall, the length) left out.
    private func samplers(_ settings: GenerationSettings) -> GenerationSettings {
        var kept = settings
        kept.replyLength = 0
        kept.firstPersonGuard = nil
        kept.recallTokens = nil
        if kept.dryMultiplier == 0 {
            let defaults = SamplerFields.koboldDefaults
            (kept.dryBase, kept.dryAllowedLength, kept.dryRange, kept.drySequenceBreakers) =
                (defaults.dryBase, defaults.dryAllowedLength, defaults.dryRange, defaults.drySequenceBreakers)
        }
        kept.logitBias = kept.logitBias.sorted { ($0.token ?? 0) < ($1.token ?? 0) }
        return kept
    }

    @Test(arguments: Self.stories)
    func koboldFieldsArriveAsTheStoryHasThem(settings: GenerationSettings) throws {
        let body = RemoteFields.kobold(prompt: "> You wait.", settings: settings, seed: "18446744073709551557",
                                       stopSequences: ["\n>"], window: 1024, key: "k1", biases: biases(settings))
        let request = try CompletionRequest(kobold: try wire(body))
        #expect(request.prompt == "> You wait.")
        #expect(request.maxTokens == settings.replyLength)
        #expect(request.seed == 18_446_744_073_709_551_557)
        #expect(request.stopSequences == ["\n>"] && !request.stopAtEndOfText && request.key == "k1")
        var received = samplers(request.settings)
        received.logitBias = received.logitBias.sorted { ($0.token ?? 0) < ($1.token ?? 0) }
        #expect(received == samplers(settings))
    }

    @Test(arguments: Self.stories)
    func openAIFieldsArriveAsTheStoryHasThem(settings: GenerationSettings) throws {
        let body = RemoteFields.openAI(prompt: "> You wait.", model: "gpt2", settings: settings, seed: 41,
                                       stopSequences: ["\n>"], biases: biases(settings), stream: true)
        #expect(body["cache_prompt"] as? Bool == true)
        let request = try CompletionRequest(openAI: try wire(body))
        #expect(request.maxTokens == settings.replyLength && request.seed == 41 && !request.stopAtEndOfText)
        var received = samplers(request.settings)
        received.logitBias = received.logitBias.sorted { ($0.token ?? 0) < ($1.token ?? 0) }
        #expect(received == samplers(settings))
    }

    @Test func koboldCppsOrderIsTheNearestItHas() {
        #expect(RemoteFields.koboldOrder(SamplerStep.koboldOrder) == [6, 0, 1, 3, 4, 2, 5])
        #expect(SamplerStep.order(koboldIDs: RemoteFields.koboldOrder(SamplerStep.koboldOrder)) == SamplerStep.koboldOrder)
        #expect(Set(RemoteFields.koboldOrder(SamplerStep.classicOrder)) == Set(0...6))
    }
}
