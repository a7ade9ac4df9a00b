import Story

/// An adventure in the load list.
public struct SavedAdventure: Equatable, Sendable {
    public var id: Int64
    public var title: String
    public var scenario: String
    public var turns: Int
    /// Already formatted for display ("22 Nov 2026 14:05").
    public var lastPlayed: String

    public init(id: Int64, title: String, scenario: String, turns: Int, lastPlayed: String) {
        self.id = id
        self.title = title
        self.scenario = scenario
        self.turns = turns
        self.lastPlayed = lastPlayed
    }
}

public enum Screen: Equatable, Sendable {
    case start
    case scenarios
    case characters(scenario: Int)
    /// A character card's greetings, to choose the opening from.
    case greetings(card: Int)
    case load
    case play
}

public enum Overlay: Equatable, Sendable {
    case help, memory, worldInfo, note, context, history, settings
    /// The story tree (`AppState.treeView` says what it shows).
    case tree
    /// `/recall`: what recall would bring back now, or the results of `/recall TEXT`.
    case recall
    /// "Switch to the branch holding this search result?"
    case confirmSwitchBranch(turn: Int)
    /// Deleting a branch asks first; any key but y goes back to the tree.
    case confirmDeleteBranch(turn: Int, count: Int)
    /// The multi-line editor (`AppState.textEditor`) for a reply or an action.
    case editor
    case confirmDelete(id: Int64, title: String)
    /// Removing a memory or world-info entry asks first; Esc or n go back to the list.
    case confirmRemove(ListKind, index: Int, text: String)
}

/// The adventure's editable lists.
public enum ListKind: Equatable, Sendable {
    case memory, worldInfo

    var overlay: Overlay { self == .memory ? .memory : .worldInfo }
    var noun: String { self == .memory ? "memory entry" : "world info entry" }
}

/// What the input line is for; its label is shown before the text.
public enum InputPurpose: Equatable, Sendable {
    case action
    case customOpening
    case remember
    case editMemory(Int)
    case addWorldInfo
    case editWorldInfo(Int)
    case note
    case editAction(turn: Int)
    case editReply(turn: Int)
    case rename(id: Int64)
    /// The player's name for a card's adventure (`{{user}}`).
    case playerName(card: Int, greeting: Int)

    public var label: String {
        switch self {
        case .action: return ""
        case .customOpening: return "Opening"
        case .remember: return "Remember"
        case .editMemory(let n): return "Memory \(n)"
        case .addWorldInfo: return "World info (keys: text)"
        case .editWorldInfo(let n): return "World info \(n) (keys: text)"
        case .note: return "Author's note"
        case .editAction(let n): return "Action \(n)"
        case .editReply(let n): return "Reply \(n)"
        case .rename: return "New title"
        case .playerName: return "Your name"
        }
    }
}

public enum Theme: String, Equatable, Sendable, CaseIterable {
    case standard, highContrast = "high-contrast", monochrome
}

/// Player preferences kept between sessions.
public struct Preferences: Equatable, Sendable {
    public var theme: Theme = .standard
    /// Keep the partial reply when a generation is stopped (otherwise it is discarded).
    public var keepPartialOnStop = false
    /// The story settings a new adventure starts with, set from the start menu's Settings.
    public var storyDefaults = SamplerPreset.defaultPreset.applied(to: GenerationSettings())
    /// Presets the player saved with `/preset save NAME`.
    public var savedPresets: [SamplerPreset] = []
    /// Whether a new adventure detects game over and victory (a scenario may ask for it too).
    public var detectsEndingsByDefault = false
    /// The name the player last gave a character card's adventure.
    public var playerName = ""

    public init(theme: Theme = .standard, keepPartialOnStop: Bool = false) {
        self.theme = theme
        self.keepPartialOnStop = keepPartialOnStop
    }
}

/// A reply being written.
public struct Generation: Equatable, Sendable {
    /// The reply so far, sanitised.
    public var streamed = ""
    public var stopping = false
    /// Tokens of the prompt read so far, and in all, while a long prompt is read.
    public var promptRead: PromptRead?
    public struct PromptRead: Equatable, Sendable {
        public var done: Int
        public var total: Int
    }
    /// Holds an escape sequence split across pieces until it ends, so it is dropped whole.
    var sanitizer = TextSanitizer.Stream()
}

/// A model download under way from the start screen.
public struct DownloadStatus: Equatable, Sendable {
    public var file: String
    public var received: Int
    public var total: Int?
    public var bytesPerSecond: Double

    public init(file: String, received: Int, total: Int?, bytesPerSecond: Double) {
        self.file = file
        self.received = received
        self.total = total
        self.bytesPerSecond = bytesPerSecond
    }
}

/// The tree overlay's place: the branch it shows (from the opening down to `leaf`) and the
/// selected turn on it. Browsing changes nothing until Enter makes the branch the story.
public struct TreeView: Equatable, Sendable {
    public var leaf: Int
    public var cursor: Int
}

public struct Notice: Equatable, Sendable {
    public var text: String
    public var isError: Bool

    public init(text: String, isError: Bool) {
        self.text = text
        self.isError = isError
    }
}

/// Everything the screen shows and the rules need, as one value.
public struct AppState: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var screen: Screen = .start
    public var overlay: Overlay?
    /// The highlighted row of a menu, list or overlay.
    public var selection = 0
    /// What the editor overlay holds, while it is open.
    public var textEditor: TextEditor?
    /// Whether a list overlay's selection is shown: keys act on an entry only once the
    /// player has moved to it, so a stray letter typed into an open list does nothing.
    public var selectionShown = false
    /// A menu's selection while an overlay (help, settings) covers it, restored on close.
    var selectionUnderOverlay: Int?
    public var teller: StoryTeller?
    public var adventureID: Int64?
    public var editor = LineEditor()
    public var purpose: InputPurpose = .action
    public var mode: ActionMode = .do
    /// The action's finished words the runtime was last asked to read ahead (`.readTypedAction`).
    var typedAhead = ""
    public var generation: Generation?
    /// Story lines scrolled up from the newest.
    public var scroll = 0
    public var overlayScroll = 0
    public var modelName: String?
    /// Why there is no model (shown on the start screen with how to get one).
    public var modelProblem: String?
    /// A model the start screen offers to download when none is installed ("gpt2 (548 MB)").
    public var downloadOffer: String?
    public var download: DownloadStatus?
    public var contextUsed: Int?
    public var contextWindow: Int?
    /// How tokens are counted when not exactly (a backend that cannot count for the game):
    /// the context inspector says so.
    public var tokenCountNote: String?
    public var tokensPerSecond: Double?
    public var notice: Notice?
    public var saves: [SavedAdventure] = []
    public var scenarios: [Scenario] = []
    /// Character cards kept in the save file, listed beside the scenarios.
    public var cards: [StoredCard] = []
    /// `--player NAME`: a card's adventure starts without asking.
    public var playerName: String?
    public var contextPrompt: ContextPrompt?
    public var preferences = Preferences()
    public var quitting = false
    /// Plain line mode: no keys, no input line; help and notices say what lines can do.
    public var plainMode = false
    /// Why the last save failed, until one succeeds: what the screen shows is not in the file.
    public var unsavedReason: String?
    /// What the tree overlay shows, while it is open.
    public var treeView: TreeView?
    /// The results `/recall TEXT` shows (nil: `/recall` shows what recall brings back now).
    public var storySearch: StorySearch?

    public init(width: Int, height: Int, scenarios: [Scenario] = [], modelName: String? = nil, modelProblem: String? = nil) {
        self.width = width
        self.height = height
        self.scenarios = scenarios
        self.modelName = modelName
        self.modelProblem = modelProblem
    }

    public var adventure: Adventure? { teller?.adventure }
    public var isGenerating: Bool { generation != nil }
    /// The smallest window the game is drawn in; below it a notice asks for more room.
    public static let minimumWidth = 32
    public static let minimumHeight = 8
    public var isTooSmall: Bool { width < Self.minimumWidth || height < Self.minimumHeight }
}
