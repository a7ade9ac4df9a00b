import CKernels
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The converted matrices of one model at one precision, cached in a file beside the
/// checkpoint so that the second load is a mapping, not a conversion.
///
/// Layout: the 8 bytes `DNGNWTS1`, an 8-byte little-endian header length, a JSON header
/// (the checkpoint it was made from, and each matrix's format, shape and byte range),
/// then each matrix at a 64-byte-aligned offset from the start of the file.
/// A cache whose checkpoint changed (size or modification time) is made again.
struct CompactWeightsFile {
    struct Entry: Codable, Equatable {
        var name: String
        var format: Int32
        var layout: Int32
        var inputs: Int
        var outputs: Int
        var offset: Int
        var bytes: Int
    }

    struct Header: Codable, Equatable {
        /// The conversion's version: a cache made by an older quantizer is made again.
        var version: Int = CompactWeightsFile.version
        var sourceBytes: Int
        var sourceModified: Double
        var precision: String
        var entries: [Entry]

        /// The file's size: the end of its last matrix.
        var totalBytes: Int { entries.map { $0.offset + $0.bytes }.max() ?? 16 }
    }

    /// A matrix to convert: its source view and the format and layout it becomes.
    struct Request {
        var name: String
        var source: WeightMatrix
        var format: WeightFormat
        var layout: MatrixLayout
    }

    static let magic = Array("DNGNWTS1".utf8)
    /// Raise whenever `ck_quantize_row` or a layout changes what a cache holds.
    static let version = 3

    let file: MappedFile
    let matrices: [String: WeightMatrix]

    /// Maps the cache at `url` if it was made from this checkpoint with these matrices;
    /// otherwise converts them (split across the pool), writes the cache and maps it.
    /// When no cache can be written, converts into memory instead (`file` is then nil).
    static func load(
        at url: URL, checkpoint: MappedFile, precision: Precision, requests: [Request]
    ) throws -> (owner: AnyObject, matrices: [String: WeightMatrix]) {
        let header = try plannedHeader(checkpoint: checkpoint, precision: precision, requests: requests)
        if let cached = try? CompactWeightsFile(url: url, expecting: header) {
            return (cached.file, cached.matrices)
        }
        if (try? write(header, requests: requests, to: url)) != nil, let written = try? CompactWeightsFile(url: url, expecting: header) {
            return (written.file, written.matrices)
        }
        // Nowhere to cache: convert into memory.
        let memory = Allocation(byteCount: header.totalBytes)
        return (memory, convert(requests, as: header, into: UnsafeRawPointer(memory.pointer)))
    }

    /// Converts every requested matrix into its place at `base` (laid out as `header` says),
    /// split across the pool, and returns the views of them.
    private static func convert(_ requests: [Request], as header: Header, into base: UnsafeRawPointer) -> [String: WeightMatrix] {
        var matrices: [String: WeightMatrix] = [:]
        for (entry, request) in zip(header.entries, requests) {
            let destination = view(entry, base: base)
            var from = request.source.kernelMatrix
            var to = destination.kernelMatrix
            ck_convert(ComputePool.shared.pointer, &from, &to)
            matrices[entry.name] = destination
        }
        return matrices
    }

    private init(url: URL, expecting header: Header) throws {
        let file = try MappedFile(path: url.path)
        let bytes = file.bytes
        guard bytes.count >= 16, Array(bytes[0..<8]) == Self.magic else { throw CheckpointError.unreadable(path: url.path, reason: "not a weights cache") }
        var length = 0
        for i in 0..<8 { length |= Int(bytes[8 + i]) << (8 * i) }
        guard length > 0, 16 + length <= bytes.count,
              let stored = try? JSONDecoder().decode(Header.self, from: Data(bytes[16..<(16 + length)])),
              stored == header,
              header.totalBytes <= bytes.count
        else { throw CheckpointError.unreadable(path: url.path, reason: "stale weights cache") }
        self.file = file
        var matrices: [String: WeightMatrix] = [:]
        for entry in header.entries { matrices[entry.name] = Self.view(entry, base: bytes.baseAddress!) }
        self.matrices = matrices
    }

    private static func plannedHeader(checkpoint: MappedFile, precision: Precision, requests: [Request]) throws -> Header {
        var status = stat()
        guard stat(checkpoint.path, &status) == 0 else {
            throw CheckpointError.unreadable(path: checkpoint.path, reason: String(cString: strerror(errno)))
        }
        let modified = Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9
        // Offsets are fixed before the header is written, so leave the header generous room.
        var offset = 16 + 4096 + requests.count * 160
        offset = (offset + 63) / 64 * 64
        var entries: [Entry] = []
        for request in requests {
            let view = WeightMatrix(format: request.format, layout: request.layout, inputs: request.source.inputs,
                                    outputs: request.source.outputs, data: UnsafeRawPointer(bitPattern: 64)!)
            entries.append(Entry(name: request.name, format: request.format.rawValue, layout: request.layout.rawValue,
                                 inputs: view.inputs, outputs: view.outputs, offset: offset, bytes: view.byteCount))
            offset = (offset + view.byteCount + 63) / 64 * 64
        }
        return Header(sourceBytes: checkpoint.bytes.count, sourceModified: modified,
                      precision: precision.rawValue, entries: entries)
    }

    private static func view(_ entry: Entry, base: UnsafeRawPointer) -> WeightMatrix {
        WeightMatrix(format: WeightFormat(rawValue: entry.format) ?? .f32,
                     layout: MatrixLayout(rawValue: entry.layout) ?? .outputsByInputs,
                     inputs: entry.inputs, outputs: entry.outputs, data: base + entry.offset)
    }

    /// Writes the cache to a temporary file beside `url`, then renames it into place, so a
    /// half-written cache is never taken for a whole one.
    private static func write(_ header: Header, requests: [Request], to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let partial = url.path + ".partial-\(getpid())"
        let descriptor = open(partial, O_RDWR | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw CheckpointError.unreadable(path: partial, reason: String(cString: strerror(errno))) }
        var keep = false
        defer {
            close(descriptor)
            if !keep { unlink(partial) }
        }
        let json = try JSONEncoder().encode(header)
        let total = header.totalBytes
        guard 16 + json.count <= (header.entries.first?.offset ?? total), ftruncate(descriptor, off_t(total)) == 0,
              let base = mmap(nil, total, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0), base != MAP_FAILED
        else { throw CheckpointError.unreadable(path: partial, reason: String(cString: strerror(errno))) }
        defer { munmap(base, total) }
        var prefix = magic
        for i in 0..<8 { prefix.append(UInt8(truncatingIfNeeded: json.count >> (8 * i))) }
        prefix.withUnsafeBytes { base.copyMemory(from: $0.baseAddress!, byteCount: 16) }
        json.withUnsafeBytes { (base + 16).copyMemory(from: $0.baseAddress!, byteCount: json.count) }
        _ = convert(requests, as: header, into: UnsafeRawPointer(base))
        guard msync(base, total, MS_SYNC) == 0, rename(partial, url.path) == 0 else {
            throw CheckpointError.unreadable(path: url.path, reason: String(cString: strerror(errno)))
        }
        keep = true
    }
}

/// One aligned allocation, freed with its owner.
final class Allocation {
    let pointer: UnsafeMutableRawPointer

    init(byteCount: Int) {
        pointer = .allocate(byteCount: max(byteCount, 1), alignment: 64)
    }

    deinit { pointer.deallocate() }
}
