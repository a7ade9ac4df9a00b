import ArgumentParser
import Foundation
import GPT2
import ModelDownload
import TerminalUI
#if canImport(Glibc)
import Glibc
#endif

struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List installed models and the ones that can be downloaded.",
        subcommands: [ModelsListCommand.self, ModelsDownloadCommand.self, ModelsImportCommand.self],
        defaultSubcommand: ModelsListCommand.self
    )
}

struct ModelsFolderOption: ParsableArguments {
    @Option(help: "The models folder (default: the checkout's Models/, or ~/.local/share/dungeon/models; DUNGEON_MODELS).")
    var models: String?

    var folder: URL { Locations.models(override: models) }
}

func loadCatalog() throws -> ModelCatalog {
    guard let assets = Locations.assets else { throw ValidationError("the model table (Assets/models.json) was not found") }
    return try ModelCatalog(contentsOf: assets.appendingPathComponent("models.json"))
}

struct ModelsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List installed and downloadable models.")
    @OptionGroup var folderOption: ModelsFolderOption
    @OptionGroup var backendOptions: BackendOptions

    func run() throws {
        try reportingErrors {
            if let remote = try backendOptions.connect() {
                // The game writes with the backend's model: it comes first.
                writeOut("Backend \(remote.address) (\(remote.server.api.rawValue) API): \(remote.statusName), "
                         + "window \(remote.contextLength) tokens, counting \(remote.counting)\n\n")
            }
            let folder = folderOption.folder
            let installed = ModelLocator.installed(in: folder)
            writeOut("Installed in \(folder.path):\n")
            if installed.isEmpty { writeOut("  (none)\n") }
            var rows: [[String]] = []
            for model in installed {
                let files = ModelFiles(model)
                let size = (try? FileManager.default.attributesOfItem(atPath: files.weightsFile.path)[.size] as? Int) ?? 0
                if let (config, preferred) = try? GPT2Model.describe(model) {
                    let dtype = (try? files.storageType()) ?? "?"
                    let precision = preferred.rawValue
                    let cached = Precision.allCases.filter {
                        FileManager.default.fileExists(atPath: GPT2Model.cacheURL(forModelAt: model, precision: $0).path)
                    }
                    rows.append([model.lastPathComponent, String(format: "%.0fM", Double(config.parameterCount) / 1e6),
                                 String(format: "%.0f MB", Double(size) / 1e6), dtype, precision,
                                 cached.isEmpty ? "" : cached.map(\.rawValue).joined(separator: " ")])
                } else {
                    rows.append([model.lastPathComponent, "?", String(format: "%.0f MB", Double(size) / 1e6), "unreadable config", "", ""])
                }
            }
            if !rows.isEmpty {
                writeOut(indent(Table.render(header: ["NAME", "PARAMETERS", "FILE SIZE", "DTYPE", "PLAYS AT", "CONVERTED"], rows: rows)))
            }
            let catalog = try loadCatalog()
            writeOut("\nDownloadable with `dungeon models download NAME`:\n")
            let names = Set(installed.map(\.lastPathComponent))
            let available = catalog.models.map { [$0.name, $0.parameters, $0.disk, names.contains($0.name) ? "installed" : ""] }
            writeOut(indent(Table.render(header: ["NAME", "PARAMETERS", "DOWNLOAD", ""], rows: available)))
        }
    }

    private func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "  " + $0 }.joined(separator: "\n")
    }
}

struct ModelsDownloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download",
        abstract: "Download a GPT-2 model from the Hugging Face hub (or a mirror), with resume and checksums."
    )
    @OptionGroup var folderOption: ModelsFolderOption
    @Argument(help: "gpt2, gpt2-medium, gpt2-large, gpt2-xl or distilgpt2.") var name: String
    @Option(help: "A mirror URL holding the model's files (config.json, vocab.json, merges.txt, model.safetensors).")
    var from: String?

    func run() throws {
        try reportingErrors {
            let installer = ModelInstaller(catalog: try loadCatalog(), modelsFolder: folderOption.folder)
            let bar = ProgressBar()
            let target = try installer.install(name, mirror: from, downloader: Downloader { bar.show($0) })
            bar.finish()
            writeOut("Installed \(name) in \(target.path). Play with: dungeon\n")
        }
    }
}

/// The download's progress line on standard error: redrawn in place on a terminal, one
/// line per file otherwise.
final class ProgressBar: @unchecked Sendable {
    // @unchecked: `lastFile` is only touched under `lock`.
    private let lock = NSLock()
    private var lastFile = ""
    private let isTerminal = isatty(STDERR_FILENO) == 1

    func show(_ progress: DownloadProgress) {
        lock.withLock {
            let line = downloadLine(DownloadStatus(file: progress.file, received: progress.received, total: progress.total,
                                                   bytesPerSecond: progress.bytesPerSecond))
            if isTerminal {
                if progress.file != lastFile && !lastFile.isEmpty { FileHandle.standardError.write(Data("\n".utf8)) }
                FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
            } else if progress.file != lastFile || (progress.total.map { progress.received >= $0 } ?? false) {
                FileHandle.standardError.write(Data("\(line)\n".utf8))
            }
            lastFile = progress.file
        }
    }

    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
