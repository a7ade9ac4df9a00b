// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "dungeon",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "dungeon", targets: ["dungeon"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.20.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]
        ),
        .systemLibrary(
            name: "CNCurses",
            pkgConfig: "ncursesw",
            providers: [.apt(["libncurses-dev"]), .brew(["ncurses"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        .target(name: "CKernels", dependencies: ["COpenBLAS"]),
        .target(name: "Tokenizer"),
        .target(name: "GPT2", dependencies: ["COpenBLAS", "CKernels"]),
        .target(name: "Story"),
        .target(name: "Storage", dependencies: ["Story", "CZlib", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "ModelDownload"),
        .target(name: "TerminalUI", dependencies: ["Story"]),
        .target(name: "CursesTerminal", dependencies: ["TerminalUI", "CNCurses"]),
        .target(name: "Engine", dependencies: ["GPT2", "Tokenizer", "Story"]),
        .target(name: "Remote", dependencies: ["Story", "Tokenizer",
                                               .product(name: "AsyncHTTPClient", package: "async-http-client"),
                                               .product(name: "NIOCore", package: "swift-nio"),
                                               .product(name: "NIOHTTP1", package: "swift-nio")]),
        .target(name: "Serving", dependencies: ["Engine", "GPT2", "Tokenizer", "Story",
                                                .product(name: "Hummingbird", package: "hummingbird"),
                                                .product(name: "HummingbirdCore", package: "hummingbird"),
                                                .product(name: "Logging", package: "swift-log"),
                                                .product(name: "NIOCore", package: "swift-nio"),
                                                .product(name: "HTTPTypes", package: "swift-http-types")]),
        .target(name: "TestSupport", dependencies: ["GPT2"], path: "Tests/TestSupport"),
        .executableTarget(
            name: "dungeon",
            dependencies: [
                "Engine", "GPT2", "Tokenizer", "Story", "Storage", "TerminalUI", "CursesTerminal", "ModelDownload", "Serving", "Remote",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "TokenizerTests", dependencies: ["Tokenizer", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "StoryTests", dependencies: ["Story", "Engine", "TestSupport"]),
        .executableTarget(name: "dungeon-fuzz", dependencies: ["GPT2", "Storage", "Story", "Serving",
                                                              .product(name: "GRDB", package: "GRDB.swift")],
                          path: "Tests/Fuzz", exclude: ["corpus"]),
        .executableTarget(name: "save-stress", dependencies: ["Storage", "Story"], path: "Tests/SaveStress"),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "Story", "Tokenizer", "TestSupport", "save-stress"],
                    exclude: ["Snapshots", "Fixtures"]),
        .testTarget(name: "TerminalUITests", dependencies: ["TerminalUI", "Story", "CursesTerminal", "TestSupport"], exclude: ["Snapshots"]),
        .testTarget(name: "DungeonTests", dependencies: ["TestSupport", "dungeon", "dungeon-fuzz"], exclude: ["serve.py", "fault_server.py"]),
        .testTarget(name: "ServingTests", dependencies: ["Serving", "Engine", "Story", "TestSupport"]),
        .testTarget(name: "ModelDownloadTests", dependencies: ["ModelDownload"]),
        .testTarget(name: "RemoteTests", dependencies: ["Remote", "Serving", "Story", "Tokenizer", "TestSupport"]),
        .testTarget(name: "GPT2Tests", dependencies: ["GPT2", "Tokenizer", "Engine", "TestSupport"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
