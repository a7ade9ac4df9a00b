import Story

/// `/set NAME VALUE`: every sampler by name (`SettingField`), and the player's own settings.
func setCommand(_ state: inout AppState, _ argument: String) -> [Effect] {
    let trimmed = argument.trimmingCharacters(in: .whitespaces)
    guard let space = trimmed.firstIndex(of: " ") else {
        state.notice = Notice(text: "usage: /set NAME VALUE (/settings lists every setting, /preset the presets)", isError: true)
        return []
    }
    let name = trimmed[..<space].lowercased()
    let value = trimmed[space...].trimmingCharacters(in: .whitespaces)
    func fail(_ message: String) -> [Effect] {
        state.notice = Notice(text: message, isError: true)
        return []
    }
    switch name {
    case "partial":
        guard let on = ["on": true, "off": false][value.lowercased()] else { return fail("partial is on or off") }
        state.preferences.keepPartialOnStop = on
        state.notice = Notice(text: "Keep partial reply on stop: \(value).", isError: false)
        return [.savePreferences]
    case "theme":
        guard let theme = Theme(rawValue: value.lowercased()) else { return fail("themes: " + Theme.allCases.map(\.rawValue).joined(separator: ", ")) }
        state.preferences.theme = theme
        state.notice = Notice(text: "Theme: \(value).", isError: false)
        return [.savePreferences]
    default:
        break
    }
    // With no adventure open, the story settings are the defaults new adventures start with.
    let forDefaults = state.teller == nil
    guard !state.isGenerating else { return fail("a reply is being written; press Esc to stop it first") }
    if name == "endings" {
        guard let on = ["on": true, "off": false][value.lowercased()] else { return fail("endings is on or off") }
        if forDefaults {
            state.preferences.detectsEndingsByDefault = on
            state.notice = Notice(text: "New adventures detect game over / victory: \(value).", isError: false)
            return [.savePreferences]
        }
        state.teller!.setDetectsEndings(on)
        state.notice = Notice(text: "Detect game over / victory: \(value).", isError: false)
        return [.save]
    }
    if name == "first-person" {
        guard let on = ["on": true, "off": false][value.lowercased()] else { return fail("first-person is on or off") }
        var settings = forDefaults ? state.preferences.storyDefaults : state.adventure!.settings
        settings.firstPersonGuard = on
        return apply(&state, settings, saying: on ? "Replies that slip into first person are retried" : "First-person replies are kept")
    }
    guard let field = SettingField.named(name) else { return fail("unknown setting \(name); /settings lists them") }
    var settings = forDefaults ? state.preferences.storyDefaults : state.adventure!.settings
    if let problem = field.set(&settings, to: value) { return fail(problem) }
    return apply(&state, settings, saying: "\(field.name) is now \(field.read(settings))")
}

/// `/preset`, `/preset NAME`, `/preset save NAME`.
func presetCommand(_ state: inout AppState, _ argument: String) -> [Effect] {
    let words = argument.split(separator: " ").map(String.init)
    let current = state.adventure?.settings ?? state.preferences.storyDefaults
    let saved = state.preferences.savedPresets
    guard let first = words.first else {
        let active = SamplerPreset.matching(current, saved: saved)
        let names = (SamplerPreset.builtIn + saved).map { $0.name == active ? "[\($0.name)]" : $0.name }
        state.notice = Notice(text: "Presets: " + names.joined(separator: ", ") + ". /preset NAME uses one; /preset save NAME keeps yours.",
                              isError: false)
        return []
    }
    guard !state.isGenerating else {
        state.notice = Notice(text: "A reply is being written; press Esc to stop it first.", isError: false)
        return []
    }
    if first.lowercased() == "save" {
        guard words.count == 2 else {
            state.notice = Notice(text: "usage: /preset save NAME", isError: true)
            return []
        }
        if let problem = SamplerPreset.problem(savingAs: words[1]) {
            state.notice = Notice(text: problem, isError: true)
            return []
        }
        let preset = SamplerPreset(name: words[1], summary: "yours", settings: current)
        state.preferences.savedPresets.removeAll { $0.name.lowercased() == words[1].lowercased() }
        state.preferences.savedPresets.append(preset)
        state.notice = Notice(text: "Saved the current samplers as preset \(words[1]), for every adventure.", isError: false)
        return [.savePreferences]
    }
    guard words.count == 1, let preset = SamplerPreset.named(first, saved: saved) else {
        let names = (SamplerPreset.builtIn + saved).map(\.name).joined(separator: ", ")
        state.notice = Notice(text: "no preset \(first); presets: \(names)", isError: true)
        return []
    }
    return apply(&state, preset.applied(to: current), saying: "Preset \(preset.name): \(preset.summary)")
}

/// Gives the adventure (or, with none open, new adventures) `settings`.
func apply(_ state: inout AppState, _ settings: GenerationSettings, saying message: String) -> [Effect] {
    if state.teller == nil {
        state.preferences.storyDefaults = settings
        state.notice = Notice(text: message + " (for new adventures).", isError: false)
        return [.savePreferences]
    }
    do {
        try state.teller!.setSettings(settings)
    } catch {
        report(&state, error)
        return []
    }
    state.notice = Notice(text: message + " (this adventure).", isError: false)
    return [.save, .measureContext]
}
