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

/// Sampler settings an adventure keeps, and how long a reply may be.
public struct GenerationSettings: Codable, Sendable, Equatable, Hashable {
    public var temperature: Double
    public var topK: Int
    public var topP: Double
    public var repetitionPenalty: Double
    /// The most tokens a reply may have (a few more may be spent finishing a sentence).
    public var replyLength: Int

    public init(temperature: Double = 0.8, topK: Int = 40, topP: Double = 0.9,
                repetitionPenalty: Double = 1.15, replyLength: Int = 60) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.repetitionPenalty = repetitionPenalty
        self.replyLength = replyLength
    }

    /// A message for the first setting out of range, or nil when all are usable.
    public var problem: String? {
        if !(temperature > 0 && temperature <= 5) { return "temperature must be between 0 and 5" }
        if !(0...1000).contains(topK) { return "top-k must be between 0 (off) and 1000" }
        if !(topP > 0 && topP <= 1) { return "top-p must be above 0 and at most 1" }
        if !(repetitionPenalty >= 1 && repetitionPenalty <= 3) { return "repetition penalty must be between 1 and 3" }
        if !(1...512).contains(replyLength) { return "reply length must be between 1 and 512 tokens" }
        return nil
    }
}

/// One reply the model gave, with what it takes to generate it again exactly.
public struct Reply: Codable, Sendable, Equatable {
    public var text: String
    public var seed: UInt64
    public var settings: GenerationSettings

    public init(text: String, seed: UInt64, settings: GenerationSettings) {
        self.text = text
        self.seed = seed
        self.settings = settings
    }
}

/// The player's action and the story's replies to it. Retrying keeps every reply;
/// `chosen` says which one the story uses.
public struct Turn: Codable, Sendable, Equatable {
    public var mode: ActionMode
    /// What the player typed.
    public var input: String
    /// The action as it enters the story ("> You open the door."); empty for `continue`.
    public var action: String
    public var replies: [Reply]
    public var chosen: Int

    public init(mode: ActionMode, input: String, action: String, replies: [Reply] = [], chosen: Int = 0) {
        self.mode = mode
        self.input = input
        self.action = action
        self.replies = replies
        self.chosen = chosen
    }

    /// The chosen reply's text; empty while the reply is still being written.
    public var reply: String {
        replies.indices.contains(chosen) ? replies[chosen].text : ""
    }
}

/// A piece of lore shown to the model only while its keys are being talked about.
public struct WorldInfoEntry: Codable, Sendable, Equatable {
    /// Any of these, as whole words, triggers the entry.
    public var keys: [String]
    public var text: String
    /// When not empty, one of these must appear too (KoboldAI's "selective" entries).
    public var secondaryKeys: [String]
    /// Always in the context, keys or not.
    public var alwaysOn: Bool

    public init(keys: [String], text: String, secondaryKeys: [String] = [], alwaysOn: Bool = false) {
        self.keys = keys
        self.text = text
        self.secondaryKeys = secondaryKeys
        self.alwaysOn = alwaysOn
    }
}

/// How an adventure ended, when ending detection is on.
public enum Ending: String, Codable, Sendable {
    case gameOver, victory
}

/// A whole adventure: where it started, every turn, and what the model must remember.
public struct Adventure: Codable, Sendable, Equatable {
    public var title: String
    public var scenario: String
    /// The opening text the story starts from.
    public var opening: String
    public var turns: [Turn]
    /// Turns taken back by undo, most recent last, restored by redo.
    public var undone: [Turn]
    /// Pinned memory, always at the top of the context.
    public var memory: [String]
    public var worldInfo: [WorldInfoEntry]
    /// Inserted a little before the end of the context, to steer style and direction.
    public var authorsNote: String
    public var settings: GenerationSettings
    /// Whether "You die" and "You win" endings are detected.
    public var detectsEndings: Bool
    public var ending: Ending?
    /// The player chose to play on after an ending.
    public var continuedAfterEnding: Bool

    public init(
        title: String, scenario: String = "custom", opening: String, turns: [Turn] = [], memory: [String] = [],
        worldInfo: [WorldInfoEntry] = [], authorsNote: String = "", settings: GenerationSettings = GenerationSettings(),
        detectsEndings: Bool = false
    ) {
        self.title = title
        self.scenario = scenario
        self.opening = opening
        self.turns = turns
        self.undone = []
        self.memory = memory
        self.worldInfo = worldInfo
        self.authorsNote = authorsNote
        self.settings = settings
        self.detectsEndings = detectsEndings
        self.ending = nil
        self.continuedAfterEnding = false
    }

    /// The story as the player reads it: the opening, then each action and its reply.
    public var blocks: [StoryBlock] {
        var blocks: [StoryBlock] = [StoryBlock(kind: .narration, text: opening, turn: nil)]
        for (index, turn) in turns.enumerated() {
            if !turn.action.isEmpty {
                blocks.append(StoryBlock(kind: turn.mode == .story ? .narration : .action, text: turn.action, turn: index))
            }
            if !turn.reply.isEmpty {
                blocks.append(StoryBlock(kind: .narration, text: turn.reply, turn: index))
            }
        }
        return blocks.filter { !$0.text.isEmpty }
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
