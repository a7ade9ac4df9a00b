import CKernels
import Foundation
import COpenBLAS

/// The process's compute threads: one persistent pool that every kernel splits its work
/// across, with OpenBLAS kept to one thread inside each worker so nothing oversubscribes
/// the cores.
///
/// `@unchecked Sendable`: the pool serialises jobs internally (callers on several threads
/// take turns), and the pointer is created once and never freed.
public final class ComputePool: @unchecked Sendable {
    let pointer: OpaquePointer

    /// A pool of its own (the game uses `shared`; tests compare thread counts).
    init(threads: Int) {
        openblas_set_num_threads(1)
        pointer = ck_pool_create(Int32(threads))
    }

    deinit { ck_pool_destroy(pointer) }

    /// The threads the pool runs on, the calling thread included.
    public var threads: Int { Int(ck_pool_threads(pointer)) }

    /// How many times the machine was busy enough (a job left waiting for a thread the
    /// scheduler had set aside, twice within 30 ms) that the pool stepped aside for a while.
    public var stalls: Int { Int(ck_pool_stalls(pointer)) }

    /// The instruction set the kernels chose at run time ("avx2+fma+f16c+avx512-vnni",
    /// "avx2+fma+f16c" or "portable").
    public static var instructionSet: String { String(cString: ck_instruction_set()) }

    /// Written once at start-up, before `shared` is first read; never after.
    nonisolated(unsafe) private static var requestedThreads: Int?

    /// Sets the number of compute threads. Call once, at start-up, before any forward pass;
    /// later calls have no effect.
    public static func configure(threads: Int) {
        if requestedThreads == nil { requestedThreads = max(1, min(threads, 256)) }
    }

    /// The pool, made on first use with the configured threads (default: every core).
    public static let shared = ComputePool(threads: requestedThreads ?? System.coreCount)
}

enum System {
    static var coreCount: Int { ProcessInfo.processInfo.activeProcessorCount }
}
