/// What the story refused to do, worded for the player.
public enum StoryError: Error, Equatable, CustomStringConvertible {
    case memoryTooLarge(tokens: Int, budget: Int)
    case worldInfoTooLarge(tokens: Int, budget: Int)
    case actionTooLarge(tokens: Int, budget: Int)
    case nothingToUndo, nothingToRedo, nothingToRetry
    case noSuchTurn(Int)
    case noSuchMemory(Int)
    case noSuchWorldInfo(Int)
    case invalidSettings(String)
    /// The model gave nothing usable, even after retrying with fresh seeds.
    case noReply(rejections: [ReplyRejection])
    /// An ending was reached; undo, or choose to continue anyway.
    case adventureEnded(Ending)
    case replyPending
    /// A turn with only one reply has no other to show.
    case noAlternatives
    case noSuchBranch
    /// The story on screen goes through the branch to delete.
    case branchOnPath
    /// Stored turns that do not form a tree.
    case brokenTree(String)

    public var description: String {
        switch self {
        case .memoryTooLarge(let tokens, let budget):
            return "memory is \(tokens) tokens but only \(budget) fit beside the story; shorten or /forget an entry"
        case .worldInfoTooLarge(let tokens, let budget):
            return "the triggered world info is \(tokens) tokens but only \(budget) fit; shorten the entries"
        case .actionTooLarge(let tokens, let budget):
            return "that action is \(tokens) tokens; at most \(budget) fit"
        case .nothingToUndo: return "nothing to undo"
        case .nothingToRedo: return "nothing to redo"
        case .nothingToRetry: return "nothing to retry yet"
        case .noAlternatives: return "that turn has only one version; /retry writes another reply"
        case .noSuchBranch: return "that branch no longer exists"
        case .branchOnPath: return "that turn is part of the story on screen; switch to another branch to delete this one"
        case .brokenTree(let problem): return "the story's turns do not form a tree: \(problem)"
        case .noSuchTurn(let n): return "there is no turn \(n)"
        case .noSuchMemory(let n): return "there is no memory entry \(n)"
        case .noSuchWorldInfo(let n): return "there is no world info entry \(n)"
        case .invalidSettings(let problem): return problem
        case .noReply(let rejections):
            let reasons = Array(Set(rejections.map(\.reason))).sorted().joined(separator: ", ")
            return "the model wrote nothing usable in \(rejections.count) tries" + (reasons.isEmpty ? "" : " (\(reasons))")
                + "; try another action or /retry"
        case .adventureEnded(let ending):
            return ending == .victory
                ? "you have won! /undo, or /continue to play on anyway"
                : "game over. /undo, or /continue to play on anyway"
        case .replyPending: return "the last action has no reply yet; /retry to generate it"
        }
    }
}
