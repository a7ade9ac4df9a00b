import Story

/// `/recall`: the passages recall puts in the next prompt and the words that found them; or
/// the results of `/recall TEXT`, one line each.
func recallContent(_ state: AppState, width: Int) -> OverlayContent {
    if let search = state.storySearch {
        let title = "Search: " + DisplayWidth.truncate(search.query, to: max(1, width - 20))
        guard !search.hits.isEmpty else {
            let scope = search.allBranches ? "any branch" : "the story on screen (--all searches every branch)"
            return OverlayContent(title: title, lines: wrapped("Nothing in \(scope) matches that.", width: width),
                                  hint: "Esc close", selected: nil)
        }
        let lines = search.hits.map { hit -> StyledLine in
            let place = hit.number.map { $0 == 0 ? "Opening" : "Turn \($0)" } ?? "Other branch"
            return StyledLine(text: DisplayWidth.truncate("\(place): \(hit.text)", to: width), role: hit.number == nil ? .dim : .normal)
        }
        return OverlayContent(title: title, lines: lines, hint: "↑↓ choose · Enter show the turn · Esc close",
                              selected: min(state.selection, lines.count - 1))
    }
    let hint = "↑↓ scroll · /recall TEXT searches the story · Esc close"
    guard let settings = state.adventure?.settings, settings.recallAllowance > 0 else {
        return OverlayContent(title: "Recall", lines: wrapped("Recall is off for this adventure; /set recall \(GenerationSettings.defaultRecallTokens) turns it on.", width: width),
                              hint: hint, selected: nil)
    }
    guard let prompt = state.contextPrompt else {
        return OverlayContent(title: "Recall", lines: [StyledLine(text: "Measuring…", role: .dim)], hint: hint, selected: nil)
    }
    var lines = wrapped(prompt.recallWords.isEmpty
                        ? "No word of the latest turn points to a turn that scrolled out of the context."
                        : "Searched for: " + prompt.recallWords.joined(separator: ", "), width: width, role: .notice)
    if prompt.recalled.isEmpty && !prompt.recallWords.isEmpty {
        lines += wrapped("Nothing that scrolled out matches them.", width: width, role: .dim)
    }
    for passage in prompt.recalled {
        let place = passage.turnNumber == 0 ? "Opening" : "Turn \(passage.turnNumber)"
        lines.append(StyledLine(text: "", role: .normal))
        lines.append(StyledLine(text: "── \(place) · matched \(passage.matched.joined(separator: ", "))"
                                + (passage.nearAction ? " (by the action)" : ""), role: .title))
        lines += wrapped(passage.passage.text, width: width)
    }
    let section = prompt.sections.filter { $0.kind == .recall }.reduce(0) { $0 + $1.tokens }
    lines.append(StyledLine(text: "", role: .normal))
    lines += wrapped("\(section) of \(settings.recallAllowance) tokens kept for recall (/set recall N).", width: width, role: .dim)
    return OverlayContent(title: "Recall", lines: lines, hint: hint, selected: nil)
}

func confirmSwitchBranchContent(width: Int) -> OverlayContent {
    OverlayContent(title: "Another branch",
                   lines: wrapped("That passage is on another branch of the story. Switch the story to that branch? y switches, any other key stays here.", width: width),
                   hint: "y / n", selected: nil)
}
