/// Where a prompt too long for the window is cut.
///
/// GPT-2's positions are absolute: a cached prefix is reusable only if the prompt starts at
/// the same token. A front end resends the whole story each turn, one turn longer; cutting
/// just enough from the front would move the start every turn and recompute everything.
/// So the cut moves in steps of a quarter of the window: it stays put for several turns,
/// and only a turn that crosses a step recomputes the prompt.
public struct PromptWindow: Sendable, Equatable {
    /// The model's window, in tokens.
    public var contextLength: Int
    /// The window the client asked for (never more than the model's).
    public var requested: Int?

    public init(contextLength: Int, requested: Int? = nil) {
        self.contextLength = contextLength
        self.requested = requested
    }

    /// The window in use.
    public var size: Int { min(contextLength, max(1, requested ?? contextLength)) }

    /// How far the cut moves at a time.
    public var step: Int { max(1, contextLength / 4) }

    /// The reply length allowed: as KoboldCpp does, at most the window less 16 tokens
    /// (less 4 for a tiny window), so a prompt keeps some room.
    public func replyTokens(_ asked: Int) -> Int {
        let keep = min(size - 4, 16)
        return max(1, min(asked, size - max(1, keep)))
    }

    /// How many tokens to drop from the front of a `promptCount`-token prompt so that it and
    /// `replyTokens` fit: 0 when it fits, else a multiple of `step`, or the exact overflow
    /// when a step would leave nothing.
    public func droppedTokens(promptCount: Int, replyTokens: Int) -> Int {
        let room = max(1, size - replyTokens)
        guard promptCount > room else { return 0 }
        let over = promptCount - room
        let stepped = (over + step - 1) / step * step
        return promptCount - stepped >= 1 ? stepped : over
    }
}
