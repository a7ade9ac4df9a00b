import TerminalUI

/// Tells typing from pasting: curses delivers a paste as keys, including line breaks.
public enum PasteDetector {
    public enum Input: Equatable, Sendable {
        case key(Key), resize, interrupt, paste(String)
    }


    /// A burst of keys with a line break followed by more text is pasted text: it goes into
    /// the input line as one piece instead of submitting each line.
    public static func coalesce(_ inputs: [ScreenInput]) -> [Input] {
        var result: [Input] = []
        var run: [Key] = []
        func flush() {
            // A paste is a line break with text after it; Enter pressed twice quickly is not.
            let firstBreak = run.firstIndex(of: .enter)
            let textAfterBreak = firstBreak.map { index in
                run[(index + 1)...].contains { if case .character = $0 { return true }; return false }
            } ?? false
            if textAfterBreak {
                let text = run.map { key -> String in
                    if case .character(let c) = key { return String(c) }
                    return key == .enter ? "\n" : ""
                }.joined()
                result.append(.paste(text))
            } else {
                result += run.map { .key($0) }
            }
            run = []
        }
        for input in inputs {
            switch input {
            case .key(let key):
                if case .character = key { run.append(key) } else if key == .enter { run.append(key) } else {
                    flush()
                    result.append(.key(key))
                }
            case .resize:
                flush()
                result.append(.resize)
            case .interrupt:
                flush()
                result.append(.interrupt)
            }
        }
        flush()
        return result
    }
}
