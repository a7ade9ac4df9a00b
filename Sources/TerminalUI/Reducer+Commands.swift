import Foundation
import Story

/// Every slash command, for /help and for completing the rules in one place.
public let slashCommands: [(name: String, help: String)] = [
    ("/undo [N]", "step back a turn (or N); the turns stay, for /redo and the tree"),
    ("/redo [N]", "step forward again (or N turns)"),
    ("/retry", "a new reply to the last action (earlier ones are kept)"),
    ("/alt [N] [-]", "the next version of the last turn (or turn N): another reply, or another action tried there; - for the previous"),
    ("/tree", "every branch of the story: browse, switch, copy or delete (F2)"),
    ("/continue", "play on after a game over or victory (an empty line continues the story)"),
    ("/edit [N]", "edit the reply of turn N (the last by default)"),
    ("/editaction [N]", "edit the action of turn N"),
    ("/remember TEXT", "pin TEXT to memory"),
    ("/forget N", "remove memory entry N"),
    ("/memory", "show and edit memory"),
    ("/world [KEYS: TEXT]", "show world info, or add an entry"),
    ("/world import FILE", "add a lorebook's world info (SillyTavern, NovelAI, AI Dungeon, KoboldAI Lite, a character card's)"),
    ("/note [TEXT]", "show or set the author's note"),
    ("/context", "show the exact prompt with token counts"),
    ("/recall [TEXT] [--all]", "what recall brings back now; or search the story (--all: every branch)"),
    ("/history", "the story's turns: switch a turn's version, undo, redo, retry, edit"),
    ("/settings", "sampler settings, endings, theme"),
    ("/set NAME VALUE", "change a setting: any sampler (/settings names them), length, endings, partial, theme"),
    ("/preset [NAME]", "list the sampler presets, or use one; /preset save NAME keeps the current samplers as yours"),
    ("/save", "save now (every turn is saved anyway)"),
    ("/export FORMAT [FILE]", "export as md, html, txt, json, kobold or lorebook (the world info) (--all-branches adds the other branches)"),
    ("/menu", "back to the start menu"),
    ("/help", "keys and commands"),
    ("/quit", "save and quit"),
]

func runCommand(_ state: inout AppState, _ line: String) -> [Effect] {
    let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
    let name = parts.first.map { String($0).lowercased() } ?? "/"
    let argument = parts.count > 1 ? String(parts[1]).trimmingCharacters(in: .whitespaces) : ""
    let number = Int(argument)

    // Commands that do not need an adventure.
    switch name {
    case "/help", "/?":
        state.overlay = .help
        state.overlayScroll = 0
        return []
    case "/quit", "/exit", "/q":
        return saveAndQuit(&state)
    case "/settings":
        state.overlay = .settings
        state.selection = 0
        return []
    case "/set":
        return setCommand(&state, argument)
    case "/preset":
        return presetCommand(&state, argument)
    case "/menu":
        guard !state.isGenerating else { return busy(&state) }
        // Leaving the adventure releases it: another window (or Load's delete) may use it.
        let effects: [Effect] = state.adventureID == nil ? [] : [.save, .closeAdventure]
        state.screen = .start
        state.selection = 0
        state.teller = nil
        state.adventureID = nil
        state.tokensPerSecond = nil
        state.contextUsed = nil
        return effects + [.listSaves]
    default:
        break
    }
    guard state.teller != nil else { return [] }
    let changing: Set<String> = ["/undo", "/redo", "/retry", "/alt", "/continue", "/edit", "/editaction", "/remember",
                                 "/forget", "/note", "/world"]
    if state.isGenerating && changing.contains(name) { return busy(&state) }

    do {
        switch name {
        case "/undo", "/redo":
            let available = name == "/undo" ? state.teller!.adventure.turns.count : state.teller!.adventure.tree.redoCount
            guard argument.isEmpty || (number.map { $0 >= 1 } ?? false) else {
                state.notice = Notice(text: "usage: \(name) [N], N a number of turns", isError: true)
                return []
            }
            let steps = number ?? 1
            guard available > 0 else { throw name == "/undo" ? StoryError.nothingToUndo : StoryError.nothingToRedo }
            guard steps <= available else {
                state.notice = Notice(text: "there are only \(available) turns to \(name.dropFirst())", isError: true)
                return []
            }
            for _ in 0..<steps {
                if name == "/undo" { try state.teller!.undo() } else { try state.teller!.redo() }
            }
            let turns = steps == 1 ? "1 turn" : "\(steps) turns"
            state.notice = Notice(text: name == "/undo" ? "Took back \(turns); /redo brings back." : "Brought back \(turns).", isError: false)
            return [.save, .measureContext]
        case "/retry":
            guard !(state.teller!.adventure.turns.isEmpty) else { throw StoryError.nothingToRetry }
            return generate(&state)
        case "/alt":
            // "/alt", "/alt -", "/alt 3", "/alt 3 -": the current turn's or turn 3's next or previous version.
            let words = argument.split(separator: " ").map(String.init)
            let turn = words.first.flatMap { Int($0) }
            let backwards = words.last == "-"
            guard words.count == (turn == nil ? 0 : 1) + (backwards ? 1 : 0) else {
                state.notice = Notice(text: "usage: /alt [N] [-], N a turn's number (the last by default)", isError: true)
                return []
            }
            try state.teller!.switchBranch(atTurn: turn, by: backwards ? -1 : 1)
            state.notice = Notice(text: versionNotice(state.teller!, turn: turn), isError: false)
            return [.save, .measureContext]
        case "/tree":
            openTree(&state)
            return []
        case "/continue":
            guard state.adventure!.ending != nil, !state.adventure!.continuedAfterEnding else {
                state.notice = Notice(text: "The story has not ended; press Enter on an empty line to let it go on.", isError: false)
                return []
            }
            state.teller!.continueAfterEnding()
            state.notice = Notice(text: "Playing on past the ending.", isError: false)
            return [.save]
        case "/edit", "/editaction":
            let count = state.teller!.adventure.turns.count
            let turn = number ?? count
            guard (1...max(1, count)).contains(turn), count > 0 else { throw StoryError.noSuchTurn(turn) }
            openEditor(&state, name == "/edit" ? .reply(turn: turn) : .action(turn: turn))
            return []
        case "/remember":
            guard !argument.isEmpty else { startPrompt(&state, .remember); return [] }
            state.teller!.remember(argument)
            state.notice = Notice(text: "Remembered.", isError: false)
            return [.save, .measureContext]
        case "/forget":
            guard !argument.isEmpty else { openList(&state, .memory); return [] }
            guard let number else {
                state.notice = Notice(text: "usage: /forget N, N a memory entry's number (/memory lists them)", isError: true)
                return []
            }
            try state.teller!.forget(number)
            state.notice = Notice(text: "Forgot memory entry \(number).", isError: false)
            return [.save, .measureContext]
        case "/memory":
            openList(&state, .memory)
            return []
        case "/world":
            guard !argument.isEmpty else { openList(&state, .worldInfo); return [] }
            let words = argument.split(separator: " ", maxSplits: 1).map(String.init)
            if words.first?.lowercased() == "import" {
                guard words.count == 2 else {
                    state.notice = Notice(text: "usage: /world import FILE, a lorebook or character card", isError: true)
                    return []
                }
                return [.importLore(path: words[1])]
            }
            guard let entry = parseWorldInfo(argument) else {
                state.notice = Notice(text: "write world info as: keys, more keys: the text", isError: true)
                return []
            }
            state.teller!.addWorldInfo(entry)
            state.notice = Notice(text: "Added world info entry \(state.adventure!.worldInfo.count).", isError: false)
            return [.save, .measureContext]
        case "/note":
            guard !argument.isEmpty else { state.overlay = .note; return [] }
            state.teller!.setAuthorsNote(argument == "-" ? "" : argument)
            state.notice = Notice(text: argument == "-" ? "Author's note cleared." : "Author's note set.", isError: false)
            return [.save, .measureContext]
        case "/recall":
            return recallCommand(&state, argument: argument)
        case "/context":
            state.overlay = .context
            state.overlayScroll = 0
            return [.measureContext]
        case "/history":
            state.overlay = .history
            state.selection = max(0, state.teller!.adventure.turns.count - 1)
            return []
        case "/save":
            state.notice = Notice(text: "Saved.", isError: false)
            return [.save]
        case "/export":
            var words = argument.split(separator: " ").map(String.init)
            let allBranches = words.contains("--all-branches")
            words.removeAll { $0 == "--all-branches" }
            guard let format = words.first else {
                state.notice = Notice(text: "usage: /export md|html|txt|json|kobold|lorebook [FILE] [--all-branches]", isError: true)
                return []
            }
            let path = words.count > 1 ? words.dropFirst().joined(separator: " ") : nil
            return [.export(format: format, path: path, allBranches: allBranches)]
        default:
            state.notice = Notice(text: "unknown command \(name); /help lists them", isError: true)
            return []
        }
    } catch {
        report(&state, error)
        return []
    }
}

/// "Turn 3: version 2 of 3" after a switch (the current turn's, or turn `number`'s).
func versionNotice(_ teller: StoryTeller, turn number: Int?) -> String {
    let shown = number ?? teller.adventure.turns.count
    guard let position = teller.position(ofTurn: shown) else { return "" }
    return "Turn \(shown): version \(position.index + 1) of \(position.count)"
}

/// Opens a list overlay with no entry selected yet.
func openList(_ state: inout AppState, _ list: ListKind) {
    state.overlay = list.overlay
    state.selection = 0
    state.selectionShown = false
}

private func busy(_ state: inout AppState) -> [Effect] {
    state.notice = Notice(text: "A reply is being written; press Esc to stop it first.", isError: false)
    return []
}
