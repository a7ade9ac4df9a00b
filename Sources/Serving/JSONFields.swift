import Foundation

/// A request's JSON object, read field by field: a field of the wrong type is a 400 that
/// names it; a field nobody asks for is ignored, as KoboldCpp and OpenAI's servers do.
struct JSONFields {
    let values: [String: Any]

    /// Parses a request body; anything but a JSON object is a `badRequest`.
    init(body: Data) throws(ServingError) {
        guard !body.isEmpty else { throw .badRequest("the request has no body; send a JSON object") }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: body, options: [])
        } catch {
            throw .badRequest("the request body is not valid JSON")
        }
        guard let object = parsed as? [String: Any] else { throw .badRequest("the request body must be a JSON object") }
        values = object
    }

    init(_ values: [String: Any]) { self.values = values }

    func has(_ key: String) -> Bool { values[key] != nil && !(values[key] is NSNull) }

    func number(_ key: String) throws(ServingError) -> Double? {
        guard let value = present(key) else { return nil }
        guard let number = value as? NSNumber, !number.isBoolean, number.doubleValue.isFinite else {
            throw .badRequest("\(key) must be a number")
        }
        return number.doubleValue
    }

    func integer(_ key: String) throws(ServingError) -> Int? {
        guard let value = try number(key) else { return nil }
        guard value == value.rounded(), abs(value) < 1e15 else { throw .badRequest("\(key) must be a whole number") }
        return Int(value)
    }

    func bool(_ key: String) throws(ServingError) -> Bool? {
        guard let value = present(key) else { return nil }
        guard let number = value as? NSNumber, number.isBoolean else { throw .badRequest("\(key) must be true or false") }
        return number.boolValue
    }

    func string(_ key: String) throws(ServingError) -> String? {
        guard let value = present(key) else { return nil }
        guard let text = value as? String else { throw .badRequest("\(key) must be a string") }
        return text
    }

    /// A string or a list of strings (OpenAI's `stop`), as a list.
    func strings(_ key: String) throws(ServingError) -> [String]? {
        guard let value = present(key) else { return nil }
        if let text = value as? String { return [text] }
        guard let list = value as? [Any] else { throw .badRequest("\(key) must be a string or a list of strings") }
        var texts: [String] = []
        for item in list where !(item is NSNull) {
            guard let text = item as? String else { throw .badRequest("\(key) must be a string or a list of strings") }
            texts.append(text)
        }
        return texts
    }

    func integers(_ key: String) throws(ServingError) -> [Int]? {
        guard let value = present(key) else { return nil }
        guard let list = value as? [Any] else { throw .badRequest("\(key) must be a list of whole numbers") }
        var numbers: [Int] = []
        for item in list {
            guard let number = item as? NSNumber, !number.isBoolean, number.doubleValue == number.doubleValue.rounded(),
                  abs(number.doubleValue) < 1e9 else { throw .badRequest("\(key) must be a list of whole numbers") }
            numbers.append(number.intValue)
        }
        return numbers
    }

    /// A map of token ids (as strings) to numbers: a logit bias.
    func tokenNumbers(_ key: String) throws(ServingError) -> [(Int, Double)]? {
        guard let value = present(key) else { return nil }
        guard let map = value as? [String: Any] else { throw .badRequest("\(key) must map token ids to numbers") }
        var pairs: [(Int, Double)] = []
        for (name, amount) in map.sorted(by: { $0.key < $1.key }) {
            guard let token = Int(name.trimmingCharacters(in: .whitespaces)), token >= 0,
                  let number = amount as? NSNumber, !number.isBoolean, number.doubleValue.isFinite else {
                throw .badRequest("\(key) must map token ids to numbers")
            }
            pairs.append((token, number.doubleValue))
        }
        return pairs
    }

    /// A seed as KoboldCpp reads one: a number or a numeric string; negative means random.
    func seed(_ key: String) throws(ServingError) -> UInt64? {
        guard let value = present(key) else { return nil }
        let number: Double
        if let text = value as? String {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            // A seed past 2^53 comes as a string (dungeon's remote client sends one so): read it whole.
            if let exact = UInt64(trimmed) { return exact }
            guard let parsed = Double(trimmed) else { return nil }
            number = parsed
        } else if let given = value as? NSNumber, !given.isBoolean {
            number = given.doubleValue
        } else {
            throw .badRequest("\(key) must be a whole number")
        }
        guard number >= 0 else { return nil }
        guard number == number.rounded(), number < 1.8e19 else { throw .badRequest("\(key) must be a whole number below 2^64") }
        return UInt64(number)
    }

    private func present(_ key: String) -> Any? {
        guard let value = values[key], !(value is NSNull) else { return nil }
        return value
    }
}

extension NSNumber {
    /// Foundation bridges JSON's true and false to NSNumber, as it does 0 and 1; only the
    /// objCType tells them apart.
    var isBoolean: Bool { String(cString: objCType) == "c" }
}
