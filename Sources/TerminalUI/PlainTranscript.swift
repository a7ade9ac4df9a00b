import Story

/// Plain mode's view: turns each new state into the text to print, for screen readers,
/// scripts and tests. Actions are echoed in their formatted form; a reply is printed
/// sentence by sentence as it is written (never half a sentence that cleanup might cut).
/// When earlier story changes (undo, retry, another reply, an edit, a stopped action taken
/// back), exactly what changed is printed once, on lines of its own, after a `*` line
/// that says what happened.
public struct PlainTranscript: Sendable {
    private var printed: [String] = []
    private var streamedShown = ""
    /// Set while a retry streams: the index of the block its reply will replace.
    private var replacing: Int?
    /// Whether the last text printed ended mid-line (a reply still being written).
    private var lineOpen = false
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
            out += line(menuText(state))
        }
        lastScreen = state.screen
        if let notice = state.notice, notice != lastNotice {
            out += line((notice.isError ? "! " : "* ") + notice.text + "\n", after: out)
        }
        lastNotice = state.notice
        var closeOverlay = false
        if let overlay = state.overlay {
            let content = overlayContent(state, overlay, width: 78)
            out += line("[\(content.title)]\n" + content.lines.map { $0.text + "\n" }.joined() + "[end of \(content.title.lowercased())]\n", after: out)
            closeOverlay = true
        }
        if state.purpose != lastPurpose && state.purpose != .action {
            let current = state.editor.string
            out += line("\(state.purpose.label)\(current.isEmpty ? "" : " (now: \(current))"): type the new text on one line\n", after: out)
        }
        lastPurpose = state.purpose
        if !out.isEmpty { lineOpen = !out.hasSuffix("\n") }
        return (out, closeOverlay)
    }

    /// `text`, starting on a line of its own: after a newline if the output so far (`after`,
    /// or what was printed before this update) ends mid-line.
    private func line(_ text: String, after out: String = "") -> String {
        guard !text.isEmpty else { return "" }
        let open = out.isEmpty ? lineOpen : !out.hasSuffix("\n")
        return open ? "\n" + text : text
    }

    private mutating func storyText(_ adventure: Adventure, generation: Generation?) -> String {
        let blocks = adventure.blocks  // once: it is built from every turn
        let texts = blocks.map(\.text)
        var common = 0
        while common < min(texts.count, printed.count) && texts[common] == printed[common] { common += 1 }
        var out = ""
        if let generation {
            if streamedShown.isEmpty && replacing == nil && common == printed.count && texts.count > common {
                // The action that asked for this reply.
                for index in common..<texts.count {
                    out += line((blocks[index].kind == .action && index > 0 ? "\n" : "") + texts[index] + "\n", after: out)
                }
                printed = texts
                common = texts.count
            }
            if replacing == nil, streamedShown.isEmpty, common == printed.count, common == texts.count,
               let turn = adventure.turns.last, turn.reply != nil, blocks.last?.turn == adventure.turns.count - 1,
               blocks.last?.kind == .narration {
                // A retry: its reply will replace the last block. Say so before it streams.
                replacing = texts.count - 1
                out += line("* Another reply to the last turn:\n")
            }
            // Whole sentences as they complete.
            let cleaned = OutputCleaner.clean(generation.streamed)
            if cleaned.endsSentence && cleaned.text.hasPrefix(streamedShown) && cleaned.text.count > streamedShown.count {
                out += String(cleaned.text.dropFirst(streamedShown.count))
                streamedShown = cleaned.text
            }
            return out
        }

        if let index = replacing, common == index, texts.count == index + 1,
           let rest = Self.remainder(of: texts[index], after: streamedShown) {
            // The retry finished: the rest of its reply, after what was streamed.
            out += rest + "\n"
        } else {
            if !streamedShown.isEmpty {
                // A stopped reply: what was shown is not in the story (or is, as a kept part).
                if common == texts.count - 1, printed.count == common,
                   let rest = Self.remainder(of: texts[common], after: streamedShown) {
                    out += rest + "\n"
                    common += 1
                } else if common == texts.count - 1, printed.count == common {
                    // Cleanup changed what was already shown: say so before the reply as kept,
                    // so a listener knows why they hear it again.
                    out += "\n* The reply as kept:\n"
                } else {
                    out += "\n"
                }
            }
            if common < printed.count {
                if common == texts.count {
                    let tail = texts.last.map { Self.tail(of: $0) } ?? "the start"
                    out += line("* Taken back; the story now ends: \(tail)\n", after: out)
                } else {
                    out += line("* Changed from here on:\n", after: out)
                }
            }
            for index in common..<texts.count {
                let block = blocks[index]
                let gap = block.kind == .action && index > 0 && index >= printed.count ? "\n" : ""
                out += line(gap + block.text + "\n", after: out)
            }
        }
        printed = texts
        streamedShown = ""
        replacing = nil
        return out
    }

    /// The end of a block, from a word boundary, for saying where the story now stands.
    static func tail(of text: String) -> String {
        guard text.count > 60 else { return text }
        let end = text.suffix(60)
        let start = end.firstIndex(of: " ").map { end.index(after: $0) } ?? end.startIndex
        return "…" + end[start...]
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
        case .greetings: out += "Choose how it begins:\n"
        case .load: out += "Saved adventures:\n"
        case .play: break
        }
        for (index, row) in menuRows(state).enumerated() { out += "  \(index + 1). \(row)\n" }
        out += "Type a number and press Enter.\n"
        return out
    }

    /// What `text` holds after `shown`, when `shown` is its beginning up to whitespace and
    /// closing quotation marks (the streamed sentences may space paragraphs differently, and
    /// cleanup closes a quotation a finished reply goes on inside); nil when the words differ.
    static func remainder(of text: String, after shown: String) -> String? {
        func skippable(_ c: Character) -> Bool { c.isWhitespace || c == "\"" || c == "“" || c == "”" }
        let wanted = shown.filter { !skippable($0) }
        var matched = wanted.startIndex
        var index = text.startIndex
        var end = text.startIndex  // just after the last character matched
        while matched < wanted.endIndex {
            guard index < text.endIndex else { return nil }
            if !skippable(text[index]) {
                guard text[index] == wanted[matched] else { return nil }
                matched = wanted.index(after: matched)
                end = text.index(after: index)
            }
            index = text.index(after: index)
        }
        return String(text[end...])
    }
}
