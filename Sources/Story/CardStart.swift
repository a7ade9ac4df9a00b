import Foundation

/// Starts an adventure from a character card: a greeting is the opening, told to the player
/// as "you"; description, personality and scenario are pinned memory; the card's lorebook
/// is world info; `{{char}}` and `{{user}}` become the character's and the player's names.
/// Memory never takes more than half the window: what does not fit becomes world info
/// keyed on the character's name, and the report says so with token counts.
public struct CardStart {
    public var counter: any TokenCounter
    public var window: Int
    /// Tokens kept for the reply, as the context builder keeps them.
    public var reserved: Int
    /// Tokens a block of overflow world info holds at most.
    public var overflowBlock = 120

    public init(counter: any TokenCounter, window: Int, reserved: Int) {
        self.counter = counter
        self.window = window
        self.reserved = reserved
    }

    /// A new adventure and what went where, one phrase per line of the report.
    public struct Result: Sendable {
        public var adventure: Adventure
        public var report: [String]
    }

    public func adventure(from card: CharacterCard, greeting index: Int, player: String) -> Result {
        let player = player.trimmingSpaces
        let name = card.characterName
        // Without a name the player is "you" everywhere, as in the opening.
        let named = { (text: String) in
            player.isEmpty ? CardText.secondPerson(text, character: name) : CardText.substitute(text, character: name, player: player)
        }
        let greetings = card.greetings.isEmpty ? [""] : card.greetings
        let greeting = greetings[min(max(0, index), greetings.count - 1)]
        let opening = CardText.secondPerson(greeting, character: name)
        var report: [String] = []
        if !opening.isEmpty {
            let which = greetings.count > 1 ? "greeting \(min(max(0, index), greetings.count - 1) + 1) of \(greetings.count)" : "the greeting"
            report.append("opening: \(which) (\(counter.tokenCount(opening)) tokens)")
        }

        let parts = [("description", card.description), ("personality", card.personality.isEmpty ? "" : "\(name)'s personality: \(card.personality)"),
                     ("scenario", card.scenario.isEmpty ? "" : "Scenario: \(card.scenario)")]
            .map { ($0.0, named($0.1).trimmingSpaces) }
            .filter { !$0.1.isEmpty }
        let paragraphs = parts.flatMap { label, text in
            text.split(separator: "\n", omittingEmptySubsequences: true).map { (label, String($0).trimmingSpaces) }
        }.filter { !$0.1.isEmpty }
        let budget = max(0, window - reserved - window / 2)
        // Scenario and personality are short and say the most: they are kept first, then the
        // description's paragraphs in order; memory keeps the card's order.
        let priority = ["scenario", "personality", "description"]
        var kept = Set<Int>()
        var memoryTokens = 0
        for index in paragraphs.indices.sorted(by: { (priority.firstIndex(of: paragraphs[$0].0)!, $0) < (priority.firstIndex(of: paragraphs[$1].0)!, $1) }) {
            let tokens = counter.tokenCount(paragraphs[index].1 + "\n")
            guard memoryTokens + tokens <= budget else {
                if paragraphs[index].0 == "description" { break }  // the description's later paragraphs wait with it
                continue
            }
            kept.insert(index)
            memoryTokens += tokens
        }
        let memory = paragraphs.indices.filter(kept.contains).map { paragraphs[$0].1 }
        let rest = paragraphs.indices.filter { !kept.contains($0) }.map { paragraphs[$0] }
        if !memory.isEmpty {
            let labels = parts.map(\.0).filter { label in kept.contains { paragraphs[$0].0 == label } }
            report.append("memory: \(labels.joined(separator: ", ")) (\(memoryTokens) tokens)")
        }
        var worldInfo: [WorldInfoEntry] = []
        if !rest.isEmpty {
            worldInfo = overflow(rest.map(\.1), keys: CardText.keys(for: name))
            let total = paragraphs.reduce(0) { $0 + counter.tokenCount($1.1 + "\n") }
            let on = worldInfo.filter { !$0.disabled }
            let off = worldInfo.filter(\.disabled)
            var line = "the card's text is \(total) tokens, and memory may take \(budget) of the \(window)-token window "
                + "(the story keeps half): \(memoryTokens) tokens kept in memory, "
                + "\(tokens(of: on)) as \(count(on.count, "world-info entry", "world-info entries")) keyed on \"\(name)\""
            if !off.isEmpty {
                line += " and \(tokens(of: off)) in \(count(off.count, "entry", "entries")) switched off (together they would not fit beside the story)"
            }
            report.append(line)
        }
        let book = card.book.map { CardText.substitute($0, character: name, player: player.isEmpty ? "you" : player, text: named) }
        if !book.isEmpty { report.append("world info: \(count(book.count, "entry", "entries")) from the card's lorebook") }

        let adventure = Adventure(title: card.name, scenario: "character card", opening: opening, memory: memory,
                                  worldInfo: worldInfo + book)
        return Result(adventure: adventure, report: report)
    }

    /// Paragraphs that did not fit in memory, in blocks of about `overflowBlock` tokens keyed
    /// on the character's name; blocks past a quarter of the window are kept switched off, as
    /// all of them come in together when the name is mentioned.
    private func overflow(_ paragraphs: [String], keys: [String]) -> [WorldInfoEntry] {
        var blocks: [(text: String, tokens: Int)] = []
        for paragraph in paragraphs {
            let tokens = counter.tokenCount(paragraph + "\n")
            if let last = blocks.last, last.tokens + tokens <= overflowBlock {
                blocks[blocks.count - 1] = (last.text + "\n" + paragraph, last.tokens + tokens)
            } else {
                blocks.append((paragraph, tokens))
            }
        }
        var used = 0
        return blocks.map { block in
            used += block.tokens
            return WorldInfoEntry(keys: keys, text: block.text, disabled: used > window / 4, comment: "from the character card")
        }
    }

    private func tokens(of entries: [WorldInfoEntry]) -> String {
        "\(entries.reduce(0) { $0 + counter.tokenCount($1.text + "\n") }) tokens"
    }

    private func count(_ n: Int, _ one: String, _ many: String) -> String { n == 1 ? "1 \(one)" : "\(n) \(many)" }
}

/// The text conventions of character cards.
public enum CardText {
    /// `{{char}}` and `<BOT>` become the character's name, `{{user}}` and `<USER>` the player's
    /// (any capitals, as SillyTavern reads them).
    public static func substitute(_ text: String, character: String, player: String) -> String {
        var result = text
        for (macro, value) in [("{{char}}", character), ("<bot>", character), ("{{user}}", player), ("<user>", player)] {
            result = result.replacingOccurrences(of: macro, with: value, options: .caseInsensitive)
        }
        return result
    }

    /// A card's world-info entry with the macros named in its keys, and in its text by `text`
    /// (the same substitution by default).
    public static func substitute(_ entry: WorldInfoEntry, character: String, player: String,
                                  text: ((String) -> String)? = nil) -> WorldInfoEntry {
        var named = entry
        named.text = text?(entry.text) ?? substitute(entry.text, character: character, player: player)
        named.keys = entry.keys.map { substitute($0, character: character, player: player) }
        named.secondaryKeys = entry.secondaryKeys.map { substitute($0, character: character, player: player) }
        return named
    }

    /// A greeting told to the player: `{{user}}` becomes "you" ("your" before 's), capitalised
    /// where a sentence starts, the verb after it agreeing where it is the subject ("when
    /// {{user}} arrives" is "when you arrive"); the asterisks chat front ends put around
    /// narration go.
    public static func secondPerson(_ text: String, character: String) -> String {
        var marked = text.replacingOccurrences(of: "*", with: "")
        for form in ["{{user}}'s", "{{user}}’s", "<user>'s", "<user>’s"] {
            marked = marked.replacingOccurrences(of: form, with: "\u{2}", options: .caseInsensitive)
        }
        for form in ["{{user}}", "<user>"] {
            marked = marked.replacingOccurrences(of: form, with: "\u{1}", options: .caseInsensitive)
        }
        let characters = Array(substitute(marked, character: character, player: "you"))
        var output = ""
        var sentenceStart = true
        var clauseStart = false  // after a colon or semicolon: a subject may follow, not a capital
        var previousWord = ""
        var word = ""
        var index = 0
        while index < characters.count {
            let character = characters[index]
            index += 1
            if character == "\u{1}" || character == "\u{2}" {
                let subject = character == "\u{1}" && (sentenceStart || clauseStart || subjectOpeners.contains(previousWord))
                let pronoun = character == "\u{1}" ? "you" : "your"
                output += sentenceStart ? pronoun.capitalized : pronoun
                sentenceStart = false
                clauseStart = false
                previousWord = pronoun
                guard subject else { continue }
                // The verb after a subject "you": "arrives" -> "arrive", "is" -> "are".
                var spaces = ""
                while index < characters.count, characters[index] == " " { spaces.append(characters[index]); index += 1 }
                var verb = ""
                while index < characters.count, characters[index].isLetter { verb.append(characters[index]); index += 1 }
                output += spaces + secondPersonVerb(verb)
                previousWord = verb.lowercased()
                continue
            }
            output.append(character)
            if character.isLetter || character == "'" {
                word.append(character)
            } else if !word.isEmpty {
                previousWord = word.lowercased()
                word = ""
            }
            if ".!?\n".contains(character) {
                sentenceStart = true
                previousWord = ""
            } else if ":;".contains(character) {
                clauseStart = true
                previousWord = ""
            } else if !(character.isWhitespace || "\"“'‘(".contains(character)) {
                sentenceStart = false
                clauseStart = false
            }
        }
        return output.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "\n").trimmingSpaces
    }

    /// Words after which `{{user}}` is the subject of the verb that follows it.
    static let subjectOpeners: Set = ["and", "when", "as", "while", "if", "because", "that", "until", "before", "after",
                                      "but", "so", "then", "where", "once", "since", "though", "although", "or", "who"]

    /// A third-person present verb as it goes after "you"; anything else unchanged.
    static func secondPersonVerb(_ verb: String) -> String {
        let irregular = ["is": "are", "was": "were", "has": "have", "does": "do", "goes": "go", "isn't": "aren't",
                         "wasn't": "weren't", "hasn't": "haven't", "doesn't": "don't"]
        if let form = irregular[verb.lowercased()] { return form }
        let lower = verb.lowercased()
        guard verb == lower, lower.count > 3, lower.hasSuffix("s"), !lower.hasSuffix("ss"), !lower.hasSuffix("us"),
              !lower.hasSuffix("is"), !["always", "perhaps", "sometimes", "towards", "afterwards", "nevertheless"].contains(lower) else {
            return verb
        }
        if lower.hasSuffix("ies") { return String(lower.dropLast(3)) + "y" }
        if ["ches", "shes", "sses", "xes", "zes", "oes"].contains(where: lower.hasSuffix) { return String(lower.dropLast(2)) }
        return String(lower.dropLast())
    }

    /// The keys overflow world info answers to: the name, and its first word when the name has several.
    static func keys(for name: String) -> [String] {
        let words = name.split(whereSeparator: \.isWhitespace)
        guard words.count > 1, let first = words.first, first.count >= 3 else { return [name] }
        return [name, String(first)]
    }
}
