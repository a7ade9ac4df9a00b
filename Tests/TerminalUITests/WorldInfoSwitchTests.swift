import Testing
import Story
@testable import TerminalUI

/// A world-info entry switched off (as KoboldAI Lite imports can bring) is listed, dimmed,
/// and x switches it on again; the prompt follows.
@Suite struct WorldInfoSwitchTests {
    @Test func xSwitchesTheSelectedEntryOffAndOn() {
        var state = playingState()
        var adventure = sampleAdventure()
        adventure.worldInfo = [WorldInfoEntry(keys: ["cat"], text: "The cat is a spy.", disabled: true)]
        _ = reduce(&state, .adventureOpened(id: 1, adventure))
        _ = type("/world", into: &state)
        _ = pressEnter(&state)
        #expect(render(state).lines.contains { $0.contains("1. [cat] (off) The cat is a spy.") })
        #expect(reduce(&state, .key(.character("x"))) == [])  // nothing selected yet
        _ = reduce(&state, .key(.down))
        #expect(render(state).lines.contains { $0.contains("x on/off") })
        #expect(reduce(&state, .key(.character("x"))) == [.save, .measureContext])
        #expect(state.adventure?.worldInfo.first?.disabled == false)
        #expect(state.notice?.text == "World info entry 1 is on.")
        _ = reduce(&state, .key(.character("x")))
        #expect(state.adventure?.worldInfo.first?.disabled == true)
    }
}
