import Foundation
import Story

/// The formats `dungeon export` writes.
public enum ExportFormat: String, CaseIterable, Sendable {
    case markdown = "md", html, text = "txt", json
    /// A KoboldAI Client save, to take a story back to KoboldAI.
    case kobold
    /// The world info alone, as a SillyTavern World Info file (KoboldAI Lite reads it too).
    case lorebook

    public var fileExtension: String {
        switch self {
        case .kobold: return "kobold.json"
        case .lorebook: return "lorebook.json"
        default: return rawValue
        }
    }

    /// Accepts the format names players type: md, markdown, html, txt, text, json.
    public init?(name: String) {
        switch name.lowercased() {
        case "md", "markdown": self = .markdown
        case "html", "htm": self = .html
        case "txt", "text", "plain": self = .text
        case "json": self = .json
        case "kobold", "koboldai": self = .kobold
        case "lorebook", "worldinfo", "world-info": self = .lorebook
        default: return nil
        }
    }
}

/// Writes an adventure in any export format.
public enum AdventureExporter {
    /// `date` is printed under the title (the day the adventure was last played, say).
    /// The story is the one on screen; `allBranches` adds every other branch of the tree
    /// after it, each turn once (JSON always holds the whole tree).
    public static func export(_ adventure: Adventure, as format: ExportFormat, date: Date,
                              allBranches: Bool = false) throws -> String {
        let branches = allBranches ? adventure.tree.otherBranches() : []
        switch format {
        case .markdown: return MarkdownExport.render(adventure, date: date, branches: branches)
        case .html: return HTMLExport.render(adventure, date: date, branches: branches)
        case .text: return TextExport.render(adventure, date: date, branches: branches)
        case .json: return try JSONExchange.export(adventure, exportedAt: date)
        case .kobold: return try KoboldExport.render(adventure)
        case .lorebook: return try LorebookExport.render(adventure)
        }
    }

    /// What `format` cannot hold of `adventure` ("world-info anti-keys"), to tell the player.
    public static func losses(_ adventure: Adventure, in format: ExportFormat) -> [String] {
        switch format {
        case .kobold: return KoboldExport.losses(adventure)
        case .lorebook: return LorebookExport.losses(adventure)
        default: return []
        }
    }

    /// "Branch 2 · after turn 3": where an appendix's branch leaves the story told before it.
    static func heading(_ branch: StoryTree.Branch, number: Int) -> String {
        "Branch \(number) · " + (branch.afterNumber == 0 ? "from the opening" : "after turn \(branch.afterNumber)")
    }

    /// An appendix branch's paragraphs.
    static func blocks(_ branch: StoryTree.Branch) -> [StoryBlock] {
        Adventure.blocks(of: branch.turns, firstIndex: branch.afterNumber).filter { !$0.text.isEmpty }
    }

    /// "22 November 2026", the same in every locale and time zone so exports are reproducible.
    static func dateLine(_ date: Date) -> String {
        let calendar = Calendar(identifier: .gregorian)
        var utc = calendar
        utc.timeZone = TimeZone(identifier: "UTC")!
        let parts = utc.dateComponents([.year, .month, .day], from: date)
        let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                      "October", "November", "December"]
        return "\(parts.day!) \(months[parts.month! - 1]) \(parts.year!)"
    }

    static func scenarioName(_ adventure: Adventure) -> String {
        adventure.scenario == "custom" ? "custom start" : adventure.scenario
    }

    /// The action without its "> " marker, for formats that set actions apart their own way.
    static func actionText(_ text: String) -> String {
        text.hasPrefix(ActionFormatter.marker) ? String(text.dropFirst(ActionFormatter.marker.count)) : text
    }

    /// The story's paragraphs: each non-empty line of each block, cleaned of control characters.
    static func paragraphs(_ block: StoryBlock) -> [String] {
        TextSanitizer.clean(block.text).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }
}
