import Foundation

/// Downloads a whole model folder and moves it into the models folder in one rename, so a
/// half-finished download is never mistaken for a model.
public struct ModelInstaller: Sendable {
    public let catalog: ModelCatalog
    public let modelsFolder: URL

    public init(catalog: ModelCatalog, modelsFolder: URL) {
        self.catalog = catalog
        self.modelsFolder = modelsFolder
    }

    /// Where unfinished downloads wait (and resume from).
    public var stagingFolder: URL { modelsFolder.appendingPathComponent(".downloads") }

    @discardableResult
    public func install(_ name: String, mirror: String?, downloader: Downloader) throws -> URL {
        guard let model = catalog.model(named: name) else {
            throw DownloadError.unknownModel(name, known: catalog.models.map(\.name))
        }
        let target = modelsFolder.appendingPathComponent(model.name)
        guard !FileManager.default.fileExists(atPath: target.path) else { throw DownloadError.alreadyInstalled(target.path) }
        let staging = stagingFolder.appendingPathComponent(model.name)
        do {
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        } catch {
            throw DownloadError.cannotWrite(staging.path)
        }
        for file in catalog.files {
            let destination = staging.appendingPathComponent(file.name)
            if FileManager.default.fileExists(atPath: destination.path) { continue }  // finished in an earlier run
            guard let url = catalog.url(for: file, of: model, mirror: mirror) else {
                throw DownloadError.network(file: file.name, reason: "invalid address")
            }
            _ = try downloader.fetch(url, to: destination, expectedSize: file.size, expectedSHA256: file.sha256)
        }
        do {
            try FileManager.default.moveItem(at: staging, to: target)
        } catch {
            throw DownloadError.cannotWrite(target.path)
        }
        return target
    }
}
