import Foundation

/// A minimal, safe reader of Python pickles: enough of the language for a PyTorch state dict
/// and nothing more. A `.bin` checkpoint is a program in disguise (its pickle may call any
/// Python function); this reader never calls anything. It understands only the globals a
/// state dict needs, `collections.OrderedDict`, `torch._utils._rebuild_tensor_v2` and
/// `_rebuild_parameter`, and torch's storage types, and refuses any other with its name.
struct Pickle {
    /// What a pickle can build here. Containers are classes because the pickle mutates them
    /// after it has stored them in its memo.
    indirect enum Value {
        case none, bool(Bool), int(Int), float(Double), string(String), bytes([UInt8])
        case tuple([Value]), list(List), dict(Dict)
        /// A global the reader allows, not yet called.
        case global(String)
        /// A tensor storage named by a persistent id: its key and element type.
        case storage(key: String, type: String)
        case tensor(Tensor)
        case mark
    }

    final class List { var items: [Value] = [] }
    final class Dict { var items: [(key: Value, value: Value)] = [] }

    struct Tensor {
        var storageKey: String
        var storageType: String
        /// Offset into the storage, in elements.
        var offset: Int
        var shape: [Int]
        var strides: [Int]
    }

    static let allowedGlobals: Set<String> = [
        "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
        "torch.FloatStorage", "torch.HalfStorage", "torch.BFloat16Storage", "torch.DoubleStorage",
        "torch.LongStorage", "torch.IntStorage", "torch.ByteStorage", "torch.BoolStorage",
    ]

    let path: String

    /// Runs the pickle in `bytes` from `start`; returns the value and where it stopped.
    func load(_ bytes: UnsafeRawBufferPointer, from start: Int = 0) throws -> (Value, end: Int) {
        var stack: [Value] = []
        var memo: [Int: Value] = [:]
        var position = start
        func fail(_ reason: String) -> CheckpointError { .invalidFile(path: path, format: "PyTorch", reason: reason) }
        func take(_ count: Int) throws -> UnsafeRawBufferPointer {
            guard count >= 0, count <= bytes.count - position else { throw fail("the pickle ends early") }
            defer { position += count }
            return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
        }
        func u8() throws -> Int { Int(try take(1)[0]) }
        func u16() throws -> Int { Int(UInt16(littleEndian: try take(2).loadUnaligned(as: UInt16.self))) }
        func u32() throws -> Int { Int(UInt32(littleEndian: try take(4).loadUnaligned(as: UInt32.self))) }
        func u64() throws -> Int {
            let value = UInt64(littleEndian: try take(8).loadUnaligned(as: UInt64.self))
            guard value <= UInt64(bytes.count) else { throw fail("a length of \(value) is larger than the file") }
            return Int(value)
        }
        func pop() throws -> Value {
            guard let value = stack.popLast() else { throw fail("the pickle's stack runs empty") }
            return value
        }
        func popMark() throws -> [Value] {
            guard let mark = stack.lastIndex(where: { if case .mark = $0 { true } else { false } }) else {
                throw fail("the pickle has no mark")
            }
            let items = Array(stack[(mark + 1)...])
            stack.removeSubrange(mark...)
            return items
        }
        func line() throws -> String {
            var text = [UInt8]()
            while true {
                let byte = try u8()
                if byte == 0x0A { break }
                text.append(UInt8(byte))
                guard text.count < 256 else { throw fail("a global's name is too long") }
            }
            return String(decoding: text, as: UTF8.self)
        }
        func global(_ module: String, _ name: String) throws -> Value {
            let full = "\(module).\(name)"
            guard Self.allowedGlobals.contains(full) else {
                throw CheckpointError.unsafePickle(path: path, global: String(full.prefix(80)))
            }
            return .global(full)
        }
        func setItems(_ target: Value, _ pairs: [Value]) throws {
            guard case .dict(let dict) = target, pairs.count % 2 == 0 else { throw fail("items set on something not a dict") }
            for index in stride(from: 0, to: pairs.count, by: 2) { dict.items.append((pairs[index], pairs[index + 1])) }
        }

        while true {
            let opcode = try u8()
            switch opcode {
            case 0x80: _ = try u8()                                   // PROTO
            case 0x95: _ = try take(8)                                // FRAME
            case 0x2E:                                                // STOP
                return (try pop(), position)
            case 0x28: stack.append(.mark)                            // MARK
            case 0x7D: stack.append(.dict(Dict()))                    // EMPTY_DICT
            case 0x5D: stack.append(.list(List()))                    // EMPTY_LIST
            case 0x29: stack.append(.tuple([]))                       // EMPTY_TUPLE
            case 0x74: stack.append(.tuple(try popMark()))            // TUPLE
            case 0x85: stack.append(.tuple([try pop()]))              // TUPLE1
            case 0x86: let b = try pop(), a = try pop(); stack.append(.tuple([a, b]))
            case 0x87: let c = try pop(), b = try pop(), a = try pop(); stack.append(.tuple([a, b, c]))
            case 0x4E: stack.append(.none)                            // NONE
            case 0x88: stack.append(.bool(true))
            case 0x89: stack.append(.bool(false))
            case 0x4B: stack.append(.int(try u8()))                   // BININT1
            case 0x4D: stack.append(.int(try u16()))                  // BININT2
            case 0x4A: stack.append(.int(Int(Int32(truncatingIfNeeded: try u32()))))  // BININT
            case 0x8A:                                                // LONG1
                let count = try u8()
                if count > 8 {  // the legacy format's magic number: kept as bytes
                    stack.append(.bytes(Array(try take(count))))
                    continue
                }
                var value: Int64 = 0
                for (index, byte) in try take(count).enumerated() { value |= Int64(byte) << (8 * index) }
                if count > 0 && count < 8, value & (Int64(1) << (8 * count - 1)) != 0 { value -= Int64(1) << (8 * count) }
                stack.append(.int(Int(value)))
            case 0x47:                                                // BINFLOAT (big-endian)
                stack.append(.float(Double(bitPattern: UInt64(bigEndian: try take(8).loadUnaligned(as: UInt64.self)))))
            case 0x58: stack.append(.string(String(decoding: try take(try u32()), as: UTF8.self)))   // BINUNICODE
            case 0x8C: stack.append(.string(String(decoding: try take(try u8()), as: UTF8.self)))   // SHORT_BINUNICODE
            case 0x8D: stack.append(.string(String(decoding: try take(try u64()), as: UTF8.self)))  // BINUNICODE8
            case 0x55: stack.append(.string(String(decoding: try take(try u8()), as: UTF8.self)))   // SHORT_BINSTRING
            case 0x54: stack.append(.string(String(decoding: try take(try u32()), as: UTF8.self)))  // BINSTRING
            case 0x43: stack.append(.bytes(Array(try take(try u8()))))                              // SHORT_BINBYTES
            case 0x42: stack.append(.bytes(Array(try take(try u32()))))                             // BINBYTES
            case 0x71: memo[try u8()] = stack.last                   // BINPUT
            case 0x72: memo[try u32()] = stack.last                  // LONG_BINPUT
            case 0x94: memo[memo.count] = stack.last                 // MEMOIZE
            case 0x68, 0x6A:                                          // BINGET, LONG_BINGET
                let key = opcode == 0x68 ? try u8() : try u32()
                guard let value = memo[key] else { throw fail("the pickle refers to a value it never stored") }
                stack.append(value)
            case 0x63:                                                // GLOBAL
                let module = try line(), name = try line()
                stack.append(try global(module, name))
            case 0x93:                                                // STACK_GLOBAL
                guard case .string(let name) = try pop(), case .string(let module) = try pop() else { throw fail("a malformed global") }
                stack.append(try global(module, name))
            case 0x73:                                                // SETITEM
                let value = try pop(), key = try pop()
                guard let target = stack.last else { throw fail("the pickle's stack runs empty") }
                try setItems(target, [key, value])
            case 0x75:                                                // SETITEMS
                let items = try popMark()
                guard let target = stack.last else { throw fail("the pickle's stack runs empty") }
                try setItems(target, items)
            case 0x61, 0x65:                                          // APPEND, APPENDS
                let items = opcode == 0x61 ? [try pop()] : try popMark()
                guard case .list(let list)? = stack.last else { throw fail("items appended to something not a list") }
                list.items += items
            case 0x51:                                                // BINPERSID: a storage
                guard case .tuple(let id) = try pop(), id.count >= 5, case .string("storage") = id[0],
                      case .global(let type) = id[1] else { throw fail("a persistent id that is not a storage") }
                let key: String
                switch id[2] { case .string(let text): key = text; case .int(let n): key = String(n); default: throw fail("a storage without a key") }
                stack.append(.storage(key: key, type: type))
            case 0x52:                                                // REDUCE
                guard case .tuple(let arguments) = try pop(), case .global(let function) = try pop() else {
                    throw fail("a call the reader does not understand")
                }
                stack.append(try call(function, arguments, fail: fail))
            case 0x81:                                                // NEWOBJ
                _ = try pop()
                guard case .global(let type) = try pop(), type == "collections.OrderedDict" else { throw fail("an object the reader does not build") }
                stack.append(.dict(Dict()))
            case 0x62:                                                // BUILD: state for an object; a state dict's is metadata
                _ = try pop()
            default:
                throw fail(String(format: "pickle opcode 0x%02X is not one a state dict needs", opcode))
            }
        }
    }

    /// The calls a state dict makes, done without Python.
    private func call(_ function: String, _ arguments: [Value], fail: (String) -> CheckpointError) throws -> Value {
        switch function {
        case "collections.OrderedDict":
            return .dict(Dict())
        case "torch._utils._rebuild_tensor_v2":
            guard arguments.count >= 4, case .storage(let key, let type) = arguments[0], case .int(let offset) = arguments[1],
                  case .tuple(let size) = arguments[2], case .tuple(let stride) = arguments[3] else {
                throw fail("a tensor rebuilt from something the reader does not understand")
            }
            let shape = try size.map { value -> Int in guard case .int(let n) = value, n >= 0 else { throw fail("a tensor's size") }; return n }
            let strides = try stride.map { value -> Int in guard case .int(let n) = value, n >= 0 else { throw fail("a tensor's stride") }; return n }
            return .tensor(Tensor(storageKey: key, storageType: type, offset: offset, shape: shape, strides: strides))
        case "torch._utils._rebuild_parameter":
            guard let first = arguments.first, case .tensor = first else { throw fail("a parameter that is not a tensor") }
            return first
        default:
            throw fail("\(function) called with arguments the reader does not understand")
        }
    }
}
