// A persistent worker pool: the engine's only threads besides the caller's.
//
// A decode step of GPT-2 XL issues about 300 jobs of a few microseconds each, so
// workers spin on a generation counter between jobs; after two milliseconds with nothing
// to do (by the clock: on a busy machine a spinning thread's milliseconds pass while others
// run) they sleep on a condition variable, so an idle game uses no CPU and a pool that
// stepped aside leaves the cores to the caller and the other programs.
//
// A job is cut into PARTS_PER_THREAD parts per thread, and whoever is running takes the
// next part, the caller included. On a busy machine (a browser and music beside the game)
// a worker the scheduler has set aside takes no part, and the others do its share, rather
// than the whole step waiting for it to be scheduled again; spinning threads yield to
// whatever else is runnable, so the game never spins while a thread it waits for, or
// another program, could run. A part is a range of outputs computed whole, so the result
// does not depend on which thread ran it.
//
// A thread the scheduler sets aside while it holds a part still stalls the step until it
// runs again (a time slice, milliseconds, where a part takes microseconds). When the
// caller waits that long for a part, the machine is busy: the pool steps aside and the
// caller runs jobs alone for a while (20 ms, doubling while it stays busy, up to a
// second), about as fast as with one thread, where waiting on the others would be slower.

#include "internal.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CK_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define CK_PAUSE() __asm__ __volatile__("yield")
#else
#define CK_PAUSE() ((void)0)
#endif

enum {
    /// Pauses before a spinning thread starts yielding between checks (a few microseconds).
    SPINS_BEFORE_YIELD = 1 << 8,
    PARTS_PER_THREAD = 4,
};

/// How long a worker with nothing to do spins before it sleeps, and how late a sleeping
/// worker may be to wake (a virtual machine's wake-ups take up to a millisecond or so).
static const int64_t SPIN_NS = 2 * 1000 * 1000, WAKE_NS = 2 * 1000 * 1000;
/// Running alone after a stalled job: first for this long, doubling up to the maximum.
static const int64_t SOLO_FIRST_NS = 20 * 1000 * 1000, SOLO_MAX_NS = 1000 * 1000 * 1000;
/// A stall this soon after the last one means a busy machine; one now and then (another
/// program waking briefly) is cheaper to wait out than to give up the threads for.
static const int64_t STALL_WINDOW_NS = 30 * 1000 * 1000;
/// Jobs in a row without a stall after which running alone starts again from the first span.
enum { CALM_JOBS = 4096 };

struct ck_pool {
    int threads;
    pthread_t *workers;
    void (*job)(void *, int, int);
    void *context;
    int parts;
    _Atomic uint64_t generation;
    /// The generation's low 32 bits, then the next part to take: a thread still holding
    /// an earlier generation can never take a part of this one.
    _Atomic uint64_t claim;
    /// Parts finished in this generation.
    _Atomic int done;
    _Atomic int sleepers;
    _Atomic bool stopping;
    pthread_mutex_t mutex;
    pthread_cond_t wake;
    /// Held for a whole job: callers on several threads (parallel tests, two sessions)
    /// take turns rather than mixing their jobs.
    pthread_mutex_t running;
    /// Until when (CLOCK_MONOTONIC, ns) callers run jobs alone; the next span; jobs without a stall.
    _Atomic int64_t soloUntil;
    int64_t soloSpan;
    int calmJobs;
    int64_t lastStall;
    /// Jobs that stalled and sent the caller alone (for tests and benchmarks).
    _Atomic int64_t stalls;
};

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

typedef struct {
    ck_pool *pool;
    int index;
} worker_start;

/// A spinning thread's pause: the CPU's pause instruction at first, then giving the core
/// to any other runnable thread (on a quiet machine sched_yield returns at once).
static inline void spin_pause(int *spins) {
    if (++*spins < SPINS_BEFORE_YIELD) CK_PAUSE();
    else sched_yield();
}

/// Takes and runs parts of `generation` until none is left; returns how many it ran.
static int take_parts(ck_pool *pool, uint64_t generation) {
    int taken = 0;
    const uint64_t tag = (generation & 0xFFFFFFFFu) << 32;
    uint64_t word = atomic_load_explicit(&pool->claim, memory_order_acquire);
    for (;;) {
        if ((word & ~(uint64_t)0xFFFFFFFFu) != tag) return taken;
        // Read after the claim showed this generation: its job, context and count.
        void (*job)(void *, int, int) = pool->job;
        void *context = pool->context;
        const int parts = pool->parts;
        const int part = (int)(word & 0xFFFFFFFFu);
        if (part >= parts) return taken;
        if (!atomic_compare_exchange_weak_explicit(&pool->claim, &word, word + 1, memory_order_acq_rel, memory_order_acquire))
            continue;
        job(context, part, parts);
        taken++;
        atomic_fetch_add_explicit(&pool->done, 1, memory_order_release);
        word = atomic_load_explicit(&pool->claim, memory_order_acquire);
    }
}

static void *worker_main(void *argument) {
    worker_start start = *(worker_start *)argument;
    free(argument);
    ck_pool *pool = start.pool;
    uint64_t seen = 0;
    for (;;) {
        uint64_t generation;
        int spins = 0;
        const int64_t idleSince = now_ns();
        while ((generation = atomic_load(&pool->generation)) == seen) {
            if (atomic_load(&pool->stopping)) return NULL;
            if (now_ns() - idleSince < SPIN_NS) {
                spin_pause(&spins);
                continue;
            }
            pthread_mutex_lock(&pool->mutex);
            atomic_fetch_add(&pool->sleepers, 1);
            while (atomic_load(&pool->generation) == seen && !atomic_load(&pool->stopping)) {
                pthread_cond_wait(&pool->wake, &pool->mutex);
            }
            atomic_fetch_sub(&pool->sleepers, 1);
            pthread_mutex_unlock(&pool->mutex);
            spins = 0;
        }
        seen = generation;
        take_parts(pool, generation);
    }
}

ck_pool *ck_pool_create(int threads) {
    if (threads < 1) threads = 1;
    ck_pool *pool = calloc(1, sizeof *pool);
    if (!pool) return NULL;
    pool->threads = threads;
    pthread_mutex_init(&pool->mutex, NULL);
    pthread_mutex_init(&pool->running, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pool->soloSpan = SOLO_FIRST_NS;
    pool->workers = calloc((size_t)threads, sizeof(pthread_t));
    for (int index = 1; index < threads; index++) {
        worker_start *start = malloc(sizeof *start);
        start->pool = pool;
        start->index = index;
        if (pthread_create(&pool->workers[index], NULL, worker_main, start) != 0) {
            // Fewer threads than asked is still a working pool.
            free(start);
            pool->threads = index;
            break;
        }
    }
    return pool;
}

void ck_pool_destroy(ck_pool *pool) {
    if (!pool) return;
    pthread_mutex_lock(&pool->mutex);
    atomic_store(&pool->stopping, true);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mutex);
    for (int index = 1; index < pool->threads; index++) pthread_join(pool->workers[index], NULL);
    pthread_cond_destroy(&pool->wake);
    pthread_mutex_destroy(&pool->mutex);
    pthread_mutex_destroy(&pool->running);
    free(pool->workers);
    free(pool);
}

int ck_pool_threads(const ck_pool *pool) { return pool ? pool->threads : 1; }

int64_t ck_pool_stalls(const ck_pool *pool) { return pool ? atomic_load(&pool->stalls) : 0; }


void ck_pool_run(ck_pool *pool, void (*job)(void *, int, int), void *context) {
    if (!pool || pool->threads == 1) {
        job(context, 0, 1);
        return;
    }
    const int64_t start = now_ns();
    if (start < atomic_load_explicit(&pool->soloUntil, memory_order_relaxed)) {
        job(context, 0, 1);
        return;
    }
    pthread_mutex_lock(&pool->running);
    const uint64_t generation = atomic_load(&pool->generation) + 1;
    pool->job = job;
    pool->context = context;
    pool->parts = pool->threads * PARTS_PER_THREAD;
    atomic_store_explicit(&pool->done, 0, memory_order_relaxed);
    // Published with the claim: a thread that sees this generation's tag sees its job.
    atomic_store_explicit(&pool->claim, (generation & 0xFFFFFFFFu) << 32, memory_order_release);
    atomic_store(&pool->generation, generation);
    // Sequentially consistent with the sleepers' increment: either a worker about to
    // sleep sees the new generation, or this sees it as a sleeper and wakes it.
    const bool woke = atomic_load(&pool->sleepers) > 0;
    if (woke) {
        pthread_mutex_lock(&pool->mutex);
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->mutex);
    }
    const int own = take_parts(pool, generation);
    // Only parts another thread is running are left.
    const int64_t ownDone = now_ns();
    int spins = 0;
    while (atomic_load_explicit(&pool->done, memory_order_acquire) < pool->parts) spin_pause(&spins);
    // Stalled: waited far longer than a part takes (the caller's own parts tell how long);
    // a worker this job woke from sleep is allowed a wake-up's lateness on top.
    const int64_t waited = now_ns() - ownDone, partTime = own > 0 ? (ownDone - start) / own : ownDone - start;
    if (waited > 4 * partTime + (woke ? WAKE_NS : 100 * 1000)) {
        const int64_t now = ownDone + waited;
        if (now - pool->lastStall < STALL_WINDOW_NS) {
            atomic_store_explicit(&pool->soloUntil, now + pool->soloSpan, memory_order_relaxed);
            pool->soloSpan = pool->soloSpan * 2 < SOLO_MAX_NS ? pool->soloSpan * 2 : SOLO_MAX_NS;
            atomic_fetch_add(&pool->stalls, 1);
        }
        pool->lastStall = now;
        pool->calmJobs = 0;
    } else if (++pool->calmJobs >= CALM_JOBS) {
        pool->soloSpan = SOLO_FIRST_NS;
        pool->calmJobs = 0;
    }
    pthread_mutex_unlock(&pool->running);
}

void ck_split(int64_t count, int index, int parts, int64_t align, int64_t *begin, int64_t *end) {
    int64_t units = (count + align - 1) / align;
    int64_t first = units * index / parts, last = units * (index + 1) / parts;
    *begin = first * align < count ? first * align : count;
    *end = last * align < count ? last * align : count;
}

static _Thread_local void *buffers[CK_BUFFER_COUNT];
static _Thread_local size_t bufferBytes[CK_BUFFER_COUNT];

void *ck_thread_buffer(ck_buffer which, size_t bytes) {
    if (bytes > bufferBytes[which]) {
        free(buffers[which]);
        buffers[which] = aligned_alloc(64, (bytes + 63) / 64 * 64);
        bufferBytes[which] = buffers[which] ? bytes : 0;
    }
    return buffers[which];
}
