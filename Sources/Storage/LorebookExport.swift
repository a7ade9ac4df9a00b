import Foundation
import Story

/// An adventure's world info as a SillyTavern World Info file: `entries` keyed by uid, every
/// field of SillyTavern's `newWorldInfoEntryDefinition` (public/scripts/world-info.js) with
/// its type, and `uid` (which KoboldAI Lite's has_tavern_wi_check looks for), so both
/// programs' importers read it (SillyTavern's importWorldInfo, Lite's load_tavern_wi).
enum LorebookExport {
    static func render(_ adventure: Adventure) throws -> String {
        var entries: [String: Any] = [:]
        for (uid, entry) in adventure.worldInfo.enumerated() {
            // Anti-keys become NOT ANY secondary keys, the same rule for an entry with a key and no secondary keys.
            let antiAsSecondary = !entry.antiKeys.isEmpty && entry.secondaryKeys.isEmpty && !entry.alwaysOn
            let secondary = antiAsSecondary ? entry.antiKeys : entry.secondaryKeys
            let logic = antiAsSecondary ? SelectiveLogic.notAny : entry.logic
            entries[String(uid)] = [
                "uid": uid, "key": entry.keys, "keysecondary": secondary, "comment": entry.comment, "content": entry.text,
                "constant": entry.alwaysOn, "vectorized": false, "selective": true, "selectiveLogic": number(logic),
                "addMemo": !entry.comment.isEmpty, "order": entry.order, "position": 0, "disable": entry.disabled,
                "excludeRecursion": false, "preventRecursion": false, "delayUntilRecursion": 0, "probability": 100,
                "useProbability": true, "depth": 4, "group": "", "groupOverride": false, "groupWeight": 100,
                // dungeon's depth is in turns, SillyTavern's in messages (an action and a reply are two).
                "scanDepth": entry.scanDepth.map { $0.multipliedReportingOverflow(by: 2).overflow ? Int.max : $0 * 2 } as Any? ?? NSNull(), "caseSensitive": entry.caseSensitive,
                "matchWholeWords": entry.wholeWords, "useGroupScoring": NSNull(), "automationId": "", "role": 0,
                "sticky": NSNull(), "cooldown": NSNull(), "delay": NSNull(), "displayIndex": uid,
            ] as [String: Any]
        }
        let data = try JSONSerialization.data(withJSONObject: ["entries": entries],
                                              options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// What the file cannot say as dungeon does.
    static func losses(_ adventure: Adventure) -> [String] {
        let unmapped = adventure.worldInfo.filter { !$0.antiKeys.isEmpty && (!$0.secondaryKeys.isEmpty || $0.alwaysOn) }.count
        return unmapped > 0 ? ["anti-keys of \(ImportResult.count(unmapped, "entry", "entries")) that have secondary keys or are always on"] : []
    }

    static func number(_ logic: SelectiveLogic) -> Int {
        switch logic {
        case .andAny: return 0
        case .notAll: return 1
        case .notAny: return 2
        case .andAll: return 3
        }
    }
}
