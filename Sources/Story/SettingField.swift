import Foundation

/// One sampler setting by the name players type (`/set min-p 0.05`, `--min-p 0.05`), with how
/// to read, write and step it: the one table behind `/set`, `/settings`, the command-line flags
/// and `dungeon bench --quality`.
public struct SettingField: Sendable {
    public let name: String
    public let label: String
    /// What the settings overlay's ←→ add; nil for a list, which only `/set` changes.
    public let step: Double?
    public let read: @Sendable (GenerationSettings) -> String
    let write: @Sendable (inout GenerationSettings, String) -> String?

    /// Sets the field from text; returns a one-line message when the text is no value for it
    /// or the result is out of range (then `settings` is unchanged).
    public func set(_ settings: inout GenerationSettings, to text: String) -> String? {
        var changed = settings
        if let problem = write(&changed, text.trimmingWhitespace) { return problem }
        if let problem = changed.problem { return problem }
        settings = changed
        return nil
    }

    /// Steps a numeric field by `direction` steps; nil at a limit.
    public func stepped(_ settings: GenerationSettings, by direction: Double) -> GenerationSettings? {
        guard let step, let value = Double(read(settings)) else { return nil }
        var changed = settings
        let next = ((value + step * direction) * 1000).rounded() / 1000
        guard write(&changed, step >= 1 ? String(Int(next)) : String(next)) == nil, changed.problem == nil else { return nil }
        return changed
    }

    public static func named(_ name: String) -> SettingField? {
        let key = name.lowercased()
        return all.first { $0.name == key || $0.aliases.contains(key) }
    }

    var aliases: [String] {
        switch name {
        case "top-k": return ["topk"]
        case "top-p": return ["topp"]
        case "repetition": return ["repetition-penalty", "rep-pen"]
        default: return []
        }
    }

    public static let all: [SettingField] = [
        number("temperature", "Temperature", 0.05, \.temperature),
        integer("top-k", "Top-k (0 off)", 5, \.topK),
        number("top-p", "Top-p (1 off)", 0.05, \.topP),
        number("min-p", "Min-p (0 off)", 0.01, \.minP),
        number("typical", "Typical (1 off)", 0.05, \.typical),
        number("tail-free", "Tail-free (1 off)", 0.05, \.tailFree),
        number("top-a", "Top-a (0 off)", 0.05, \.topA),
        number("repetition", "Repetition penalty", 0.01, \.repetitionPenalty),
        integer("repetition-range", "Repetition range (tokens)", 32, \.repetitionRange),
        number("repetition-slope", "Repetition slope", 0.1, \.repetitionSlope),
        number("presence", "Presence penalty", 0.05, \.presencePenalty),
        number("frequency", "Frequency penalty", 0.05, \.frequencyPenalty),
        number("dry-multiplier", "DRY multiplier (0 off)", 0.1, \.dryMultiplier),
        number("dry-base", "DRY base", 0.05, \.dryBase),
        integer("dry-length", "DRY allowed length", 1, \.dryAllowedLength),
        integer("dry-range", "DRY range (0 whole)", 64, \.dryRange),
        list("dry-breakers", "DRY sequence breakers", \.drySequenceBreakers),
        number("xtc-threshold", "XTC threshold", 0.05, \.xtcThreshold),
        number("xtc-probability", "XTC probability (0 off)", 0.1, \.xtcProbability),
        list("ban", "Banned phrases", \.bannedPhrases),
        SettingField(name: "bias", label: "Logit bias", step: nil, read: { biasText($0.logitBias) }, write: { settings, text in
            guard let biases = parseBias(text) else { return "bias is TEXT=AMOUNT or #TOKEN=AMOUNT, separated by |, or - for none" }
            settings.logitBias = biases
            return nil
        }),
        SettingField(name: "order", label: "Sampler order", step: nil,
                     read: { $0.samplerOrder.map(\.rawValue).joined(separator: ",") }, write: { settings, text in
            let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            let steps = names.compactMap(SamplerStep.init(rawValue:))
            guard steps.count == names.count, Set(steps).count == steps.count else {
                return "order lists samplers once each, separated by commas: " + SamplerStep.allCases.map(\.rawValue).joined(separator: ",")
            }
            // Samplers left out keep their place after the ones named.
            settings.samplerOrder = steps + settings.samplerOrder.filter { !steps.contains($0) }
            return nil
        }),
        SettingField(name: "recall", label: "Recall (tokens, 0 off)", step: 16, read: { String($0.recallAllowance) }, write: { settings, text in
            guard let value = Int(text) else { return "recall is a whole number of tokens (0 turns it off)" }
            settings.recallTokens = value
            return nil
        }),
        integer("length", "Reply length (tokens)", 10, \.replyLength),
    ]

    private static func number(_ name: String, _ label: String, _ step: Double, _ path: WritableKeyPath<GenerationSettings, Double> & Sendable) -> SettingField {
        SettingField(name: name, label: label, step: step, read: { format($0[keyPath: path]) }, write: { settings, text in
            guard let value = Double(text), value.isFinite else { return "\(name) is a number" }
            settings[keyPath: path] = value
            return nil
        })
    }

    private static func integer(_ name: String, _ label: String, _ step: Double, _ path: WritableKeyPath<GenerationSettings, Int> & Sendable) -> SettingField {
        SettingField(name: name, label: label, step: step, read: { String($0[keyPath: path]) }, write: { settings, text in
            guard let value = Int(text) else { return "\(name) is a whole number" }
            settings[keyPath: path] = value
            return nil
        })
    }

    /// A list typed as items separated by `|` (`\n` for a line break), or `-` for none.
    private static func list(_ name: String, _ label: String, _ path: WritableKeyPath<GenerationSettings, [String]> & Sendable) -> SettingField {
        SettingField(name: name, label: label, step: nil, read: { listText($0[keyPath: path]) }, write: { settings, text in
            settings[keyPath: path] = parseList(text)
            return nil
        })
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e9 ? String(format: "%.1f", value) : String((value * 10000).rounded() / 10000)
    }

    static func listText(_ items: [String]) -> String {
        items.isEmpty ? "-" : items.map { $0.replacingOccurrences(of: "\n", with: "\\n") }.joined(separator: " | ")
    }

    static func parseList(_ text: String) -> [String] {
        guard text != "-" && !text.isEmpty else { return [] }
        return text.components(separatedBy: "|").map { item in
            let trimmed = item.trimmingWhitespace.replacingOccurrences(of: "\\n", with: "\n")
            return trimmed
        }.filter { !$0.isEmpty }
    }

    static func biasText(_ biases: [LogitBias]) -> String {
        biases.isEmpty ? "-" : biases.map { ($0.token.map { "#\($0)" } ?? $0.text ?? "") + "=" + format($0.amount) }.joined(separator: " | ")
    }

    static func parseBias(_ text: String) -> [LogitBias]? {
        guard text != "-" && !text.isEmpty else { return [] }
        var biases: [LogitBias] = []
        for item in text.components(separatedBy: "|") {
            guard let equals = item.lastIndex(of: "=") else { return nil }
            let key = String(item[..<equals]).trimmingWhitespace
            guard let amount = Double(String(item[item.index(after: equals)...]).trimmingWhitespace), !key.isEmpty else { return nil }
            if key.hasPrefix("#"), let token = Int(key.dropFirst()) {
                biases.append(LogitBias(token: token, amount: amount))
            } else {
                biases.append(LogitBias(text: key, amount: amount))
            }
        }
        return biases
    }
}
