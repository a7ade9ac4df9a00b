import Story

/// The adventure the save-rows target damages: a few turns, memory, world info and a note.
enum FuzzAdventure {
    static func make() -> Adventure {
        var adventure = Adventure(
            title: "Fuzz", scenario: "fantasy", opening: "You wake in a cold cell.",
            memory: ["Your name is Aldric."],
            worldInfo: [WorldInfoEntry(keys: ["guard"], text: "The guard is asleep.")],
            authorsNote: "Quiet.", settings: GenerationSettings(), detectsEndings: true)
        adventure.tree = StoryTree(linear: [
            LinearTurn(mode: .do, input: "look", action: "> You look around.", replies: [
                Reply(text: "Bars, straw, a door.", seed: 1, settings: GenerationSettings())]),
            LinearTurn(mode: .say, input: "hello", action: "> You say \"Hello.\"", replies: [
                Reply(text: "Nobody answers.", seed: 2, settings: GenerationSettings())]),
        ], undone: [])
        return adventure
    }
}
