import Foundation
import GRDB

/// Dates as the save file holds them: GRDB's text format, "2026-12-06 21:36:42.394", UTC.
///
/// Read here rather than by GRDB, whose parser traps (an arithmetic overflow) on a
/// non-ASCII byte in a damaged file. A date that cannot be read becomes the Unix epoch: it
/// only orders the list of saves, and the next save writes it anew.
enum StoredDate {
    static let unreadable = Date(timeIntervalSince1970: 0)

    static func read(_ value: DatabaseValue) -> Date {
        switch value.storage {
        case .string(let text): return parse(text) ?? unreadable
        case .int64(let seconds) where (-(1 << 40)...(1 << 40)).contains(seconds): return Date(timeIntervalSince1970: Double(seconds))
        case .double(let seconds) where seconds.isFinite && abs(seconds) < 1e12: return Date(timeIntervalSince1970: seconds)
        default: return unreadable
        }
    }

    /// "YYYY-MM-DD HH:MM[:SS[.fraction]]" (a "T" may stand for the space), or nil.
    static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard (16...40).contains(bytes.count) else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[range] {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x20 || bytes[10] == 0x54, bytes[13] == 0x3A,
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60 else { return nil }
        var second = 0.0
        if bytes.count > 16 {
            guard bytes[16] == 0x3A, let whole = number(17..<19), whole < 61 else { return nil }
            second = Double(whole)
            if bytes.count > 19 {
                guard bytes[19] == 0x2E, let fraction = number(20..<bytes.count) else { return nil }
                second += Double(fraction) / pow(10, Double(bytes.count - 20))
            }
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute)
        return calendar.date(from: components).map { $0.addingTimeInterval(second) }
    }
}
