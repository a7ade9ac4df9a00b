import CNCurses
import TerminalUI
#if canImport(Glibc)
import Glibc
#endif

/// The terminal, through ncurses: draws screen buffers and reads keys. Every curses call
/// in the program is in this type, made from the main thread.
@MainActor
public final class CursesScreen {
    private var previous: ScreenBuffer?
    private var theme: Theme
    private let colors: Bool
    private var ended = false

    /// Starts curses on the alternate screen. `monochrome` comes from NO_COLOR or the theme.
    public init(theme: Theme, noColor: Bool) {
        setlocale(LC_ALL, "")
        TerminalRestore.saveTerminalState()
        TerminalRestore.installCrashHandlers()
        setenv("ESCDELAY", "25", 0)  // Esc must feel immediate, not wait a second for a sequence
        initscr()
        raw()  // Ctrl-C arrives as a key, so it can stop a generation rather than kill the game
        noecho()
        nonl()
        keypad(dungeon_stdscr(), true)
        intrflush(dungeon_stdscr(), false)
        wtimeout(dungeon_stdscr(), 30)
        mousemask(dungeon_wheel_up() | dungeon_wheel_down(), nil)
        mouseinterval(0)
        colors = !noColor && has_colors()
        self.theme = theme
        if colors {
            start_color()
            use_default_colors()
            setupColors()
        }
    }

    public var size: (width: Int, height: Int) {
        (Int(dungeon_cols()), Int(dungeon_lines()))
    }

    public func setTheme(_ theme: Theme) {
        guard theme != self.theme else { return }
        self.theme = theme
        if colors { setupColors() }
        previous = nil
    }

    /// Draws the rows of `buffer` that differ from the last frame.
    public func draw(_ buffer: ScreenBuffer) {
        let full = previous == nil || previous!.width != buffer.width || previous!.height != buffer.height
        if full { erase() }
        for y in 0..<buffer.height {
            if !full, let previous, (0..<buffer.width).allSatisfy({ previous[$0, y] == buffer[$0, y] }) { continue }
            drawRow(buffer, y)
        }
        if let cursor = buffer.cursor {
            curs_set(1)
            move(Int32(cursor.y), Int32(cursor.x))
        } else {
            curs_set(0)
        }
        refresh()
        previous = buffer
    }

    /// Forces the next draw to repaint everything (after a resize or Ctrl-L).
    public func invalidate() {
        previous = nil
        clearok(dungeon_stdscr(), true)
    }

    private func drawRow(_ buffer: ScreenBuffer, _ y: Int) {
        var x = 0
        while x < buffer.width {
            let role = buffer[x, y].role
            var text: [wchar_t] = []
            let start = x
            while x < buffer.width && buffer[x, y].role == role {
                let cell = buffer[x, y]
                if !cell.isContinuation {
                    for scalar in cell.character.unicodeScalars { text.append(wchar_t(bitPattern: scalar.value)) }
                }
                x += 1
            }
            text.append(0)
            // The very last cell of the screen cannot be written without scrolling; leave it.
            let count = (y == buffer.height - 1 && x == buffer.width) ? text.count - 2 : text.count - 1
            _ = dungeon_add_wide(Int32(y), Int32(start), text, Int32(max(0, count)), attributes(for: role))
        }
    }

    /// Reads one key, waiting at most 30 ms; nil when none came.
    public func readKey() -> ScreenInput? {
        var character: wint_t = 0
        let result = dungeon_get_wch(&character)
        if result == ERR { return nil }
        if result == dungeon_key_code_yes() {
            return KeyDecoder.function(Int32(character))
        }
        return KeyDecoder.character(UInt32(character))
    }

    /// Everything typed in one burst: the first key waits up to 30 ms, the rest are what is
    /// already queued. A burst with a line break inside is a paste, not several actions.
    public func readBurst(limit: Int = 65_536) -> [ScreenInput] {
        guard let first = readKey() else { return [] }
        var inputs = [first]
        wtimeout(dungeon_stdscr(), 0)
        defer { wtimeout(dungeon_stdscr(), 30) }
        while inputs.count < limit, let next = readKey() { inputs.append(next) }
        return inputs
    }

    /// Ends curses and restores the terminal; safe to call more than once.
    public func end() {
        guard !ended else { return }
        ended = true
        endwin()
        TerminalRestore.restoreFromSignal()
    }

    // MARK: Colours

    private func setupColors() {
        // Pair n+1 for Role.allCases[n]; -1 is the terminal's own colour.
        for (index, role) in Role.allCases.enumerated() {
            let (foreground, background) = colorPair(for: role)
            init_pair(Int16(index + 1), foreground, background)
        }
    }

    private func colorPair(for role: Role) -> (Int16, Int16) {
        let high = theme == .highContrast
        switch role {
        case .normal: return high ? (Int16(COLOR_WHITE), Int16(COLOR_BLACK)) : (-1, -1)
        case .action: return (Int16(high ? COLOR_YELLOW : COLOR_CYAN), high ? Int16(COLOR_BLACK) : -1)
        case .streaming: return (Int16(high ? COLOR_WHITE : COLOR_GREEN), high ? Int16(COLOR_BLACK) : -1)
        case .dim, .frame: return (Int16(high ? COLOR_WHITE : COLOR_BLUE), high ? Int16(COLOR_BLACK) : -1)
        case .status: return (Int16(COLOR_BLACK), Int16(high ? COLOR_YELLOW : COLOR_CYAN))
        case .input, .prompt: return (Int16(high ? COLOR_WHITE : COLOR_YELLOW), high ? Int16(COLOR_BLACK) : -1)
        case .title: return (Int16(high ? COLOR_YELLOW : COLOR_MAGENTA), high ? Int16(COLOR_BLACK) : -1)
        case .selected: return (Int16(COLOR_BLACK), Int16(high ? COLOR_WHITE : COLOR_YELLOW))
        case .error: return (Int16(COLOR_WHITE), Int16(COLOR_RED))
        case .notice: return (Int16(high ? COLOR_BLACK : COLOR_YELLOW), high ? Int16(COLOR_WHITE) : -1)
        }
    }

    private func attributes(for role: Role) -> Int32 {
        if colors && theme != .monochrome {
            let pair = Int16((Role.allCases.firstIndex(of: role) ?? 0) + 1)
            let bold = [.title, .prompt, .action, .error].contains(role) ? dungeon_attr_bold() : 0
            return Int32(dungeon_color_pair(pair) | bold)
        }
        // Monochrome: reverse video for bars and selections, bold for actions and titles.
        switch role {
        case .status, .selected, .error: return Int32(dungeon_attr_reverse())
        case .action, .title, .prompt: return Int32(dungeon_attr_bold())
        case .dim, .frame: return Int32(dungeon_attr_dim())
        case .notice: return Int32(dungeon_attr_underline())
        default: return 0
        }
    }
}

/// What the terminal reported: a key, a resize, or a mouse wheel turn.
public enum ScreenInput: Equatable, Sendable {
    case key(Key)
    case resize
    case interrupt
}

/// Turns curses key codes into keys; pure, so the mapping is tested without a terminal.
public enum KeyDecoder {
    public static func character(_ code: UInt32) -> ScreenInput? {
        switch code {
        case 3: return .interrupt
        case 9: return .key(.tab)
        case 10, 13: return .key(.enter)
        case 27: return .key(.escape)
        case 8, 127: return .key(.backspace)
        case 1...26:
            return .key(.control(Character(Unicode.Scalar(UInt8(code) + 96))))
        case 0..<32: return nil
        default:
            guard let scalar = Unicode.Scalar(code) else { return nil }
            return .key(.character(Character(scalar)))
        }
    }

    @MainActor
    public static func function(_ code: Int32) -> ScreenInput? {
        switch code {
        case KEY_UP: return .key(.up)
        case KEY_DOWN: return .key(.down)
        case KEY_LEFT: return .key(.left)
        case KEY_RIGHT: return .key(.right)
        case KEY_HOME: return .key(.home)
        case KEY_END: return .key(.end)
        case KEY_PPAGE: return .key(.pageUp)
        case KEY_NPAGE: return .key(.pageDown)
        case KEY_BACKSPACE: return .key(.backspace)
        case KEY_DC: return .key(.delete)
        case KEY_BTAB: return .key(.backTab)
        case KEY_ENTER: return .key(.enter)
        case dungeon_key_resize(): return .resize
        case dungeon_key_mouse():
            var event = MEVENT()
            guard getmouse(&event) == OK else { return nil }
            if event.bstate & dungeon_wheel_up() != 0 { return .key(.wheelUp) }
            if dungeon_wheel_down() != 0 && event.bstate & dungeon_wheel_down() != 0 { return .key(.wheelDown) }
            return nil
        default:
            for n in 1...12 where code == dungeon_key_f(Int32(n)) { return .key(.function(n)) }
            return nil
        }
    }
}
