import Foundation
import Story

/// Every slash command, for /help and for completing the rules in one place.
public let slashCommands: [(name: String, help: String)] = [
    ("/undo", "take back the last turn"),
    ("/redo", "bring back a turn taken back"),
    ("/retry", "a new reply to the last action (earlier ones are kept)"),
    ("/alt", "show the next of the last turn's replies (/alt - for the previous)"),
    ("/continue", "play on after a game over or victory"),
    ("/edit [N]", "edit the reply of turn N (the last by default)"),
    ("/editaction [N]", "edit the action of turn N"),
    ("/remember TEXT", "pin TEXT to memory"),
    ("/forget N", "remove memory entry N"),
    ("/memory", "show and edit memory"),
    ("/world [KEYS: TEXT]", "show world info, or add an entry"),
    ("/note [TEXT]", "show or set the author's note"),
    ("/context", "show the exact prompt with token counts"),
    ("/history", "turns: undo, redo, retry, edit"),
    ("/settings", "sampler settings, endings, theme"),
    ("/save", "save now (every turn is saved anyway)"),
    ("/export FORMAT [FILE]", "export as md, html, txt or json"),
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
    case "/menu":
        guard !state.isGenerating else { return busy(&state) }
        state.screen = .start
        state.selection = 0
        return [.listSaves]
    default:
        break
    }
    guard state.teller != nil else { return [] }
    let changing: Set<String> = ["/undo", "/redo", "/retry", "/alt", "/continue", "/edit", "/editaction", "/remember",
                                 "/forget", "/note", "/world"]
    if state.isGenerating && changing.contains(name) { return busy(&state) }

    do {
        switch name {
        case "/undo":
            try state.teller!.undo()
            return [.save, .measureContext]
        case "/redo":
            try state.teller!.redo()
            return [.save, .measureContext]
        case "/retry":
            guard !(state.teller!.adventure.turns.isEmpty) else { throw StoryError.nothingToRetry }
            return generate(&state)
        case "/alt":
            try state.teller!.cycleReply(by: argument == "-" ? -1 : 1)
            let turn = state.teller!.adventure.turns.last!
            state.notice = Notice(text: "Reply \(turn.chosen + 1) of \(turn.replies.count)", isError: false)
            return [.save, .measureContext]
        case "/continue":
            state.teller!.continueAfterEnding()
            return [.save]
        case "/edit", "/editaction":
            let count = state.teller!.adventure.turns.count
            let turn = number ?? count
            guard (1...max(1, count)).contains(turn), count > 0 else { throw StoryError.noSuchTurn(turn) }
            let current = state.teller!.adventure.turns[turn - 1]
            if name == "/edit" {
                startPrompt(&state, .editReply(turn: turn), prefill: current.reply)
            } else {
                startPrompt(&state, .editAction(turn: turn), prefill: current.action)
            }
            return []
        case "/remember":
            guard !argument.isEmpty else { startPrompt(&state, .remember); return [] }
            state.teller!.remember(argument)
            state.notice = Notice(text: "Remembered.", isError: false)
            return [.save, .measureContext]
        case "/forget":
            guard let number else { state.overlay = .memory; state.selection = 0; return [] }
            try state.teller!.forget(number)
            return [.save, .measureContext]
        case "/memory":
            state.overlay = .memory
            state.selection = 0
            return []
        case "/world":
            guard !argument.isEmpty else { state.overlay = .worldInfo; state.selection = 0; return [] }
            guard let entry = parseWorldInfo(argument) else {
                state.notice = Notice(text: "write world info as: keys, more keys: the text", isError: true)
                return []
            }
            state.teller!.addWorldInfo(entry)
            return [.save, .measureContext]
        case "/note":
            guard !argument.isEmpty else { state.overlay = .note; return [] }
            state.teller!.setAuthorsNote(argument == "-" ? "" : argument)
            return [.save, .measureContext]
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
            let words = argument.split(separator: " ", maxSplits: 1).map(String.init)
            guard let format = words.first else {
                state.notice = Notice(text: "usage: /export md|html|txt|json [FILE]", isError: true)
                return []
            }
            return [.export(format: format, path: words.count > 1 ? words[1] : nil)]
        default:
            state.notice = Notice(text: "unknown command \(name); /help lists them", isError: true)
            return []
        }
    } catch {
        report(&state, error)
        return []
    }
}

private func busy(_ state: inout AppState) -> [Effect] {
    state.notice = Notice(text: "A reply is being written; press Esc to stop it first.", isError: false)
    return []
}
