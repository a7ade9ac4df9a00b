/// A key press, already decoded from the terminal.
public enum Key: Equatable, Sendable {
    case character(Character)
    case enter, backspace, delete, tab, backTab, escape
    case up, down, left, right, home, end, pageUp, pageDown
    /// Ctrl plus a letter, lower case: `.control("a")` is Ctrl-A.
    case control(Character)
    case function(Int)
    case wheelUp, wheelDown
}
