import Foundation
import Story

/// The sampler settings KoboldAI Lite saves (`savedsettings`, the fields it sends KoboldCpp):
/// `rep_pen_range`, `rep_pen_slope`, `presence_penalty`, `min_p`, `top_a`, `typ_s`, `tfs_s`,
/// `dry_*`, `xtc_*` and `sampler_order`, plus the story's `tokenbans` (phrases joined by
/// `||$||`) and `logitbiasdict` (token id → bias).
enum KoboldSamplers {
    static func read(_ settings: JSONObject?, story: JSONObject, into adventure: inout GenerationSettings, dropped: inout [String]) throws {
        func take(_ key: String, _ name: String, _ apply: (inout GenerationSettings, Double) -> Void) {
            guard let value = settings?.number(key) else { return }
            var trial = adventure
            apply(&trial, value)
            if trial.problem == nil { adventure = trial } else { dropped.append("\(name) \(value) (outside dungeon's range)") }
        }
        take("rep_pen_range", "repetition range") { $0.repetitionRange = $1.saturatingInt }
        take("rep_pen_slope", "repetition slope") { $0.repetitionSlope = $1 }
        take("presence_penalty", "presence penalty") { $0.presencePenalty = $1 }
        take("min_p", "min-p") { $0.minP = $1 }
        take("top_a", "top-a") { $0.topA = $1 }
        take("typ_s", "typical") { $0.typical = $1 }
        take("tfs_s", "tail-free") { $0.tailFree = $1 }
        take("dry_multiplier", "DRY multiplier") { $0.dryMultiplier = $1 }
        take("dry_base", "DRY base") { $0.dryBase = $1 }
        take("dry_allowed_length", "DRY allowed length") { $0.dryAllowedLength = $1.saturatingInt }
        take("xtc_threshold", "XTC threshold") { $0.xtcThreshold = $1 }
        take("xtc_probability", "XTC probability") { $0.xtcProbability = $1 }
        if let breakers = settings?.textList("dry_sequence_breakers") {
            var trial = adventure
            trial.drySequenceBreakers = breakers
            if trial.problem == nil { adventure = trial } else { dropped.append("DRY sequence breakers (outside dungeon's limits)") }
        }
        if let order = settings?.values["sampler_order"] as? [Any] {
            let ids = order.compactMap { ($0 as? NSNumber)?.intValue }
            if let steps = SamplerStep.order(koboldIDs: ids) {
                adventure.samplerOrder = steps
                if let penalty = ids.firstIndex(of: 6), penalty != 0 {
                    dropped.append("the repetition penalty's place in the sampler order (dungeon applies penalties first)")
                }
            } else {
                dropped.append("sampler order \(ids) (not KoboldCpp's seven samplers)")
            }
        }
        let bans = try story.string("tokenbans", default: "").replacingOccurrences(of: "\\n", with: "\n")
            .components(separatedBy: "||$||").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        if !bans.isEmpty {
            var trial = adventure
            trial.bannedPhrases = bans
            if trial.problem == nil { adventure = trial } else { dropped.append("token bans (outside dungeon's limits)") }
        }
        if let biases = try story.object("logitbiasdict") {
            var kept: [LogitBias] = []
            for (key, value) in biases.values.sorted(by: { $0.key < $1.key }) {
                if let token = Int(key), let amount = (value as? NSNumber)?.doubleValue {
                    kept.append(LogitBias(token: token, amount: max(-100, min(100, amount))))
                } else {
                    dropped.append("logit bias \(key) (not a token id and a number)")
                }
            }
            var trial = adventure
            trial.logitBias = kept
            if trial.problem == nil { adventure = trial } else { dropped.append("logit biases (outside dungeon's limits)") }
        }
    }
}
