import CKernels
import Foundation
import Synchronization
import Testing

/// The worker pool: every part of a job runs exactly once, on whichever thread takes it;
/// and a job left waiting for a part another thread holds (a thread the scheduler set
/// aside) sends the caller on alone for a while.
@Suite(.serialized) struct PoolTests {
    /// What a job saw: which parts ran, on which thread.
    final class Record: @unchecked Sendable {
        // @unchecked: each part writes only its own slot; the pool's completion orders them.
        var runs: [Int32]
        var threads: [pthread_t?]
        let caller: pthread_t
        let slowOthers: Bool

        init(parts: Int, slowOthers: Bool = false) {
            runs = Array(repeating: 0, count: parts)
            threads = Array(repeating: nil, count: parts)
            caller = pthread_self()
            self.slowOthers = slowOthers
        }
    }

    static let job: @convention(c) (UnsafeMutableRawPointer?, Int32, Int32) -> Void = { context, part, parts in
        let record = Unmanaged<Record>.fromOpaque(context!).takeUnretainedValue()
        record.runs[Int(part)] += 1
        record.threads[Int(part)] = pthread_self()
        // A part on another thread takes 5 ms, as one the scheduler set aside mid-part would;
        // the caller's take 0.2 ms, time for a worker to take one even on a loaded machine.
        if record.slowOthers { usleep(pthread_equal(pthread_self(), record.caller) == 0 ? 5_000 : 200) }
    }

    static func run(_ pool: OpaquePointer, slowOthers: Bool = false) -> Record {
        let record = Record(parts: Int(ck_pool_threads(pool)) * 4, slowOthers: slowOthers)
        ck_pool_run(pool, job, Unmanaged.passUnretained(record).toOpaque())
        return record
    }

    @Test func everyPartRunsOnceFromSeveralCallers() {
        // The pool serialises its callers; its pointer crosses threads as a bit pattern.
        let pool = UInt(bitPattern: ck_pool_create(3)!)
        defer { ck_pool_destroy(OpaquePointer(bitPattern: pool)!) }
        let wrong = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            let shared = OpaquePointer(bitPattern: pool)!
            for _ in 0..<200 where !Self.run(shared).runs.allSatisfy({ $0 == 1 }) { wrong.withLock { $0 += 1 } }
        }
        #expect(wrong.withLock { $0 } == 0)
    }

    @Test func aStalledJobSendsTheCallerOnAlone() {
        let pool = ck_pool_create(2)!
        defer { ck_pool_destroy(pool) }
        #expect(ck_pool_stalls(pool) == 0)
        // Until the worker takes a part, nothing stalls; once it has, the job waited 5 ms for
        // it, and a second such job within 30 ms (the next ones) sends the caller alone.
        var stalled = false
        for _ in 0..<1000 where !stalled {
            let record = Self.run(pool, slowOthers: true)
            #expect(record.runs.allSatisfy { $0 == 1 })
            stalled = ck_pool_stalls(pool) > 0
        }
        #expect(stalled)
        // Alone: the next job runs whole, as one part, on the caller (if it starts within the
        // 20 ms the pool steps aside for: a loaded test machine may set this thread aside longer).
        let asked = ContinuousClock.now
        let alone = Self.run(pool, slowOthers: true)
        if ContinuousClock.now - asked < .milliseconds(15) {
            #expect(alone.runs.first == 1 && alone.runs.dropFirst().allSatisfy { $0 == 0 })
            #expect(alone.threads.first.flatMap { $0 }.map { pthread_equal($0, pthread_self()) != 0 } == true)
        }
    }
}
