/// A named set of sampler settings (`/preset NAME`, `--preset NAME`). A preset sets the
/// samplers only; an adventure's reply length stays its own.
public struct SamplerPreset: Codable, Sendable, Equatable {
    public var name: String
    public var summary: String
    public var settings: GenerationSettings

    public init(name: String, summary: String, settings: GenerationSettings) {
        self.name = name
        self.summary = summary
        self.settings = settings
    }

    /// `settings` with this preset's samplers and `settings`' own reply length.
    public func applied(to settings: GenerationSettings) -> GenerationSettings {
        var chosen = self.settings
        chosen.replyLength = settings.replyLength
        chosen.firstPersonGuard = settings.firstPersonGuard
        return chosen
    }

    /// The preset new adventures start with, chosen by `dungeon bench --quality` on the demo
    /// model (README): it halves the replies that repeat a recent 4-gram against `classic`
    /// without more cut or first-person replies.
    public static let defaultName = "dry"

    public static let builtIn: [SamplerPreset] = [
        preset("classic", "dungeon before presets: temperature 0.8, top-k 40, top-p 0.9, repetition 1.15", GenerationSettings()),
        preset("aidungeon2", "AI Dungeon 2 as released: temperature 0.4, top-k 40, top-p 0.9, no penalty",
               GenerationSettings(temperature: 0.4, topK: 40, topP: 0.9, repetitionPenalty: 1)),
        preset("kobold-lite", "KoboldAI Lite's default: temperature 0.7, top-k 100, top-p 0.92, repetition 1.07 over 360 tokens, slope 0.7",
               GenerationSettings(temperature: 0.7, topK: 100, topP: 0.92, repetitionPenalty: 1.07)) {
            $0.repetitionRange = 360
            $0.repetitionSlope = 0.7
        },
        preset("min-p", "min-p 0.1 at temperature 1, nothing else cut; repetition 1.05",
               GenerationSettings(temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1.05)) { $0.minP = 0.1 },
        preset("dry", "min-p 0.05, temperature 0.9, DRY 0.8 (base 1.75, from 2 tokens), presence 0.3",
               GenerationSettings(temperature: 0.9, topK: 0, topP: 1, repetitionPenalty: 1.05)) {
            $0.minP = 0.05
            $0.dryMultiplier = 0.8
            $0.presencePenalty = 0.3
        },
        preset("creative", "min-p 0.05, temperature 1.1, XTC (threshold 0.1, probability 0.5), DRY 0.8",
               GenerationSettings(temperature: 1.1, topK: 0, topP: 1, repetitionPenalty: 1.05)) {
            $0.minP = 0.05
            $0.dryMultiplier = 0.8
            $0.xtcProbability = 0.5
        },
    ]

    /// A built-in preset: `base` changed by `change`. `classic` and `aidungeon2` divide by the
    /// temperature before cutting, as both programs did; the others sample in KoboldCpp's
    /// order (temperature after the cuts).
    private static func preset(_ name: String, _ summary: String, _ base: GenerationSettings,
                               _ change: (inout GenerationSettings) -> Void = { _ in }) -> SamplerPreset {
        var settings = base
        if name != "classic" && name != "aidungeon2" { settings.samplerOrder = SamplerStep.koboldOrder }
        change(&settings)
        return SamplerPreset(name: name, summary: summary, settings: settings)
    }

    public static var defaultPreset: SamplerPreset { builtIn.first { $0.name == defaultName }! }

    /// The built-in or saved preset called `name` (case ignored), or nil.
    public static func named(_ name: String, saved: [SamplerPreset] = []) -> SamplerPreset? {
        let key = name.lowercased()
        return saved.first { $0.name.lowercased() == key } ?? builtIn.first { $0.name == key }
    }

    /// The name of the preset whose samplers `settings` has, if any.
    public static func matching(_ settings: GenerationSettings, saved: [SamplerPreset] = []) -> String? {
        (saved + builtIn).first { $0.applied(to: settings) == settings }?.name
    }

    /// A message when `name` cannot name a saved preset, or nil.
    public static func problem(savingAs name: String) -> String? {
        if name.isEmpty || name.count > 40 { return "a preset's name has 1 to 40 characters" }
        if !name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) {
            return "a preset's name is letters, digits, - and _"
        }
        if builtIn.contains(where: { $0.name == name.lowercased() }) { return "\(name) is a built-in preset" }
        return nil
    }
}
