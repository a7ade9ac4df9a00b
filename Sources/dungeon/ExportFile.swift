import Foundation

/// Writes an export, turning the file system's errors into one line that names the path
/// and what to do (Foundation's read "Error Domain=NSCocoaErrorDomain Code=4 …").
enum ExportFile {
    struct WriteError: Error, CustomStringConvertible {
        let description: String
    }

    static func write(_ text: String, to url: URL) throws {
        do {
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            let folder = url.deletingLastPathComponent().path
            var isFolder: ObjCBool = false
            let reason: String
            if !FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) {
                reason = "the folder \(folder) does not exist; create it or choose another path"
            } else if !isFolder.boolValue {
                reason = "\(folder) is a file, not a folder; choose another path"
            } else if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue {
                reason = "it is a folder; add a file name"
            } else {
                reason = "it cannot be written (no permission, or the disk is full); choose another path"
            }
            throw WriteError(description: "cannot write \(url.path): \(reason)")
        }
    }
}
