import Story

/// Everything that can happen to the game: input, and the results of effects.
public enum AppAction: Equatable, Sendable {
    case key(Key)
    case paste(String)
    case resize(width: Int, height: Int)
    /// Ctrl-C: stops a generation, or saves and quits.
    case interrupt
    /// SIGTERM or end of input: save and quit.
    case terminate
    /// A whole line of input at once (plain mode).
    case line(String)

    case savesListed([SavedAdventure])
    case cardsListed([StoredCard])
    /// `/world import FILE` read these entries (new to the adventure); `report` says what and what was dropped.
    case worldInfoImported([WorldInfoEntry], report: String)
    case adventureOpened(id: Int64, Adventure)
    case streamed(String)
    /// How far the engine has read a long prompt (only posted for waits over half a second).
    case promptProgress(done: Int, total: Int)
    case replyFinished(StoryTeller, ReplyOutcome)
    case generationFailed(String)
    case contextMeasured(ContextPrompt?, error: String?)
    case notice(String, isError: Bool)
    case downloadProgress(DownloadStatus)
    /// The downloaded model is loaded and ready to play.
    case modelReady(name: String, window: Int)
    case downloadFailed(String)
    /// The result of `.checkAction`: nil, or why the action cannot be taken.
    case actionChecked(String, mode: ActionMode, refusal: String?)
    /// The save effect failed (a full disk, say): the story stays as it is on screen, not
    /// yet in the save file, and nothing new is taken until a save succeeds.
    case saveFailed(String)
    /// A save succeeded after one had failed.
    case saved
    /// An adventure was renamed in the save file (the open one's title follows).
    case renamed(id: Int64, title: String)
    /// The results of `.searchStory`.
    case storySearched(StorySearch)
}

/// Work the reducer asks the runtime to do. Effects run in order, before the next
/// render, so `.save` commits a change before the screen shows it.
public enum Effect: Equatable, Sendable {
    case listSaves
    case createAdventure(Adventure)
    /// A new adventure from kept card `id`, opening with greeting `greeting`, the player named `player`.
    case startFromCard(id: Int64, greeting: Int, player: String)
    /// Read a card's or lorebook's world info from a file, for the open adventure (`/world import FILE`).
    case importLore(path: String)
    /// A new adventure copied from part of the open one (its settings kept), opened at once.
    case createBranch(Adventure)
    case openAdventure(Int64)
    case openLastAdventure
    /// Measure an action against the model's window before it becomes a turn.
    case checkAction(String, mode: ActionMode)
    /// Commit the current adventure to the save file.
    case save
    /// Write a reply to the last turn (retry when it has one already).
    case generate(keepPartial: Bool)
    case stopGeneration
    case measureContext
    /// Read ahead the prompt the action typed so far makes (its finished words, in `mode`),
    /// while the player types the rest.
    case readTypedAction(String, mode: ActionMode)
    /// The player left the open adventure (back to the menu): release it for other windows.
    case closeAdventure
    case deleteAdventure(Int64)
    case renameAdventure(Int64, String)
    /// Export the current adventure: format name (md, html, txt, json) and an optional path.
    case export(format: String, path: String?, allBranches: Bool)
    case savePreferences
    /// Search the open adventure's story for the player (`/recall TEXT`): the story on
    /// screen, or every branch.
    case searchStory(String, allBranches: Bool)
    /// Download and load the offered model.
    case downloadModel
    case quit
}
