import Foundation
import Testing
@testable import GPT2

/// Stories saved before the new samplers replay by their seeds: with only the classic
/// settings (temperature, top-k, top-p, repetition penalty), the sampler draws exactly the
/// tokens the sampler of commit 363aba8 drew. `Fixtures/samplers/classic-replay.json` was
/// written by that commit's sampler (`DUNGEON_UPDATE_CLASSIC_REPLAY=1` on it).
@Suite struct ClassicReplayTests {
    static let settings: [SamplingSettings] = [
        SamplingSettings(),
        SamplingSettings(temperature: 1.2, topK: 0, topP: 0.9),
        SamplingSettings(temperature: 0.7, topK: 0, topP: 1, repetitionPenalty: 1.3),
        SamplingSettings(temperature: 1, topK: 100, topP: 1, repetitionPenalty: 1),
        SamplingSettings(temperature: 0.4, topK: 40, topP: 0.9, repetitionPenalty: 1.2, repetitionWindow: 64),
        SamplingSettings(repetitionPenalty: 1.2, greedy: true),
    ]

    /// GPT-2-shaped rows: 50,257 logits spread like a real step's, and a history to penalise.
    static func draws(_ settings: SamplingSettings, seed: UInt64) -> [Int] {
        var random = SplitMix64(seed: seed)
        var sampler = Sampler(settings: settings, seed: seed &* 31 &+ 7)
        var history: [Int] = (0..<300).map { _ in Int(random.next() % 2000) }
        var tokens: [Int] = []
        for _ in 0..<12 {
            let logits = (0..<50257).map { _ in (random.nextUnitFloat() * 2 - 1) * 9 - Float(random.next() % 7) }
            let token = sampler.sample(logits, history: history[...])
            tokens.append(token)
            history.append(token)
        }
        return tokens
    }

    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/samplers/classic-replay.json")

    @Test func classicSettingsDrawTheTokensTheyAlwaysDrew() throws {
        let drawn = Self.settings.enumerated().map { Self.draws($0.element, seed: UInt64($0.offset) + 1) }
        if ProcessInfo.processInfo.environment["DUNGEON_UPDATE_CLASSIC_REPLAY"] == "1" {
            try JSONEncoder().encode(drawn).write(to: Self.fixture)
        }
        let expected = try JSONDecoder().decode([[Int]].self, from: Data(contentsOf: Self.fixture))
        #expect(drawn == expected)
    }
}
