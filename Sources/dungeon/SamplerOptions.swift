import ArgumentParser
import Story

/// `--preset` and a flag for every sampler (`--min-p 0.05`, `--dry-multiplier 0.8`, …) on
/// `play`, `generate` and `bench`; a flag overrides the preset. The names are
/// `SettingField`'s, so `/set` and the flags take the same values.
struct SamplerOptions: ParsableArguments {
    @Option(help: "A sampler preset: classic, aidungeon2, kobold-lite, min-p, dry, creative, or one you saved with /preset save.")
    var preset: String?

    // `.unconditional`: a negative number is the option's value, so it reaches the validation
    // ("temperature must be …") instead of being taken for an unknown flag.
    @Option(parsing: .unconditional, help: "Sampling temperature.") var temperature: String?
    @Option(name: .customLong("top-k"), parsing: .unconditional, help: "Keep the K most likely tokens (0: all).") var topK: String?
    @Option(name: .customLong("top-p"), parsing: .unconditional, help: "Keep the most likely tokens up to this probability mass (1: off).") var topP: String?
    @Option(name: .customLong("min-p"), parsing: .unconditional, help: "Keep tokens at least this fraction as likely as the best (0: off).") var minP: String?
    @Option(parsing: .unconditional, help: "Locally typical sampling's mass (1: off).") var typical: String?
    @Option(name: .customLong("tail-free"), parsing: .unconditional, help: "Tail-free sampling's z (1: off).") var tailFree: String?
    @Option(name: .customLong("top-a"), parsing: .unconditional, help: "Top-a (0: off).") var topA: String?
    @Option(name: .customLong("repetition-penalty"), parsing: .unconditional, help: "Penalty for recently used tokens (1: none).") var repetition: String?
    @Option(name: .customLong("repetition-range"), parsing: .unconditional, help: "Tokens the penalties look back over.") var repetitionRange: String?
    @Option(name: .customLong("repetition-slope"), parsing: .unconditional, help: "KoboldCpp's slope: the older half of the range penalised less (1: alike).") var repetitionSlope: String?
    @Option(parsing: .unconditional, help: "Presence penalty.") var presence: String?
    @Option(parsing: .unconditional, help: "Frequency penalty.") var frequency: String?
    @Option(name: .customLong("dry-multiplier"), parsing: .unconditional, help: "DRY's multiplier (0: off).") var dryMultiplier: String?
    @Option(name: .customLong("dry-base"), parsing: .unconditional, help: "DRY's base.") var dryBase: String?
    @Option(name: .customLong("dry-length"), parsing: .unconditional, help: "DRY's allowed length.") var dryLength: String?
    @Option(name: .customLong("dry-range"), parsing: .unconditional, help: "Tokens DRY searches (0: the whole window).") var dryRange: String?
    @Option(name: .customLong("dry-breakers"), help: "DRY's sequence breakers, separated by | (\\n for a line break).") var dryBreakers: String?
    @Option(name: .customLong("xtc-threshold"), parsing: .unconditional, help: "XTC's threshold.") var xtcThreshold: String?
    @Option(name: .customLong("xtc-probability"), parsing: .unconditional, help: "XTC's probability (0: off).") var xtcProbability: String?
    @Option(help: "Phrases never to write, separated by |.") var ban: String?
    @Option(help: "Logit biases: TEXT=AMOUNT or #TOKEN=AMOUNT, separated by |.") var bias: String?
    @Option(help: "The order of the samplers, by name, separated by commas.") var order: String?

    /// The flags given, as (setting name, value), in the table's order.
    var given: [(String, String)] {
        let values: [(String, String?)] = [
            ("temperature", temperature), ("top-k", topK), ("top-p", topP), ("min-p", minP), ("typical", typical),
            ("tail-free", tailFree), ("top-a", topA), ("repetition", repetition), ("repetition-range", repetitionRange),
            ("repetition-slope", repetitionSlope), ("presence", presence), ("frequency", frequency),
            ("dry-multiplier", dryMultiplier), ("dry-base", dryBase), ("dry-length", dryLength), ("dry-range", dryRange),
            ("dry-breakers", dryBreakers), ("xtc-threshold", xtcThreshold), ("xtc-probability", xtcProbability),
            ("ban", ban), ("bias", bias), ("order", order),
        ]
        return values.compactMap { name, value in value.map { (name, $0) } }
    }

    /// Whether any sampler flag or the preset was given.
    var isEmpty: Bool { preset == nil && given.isEmpty }

    /// `base` with the preset, then each flag, applied; a one-line error for an unknown preset
    /// or a value out of range.
    func apply(to base: GenerationSettings, saved: [SamplerPreset] = []) throws -> GenerationSettings {
        var settings = base
        if let preset {
            guard let found = SamplerPreset.named(preset, saved: saved) else {
                let names = (SamplerPreset.builtIn + saved).map(\.name).joined(separator: ", ")
                throw ValidationError("no preset \(preset); presets: \(names)")
            }
            settings = found.applied(to: settings)
        }
        for (name, value) in given {
            if let problem = SettingField.named(name)!.set(&settings, to: value) {
                throw ValidationError("--\(name == "repetition" ? "repetition-penalty" : name) \(value): \(problem)")
            }
        }
        return settings
    }

    /// Checks the flags' values (the preset's name is checked where the saved presets are
    /// known). Called from `run`, not `validate`, so a bad value is one line, not a usage page.
    func checkFlags() throws {
        var flagsOnly = self
        flagsOnly.preset = nil
        _ = try flagsOnly.apply(to: SamplerPreset.defaultPreset.settings)
    }
}
