/// Streams text while watching for stop sequences that may arrive split across tokens.
///
/// Text that could still turn out to be the start of a stop sequence is held back
/// until the next piece decides it, so a stop sequence is never shown, even in part.
struct StopSequenceFilter {
    let stops: [String]
    private var held = ""
    private(set) var stopped = false

    init(stops: [String]) {
        self.stops = stops.filter { !$0.isEmpty }
    }

    /// Adds a piece of generated text; returns what may be shown now.
    mutating func push(_ piece: String) -> String {
        guard !stopped else { return "" }
        held += piece
        if let cut = stops.compactMap({ held.range(of: $0)?.lowerBound }).min() {
            stopped = true
            let shown = String(held[..<cut])
            held = ""
            return shown
        }
        let keep = longestSuffixThatStartsAStop(held)
        let shown = String(held.dropLast(keep))
        held = String(held.suffix(keep))
        return shown
    }

    /// Whatever was held back, once generation has ended without a stop.
    mutating func finish() -> String {
        defer { held = "" }
        return stopped ? "" : held
    }

    private func longestSuffixThatStartsAStop(_ text: String) -> Int {
        var best = 0
        for stop in stops {
            for length in stride(from: min(stop.count - 1, text.count), to: best, by: -1)
            where stop.hasPrefix(text.suffix(length)) {
                best = length
                break
            }
        }
        return best
    }
}
