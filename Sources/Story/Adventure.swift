import Foundation

/// How the player's input enters the story.
public enum ActionMode: String, Codable, Sendable, CaseIterable {
    /// "open the door" becomes "> You open the door."
    case `do`
    /// "hello" becomes `> You say "Hello."`
    case say
    /// The text is added to the story as narration, as written.
    case story
    /// No input: the story goes on.
    case `continue`

    /// The next mode for the mode switch (Tab), skipping `continue`, which is empty input.
    public var next: ActionMode {
        switch self {
        case .do: return .say
        case .say: return .story
        case .story, .continue: return .do
        }
    }

    public var label: String {
        switch self {
        case .do: return "Do"
        case .say: return "Say"
        case .story: return "Story"
        case .continue: return "Continue"
        }
    }
}

/// One reply the model gave, with what it takes to generate it again exactly.
public struct Reply: Sendable, Equatable {
    public var text: String
    public var seed: UInt64
    public var settings: GenerationSettings

    public init(text: String, seed: UInt64, settings: GenerationSettings) {
        self.text = text
        self.seed = seed
        self.settings = settings
    }
}

extension Reply: Codable {
    enum CodingKeys: String, CodingKey { case text, seed, settings }

    /// The seed is written as text: a 64-bit number loses its last digits in any JavaScript
    /// tool (18074882946671919669 would read as 18074882946671920000). A number still reads.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(text, forKey: .text)
        try container.encode(String(seed), forKey: .seed)
        try container.encode(settings, forKey: .settings)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let seed: UInt64
        if let text = try? container.decode(String.self, forKey: .seed) {
            guard let value = UInt64(text) else {
                throw DecodingError.dataCorruptedError(forKey: .seed, in: container, debugDescription: "the seed \(text) is not a number")
            }
            seed = value
        } else {
            seed = try container.decode(UInt64.self, forKey: .seed)
        }
        self.init(text: try container.decode(String.self, forKey: .text), seed: seed,
                  settings: try container.decode(GenerationSettings.self, forKey: .settings))
    }
}

/// How an entry's secondary keys decide, once a key matched (SillyTavern's `selectiveLogic`).
public enum SelectiveLogic: String, Codable, Sendable, CaseIterable {
    /// At least one secondary key appears too (KoboldAI's "selective" entries).
    case andAny
    /// Not every secondary key appears.
    case notAll
    /// No secondary key appears.
    case notAny
    /// Every secondary key appears.
    case andAll
}

/// A piece of lore shown to the model only while its keys are being talked about.
public struct WorldInfoEntry: Sendable, Equatable {
    /// Any of these triggers the entry.
    public var keys: [String]
    public var text: String
    /// When not empty, they decide by `logic` whether a triggered entry goes in.
    public var secondaryKeys: [String]
    public var logic: SelectiveLogic
    /// Always in the context, keys or not.
    public var alwaysOn: Bool
    /// When any of these appears, the entry stays out (KoboldAI Lite's anti-keys).
    public var antiKeys: [String]
    /// Kept, but never shown to the model until enabled again.
    public var disabled: Bool
    /// A note for the player, never shown to the model.
    public var comment: String
    /// Keys match only with the same capitals.
    public var caseSensitive: Bool
    /// Keys match only as whole words ("elf" is not in "shelf"); off, anywhere in a word.
    public var wholeWords: Bool
    /// Where the entry goes among those triggered: lower first, higher nearer the story's end.
    public var order: Int
    /// How many recent turns are searched for its keys (nil: the adventure's default).
    public var scanDepth: Int?

    public static let defaultOrder = 100

    public init(keys: [String], text: String, secondaryKeys: [String] = [], logic: SelectiveLogic = .andAny,
                alwaysOn: Bool = false, antiKeys: [String] = [], disabled: Bool = false, comment: String = "",
                caseSensitive: Bool = false, wholeWords: Bool = true, order: Int = WorldInfoEntry.defaultOrder,
                scanDepth: Int? = nil) {
        self.keys = keys
        self.text = text
        self.secondaryKeys = secondaryKeys
        self.logic = logic
        self.alwaysOn = alwaysOn
        self.antiKeys = antiKeys
        self.disabled = disabled
        self.comment = comment
        self.caseSensitive = caseSensitive
        self.wholeWords = wholeWords
        self.order = order
        self.scanDepth = scanDepth
    }
}

extension WorldInfoEntry: Codable {
    enum CodingKeys: String, CodingKey {
        case keys, text, secondaryKeys, logic, alwaysOn, antiKeys, disabled, comment, caseSensitive, wholeWords, order, scanDepth
    }

    /// Fields after `alwaysOn` came later: an entry written without them reads as before.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(keys: try container.decode([String].self, forKey: .keys), text: try container.decode(String.self, forKey: .text),
                  secondaryKeys: try container.decode([String].self, forKey: .secondaryKeys),
                  logic: try container.decodeIfPresent(SelectiveLogic.self, forKey: .logic) ?? .andAny,
                  alwaysOn: try container.decode(Bool.self, forKey: .alwaysOn),
                  antiKeys: try container.decodeIfPresent([String].self, forKey: .antiKeys) ?? [],
                  disabled: try container.decodeIfPresent(Bool.self, forKey: .disabled) ?? false,
                  comment: try container.decodeIfPresent(String.self, forKey: .comment) ?? "",
                  caseSensitive: try container.decodeIfPresent(Bool.self, forKey: .caseSensitive) ?? false,
                  wholeWords: try container.decodeIfPresent(Bool.self, forKey: .wholeWords) ?? true,
                  order: try container.decodeIfPresent(Int.self, forKey: .order) ?? WorldInfoEntry.defaultOrder,
                  scanDepth: try container.decodeIfPresent(Int.self, forKey: .scanDepth))
    }
}

/// How an adventure ended, when ending detection is on.
public enum Ending: String, Codable, Sendable {
    case gameOver, victory
}

/// A whole adventure: where it started, every turn as a tree, and what the model must remember.
public struct Adventure: Sendable {
    public var title: String
    public var scenario: String
    /// The opening text the story starts from.
    public var opening: String
    /// Every turn ever played, and which branch of them is the story on screen.
    public var tree: StoryTree
    /// Pinned memory, always at the top of the context.
    public var memory: [String] { didSet { loreEdits += 1 } }
    public var worldInfo: [WorldInfoEntry] { didSet { loreEdits += 1 } }
    /// Inserted a little before the end of the context, to steer style and direction.
    public var authorsNote: String
    /// How the note is written into the context: `<|>` stands for the note (KoboldAI's template).
    public var noteTemplate: String = Adventure.defaultNoteTemplate
    public var settings: GenerationSettings
    /// Whether "You die" and "You win" endings are detected.
    public var detectsEndings: Bool
    public var ending: Ending?
    /// The player chose to play on after an ending.
    public var continuedAfterEnding: Bool
    /// How many times memory or world info changed, so a save rewrites them only then.
    public private(set) var loreEdits = 0

    public init(
        title: String, scenario: String = "custom", opening: String, turns: [LinearTurn] = [], memory: [String] = [],
        worldInfo: [WorldInfoEntry] = [], authorsNote: String = "", settings: GenerationSettings = GenerationSettings(),
        detectsEndings: Bool = false
    ) {
        self.title = title
        self.scenario = scenario
        self.opening = opening
        self.tree = StoryTree(linear: turns)
        self.memory = memory
        self.worldInfo = worldInfo
        self.authorsNote = authorsNote
        self.settings = settings
        self.detectsEndings = detectsEndings
        self.ending = nil
        self.continuedAfterEnding = false
    }

    /// The story on screen: the turns from the first to the current one.
    public var turns: [Turn] { tree.path }

    /// AI Dungeon's and KoboldAI's way of writing the note into the context.
    public static let defaultNoteTemplate = "[Author's note: <|>]"

    /// Where the adventure stands since it was opened: a save that wrote up to one revision
    /// writes only what changed after it.
    public struct Revision: Equatable, Sendable {
        public var treeChanges: Int
        public var loreEdits: Int
    }

    public var revision: Revision { Revision(treeChanges: tree.changes.count, loreEdits: loreEdits) }

    /// The story as the player reads it: the opening, then each action and its reply.
    public var blocks: [StoryBlock] {
        ([StoryBlock(kind: .narration, text: opening, turn: nil)] + Self.blocks(of: turns)).filter { !$0.text.isEmpty }
    }

    /// Turns as paragraphs: each action set apart (Story-mode text as narration), then its
    /// reply. `firstIndex` is the index of the first turn (blocks say which turn they are from).
    public static func blocks(of turns: [Turn], firstIndex: Int = 0) -> [StoryBlock] {
        var blocks: [StoryBlock] = []
        for (offset, turn) in turns.enumerated() {
            if !turn.action.isEmpty {
                blocks.append(StoryBlock(kind: turn.mode == .story ? .narration : .action, text: turn.action,
                                         turn: firstIndex + offset))
            }
            if !turn.replyText.isEmpty {
                blocks.append(StoryBlock(kind: .narration, text: turn.replyText, turn: firstIndex + offset))
            }
        }
        return blocks
    }

    /// A new adventure whose story is this one's up to turn `id` (a copy, without the other
    /// branches), with the same memory, world info, note and settings. It has ended if that
    /// turn's reply ends it.
    public func branch(upTo id: Int, title: String) -> Adventure {
        var copy = self
        copy.title = title
        copy.tree = StoryTree()
        for turn in tree.path(to: id) {
            copy.tree.add(after: copy.tree.head, mode: turn.mode, input: turn.input, action: turn.action, reply: turn.reply)
        }
        copy.tree.clearChanges()
        copy.ending = copy.endingReached
        copy.continuedAfterEnding = false
        return copy
    }

    /// The ending the story on screen has reached: its last reply's, when endings are
    /// detected. An ending belongs to the branch it was reached on.
    var endingReached: Ending? {
        guard detectsEndings else { return nil }
        return turns.last?.reply.flatMap { EndingDetector.ending(in: $0.text) }
    }
}

extension Adventure: Equatable {
    /// Equal stories; how many edits led to them does not matter.
    public static func == (lhs: Adventure, rhs: Adventure) -> Bool {
        lhs.title == rhs.title && lhs.scenario == rhs.scenario && lhs.opening == rhs.opening && lhs.tree == rhs.tree
            && lhs.memory == rhs.memory && lhs.worldInfo == rhs.worldInfo && lhs.authorsNote == rhs.authorsNote
            && lhs.noteTemplate == rhs.noteTemplate
            && lhs.settings == rhs.settings && lhs.detectsEndings == rhs.detectsEndings && lhs.ending == rhs.ending
            && lhs.continuedAfterEnding == rhs.continuedAfterEnding
    }
}

/// One paragraph of the story as shown: an action set apart, or narration.
public struct StoryBlock: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case action, narration }
    public var kind: Kind
    public var text: String
    /// The turn it belongs to; nil for the opening.
    public var turn: Int?
}
