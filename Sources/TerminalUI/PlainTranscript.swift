import Story

/// Plain mode's view: turns each new state into the text to print, for screen readers,
/// scripts and tests. Actions are echoed in their formatted form; a reply is printed
/// sentence by sentence as it is written (never half a sentence that cleanup might cut).
public struct PlainTranscript: Sendable {
    private var printed: [String] = []
    private var streamedShown = ""
    private var lastNotice: Notice?
    private var lastPurpose: InputPurpose = .action
    private var lastScreen: Screen?

    public init() {}

    /// The text to print for `state`, and whether an overlay was shown (and should be closed).
    public mutating func update(_ state: AppState) -> (text: String, closeOverlay: Bool) {
        var out = ""
        if state.screen == .play, let adventure = state.adventure {
            out += storyText(adventure, generation: state.generation)
        } else if state.screen != lastScreen || state.notice != lastNotice {
            out += menuText(state)
        }
        lastScreen = state.screen
        if let notice = state.notice, notice != lastNotice {
            out += (notice.isError ? "! " : "* ") + notice.text + "\n"
        }
        lastNotice = state.notice
        var closeOverlay = false
        if let overlay = state.overlay {
            let content = overlayContent(state, overlay, width: 78)
            out += "[\(content.title)]\n" + content.lines.map { $0.text + "\n" }.joined() + "[end of \(content.title.lowercased())]\n"
            closeOverlay = true
        }
        if state.purpose != lastPurpose && state.purpose != .action {
            let current = state.editor.string
            out += "\(state.purpose.label)\(current.isEmpty ? "" : " (now: \(current))"): type the new text on one line\n"
        }
        lastPurpose = state.purpose
        return (out, closeOverlay)
    }

    private mutating func storyText(_ adventure: Adventure, generation: Generation?) -> String {
        let blocks = adventure.blocks  // once: it is built from every turn
        let texts = blocks.map(\.text)
        var common = 0
        while common < min(texts.count, printed.count) && texts[common] == printed[common] { common += 1 }
        var out = ""
        if common < printed.count && !(generation != nil && common == texts.count) {
            // Something earlier changed (undo, redo, retry, edit): say where the story now stands.
            if common < texts.count || texts.count < printed.count {
                out += "* The story now continues from: \(texts.last.map { String($0.suffix(60)) } ?? "the start")\n"
            }
        }
        for index in common..<texts.count {
            let text = texts[index]
            if !streamedShown.isEmpty && index == texts.count - 1 && text.hasPrefix(streamedShown) {
                out += String(text.dropFirst(streamedShown.count)) + "\n"
            } else {
                if !streamedShown.isEmpty { out += "\n" }
                let block = blocks[index]
                out += (block.kind == .action && index > 0 ? "\n" : "") + text + "\n"
            }
            streamedShown = ""
        }
        printed = texts
        if let generation {
            // Show whole sentences as they complete.
            let cleaned = OutputCleaner.clean(generation.streamed)
            if cleaned.endsSentence && cleaned.text.hasPrefix(streamedShown) && cleaned.text.count > streamedShown.count {
                out += String(cleaned.text.dropFirst(streamedShown.count))
                streamedShown = cleaned.text
            }
        } else if !streamedShown.isEmpty {
            out += "\n"
            streamedShown = ""
        }
        return out
    }

    private func menuText(_ state: AppState) -> String {
        guard state.screen != .play else { return "" }
        var out = ""
        switch state.screen {
        case .start:
            out += "DUNGEON: a text adventure written by GPT-2\n"
            if let problem = state.modelProblem { out += "* " + problem + "\n" }
        case .scenarios: out += "Choose a world:\n"
        case .characters: out += "Choose who you are:\n"
        case .load: out += "Saved adventures:\n"
        case .play: break
        }
        for (index, row) in menuRows(state).enumerated() { out += "  \(index + 1). \(row)\n" }
        out += "Type a number and press Enter.\n"
        return out
    }
}
