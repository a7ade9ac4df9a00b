import Foundation
import Story

/// The story on screen as a KoboldAI Client save (the layout of `saveRequest` in KoboldAI
/// Client 1.19), which KoboldAI, KoboldAI United and KoboldAI Lite all open: the opening as
/// `prompt`, memory, the author's note and its template, world info, and the story as
/// chunks (an action as "\n\n> You open the door.\n", its reply after it), each reply's
/// other versions with the same action as the chunk's alternatives.
enum KoboldExport {
    static func render(_ adventure: Adventure) throws -> String {
        var chunks: [String] = []
        var metadata: [String: Any] = [:]
        // What only dungeon reads back (KoboldAI ignores keys it does not know): who wrote
        // each chunk, each action's mode and input, and where the selected reply stands
        // among its versions, so a dungeon → KoboldAI → dungeon round trip changes nothing.
        var described: [[String: Any]] = []
        let tree = adventure.tree
        for turn in adventure.turns {
            switch turn.mode {
            case .do, .say:
                chunks.append("\n\n> " + AdventureExporter.actionText(turn.action) + "\n")
            case .story:
                chunks.append("\n\n" + turn.action)
            case .continue:
                break
            }
            if turn.mode != .continue { described.append(["by": "player", "mode": turn.mode.rawValue, "input": turn.input]) }
            guard let reply = turn.reply else { continue }
            // A reply after an action follows it directly; one that goes on by itself is a new paragraph.
            chunks.append((turn.mode == .do || turn.mode == .say ? "" : "\n\n") + reply.text)
            let versions = tree.siblings(of: turn.id).compactMap { tree.turns[$0] }
                .filter { $0.action == turn.action && $0.mode == turn.mode && $0.reply != nil }
            described.append(["by": "model", "continues": turn.mode == .continue,
                              "selected": versions.firstIndex { $0.id == turn.id } ?? 0])
            let others = versions.filter { $0.id != turn.id }.compactMap(\.reply?.text)
            if !others.isEmpty {
                // KoboldAI lists the most recent earlier selection first.
                metadata[String(chunks.count - 1)] = [
                    "Selected Text": chunks[chunks.count - 1],
                    "Alternative Text": others.reversed().map { ["Text": $0, "Pinned": false, "Previous Selection": true, "Edited": false] },
                ]
            }
        }
        for index in chunks.indices where metadata[String(index)] == nil {
            metadata[String(index)] = ["Selected Text": chunks[index], "Alternative Text": [Any]()]
        }
        let worldInfo: [[String: Any]] = adventure.worldInfo.filter { !$0.disabled }.map { entry in
            ["key": entry.keys.joined(separator: ", "), "keysecondary": entry.secondaryKeys.joined(separator: ", "),
             "content": entry.text, "comment": entry.comment, "folder": NSNull(),
             "selective": !entry.secondaryKeys.isEmpty, "constant": entry.alwaysOn]
        }
        let save: [String: Any] = [
            "gamestarted": true, "prompt": adventure.opening, "memory": adventure.memory.joined(separator: "\n"),
            "authorsnote": adventure.authorsNote, "anotetemplate": adventure.noteTemplate, "actions": chunks,
            "actions_metadata": metadata, "worldinfo": worldInfo, "wifolders_d": [String: Any](), "wifolders_l": [Any](),
            "dungeon": ["title": adventure.title, "chunks": described],
        ]
        let data = try JSONSerialization.data(withJSONObject: save, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// What the story holds that a KoboldAI save cannot: said when exporting, never silently.
    static func losses(_ adventure: Adventure) -> [String] {
        var losses: [String] = []
        let disabled = adventure.worldInfo.filter(\.disabled).count
        if disabled > 0 { losses.append("\(ImportResult.count(disabled, "disabled world-info entry", "disabled world-info entries"))") }
        if adventure.worldInfo.contains(where: { !$0.antiKeys.isEmpty }) { losses.append("world-info anti-keys") }
        // KoboldAI matches secondary keys as "one of them", ignoring case, anywhere; nothing orders or limits entries.
        let lorebookOnly = adventure.worldInfo.filter { entry in
            (entry.logic != .andAny && !entry.secondaryKeys.isEmpty) || entry.caseSensitive || !entry.wholeWords
                || entry.order != WorldInfoEntry.defaultOrder || entry.scanDepth != nil
        }.count
        if lorebookOnly > 0 {
            losses.append("how \(ImportResult.count(lorebookOnly, "world-info entry", "world-info entries")) match "
                          + "(secondary-key logic, capitals, whole words, order, scan depth: /export lorebook keeps them)")
        }
        let tree = adventure.tree
        let branches = adventure.turns.filter { turn in
            tree.siblings(of: turn.id).contains { tree.turns[$0].map { $0.action != turn.action || $0.mode != turn.mode } ?? false }
        }.count
        let offStory = tree.turns.count - adventure.turns.count
        if branches > 0 || offStory > 0 {
            losses.append("branches other than the story on screen (only other replies to the same action are kept)")
        }
        return losses
    }
}
