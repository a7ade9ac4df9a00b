// A persistent worker pool: the engine's only threads besides the caller's.
//
// A decode step of GPT-2 XL issues about 300 jobs of a few microseconds each, so
// workers spin on a generation counter between jobs; after about a millisecond with
// nothing to do they sleep on a condition variable, so an idle game uses no CPU.

#include "internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CK_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define CK_PAUSE() __asm__ __volatile__("yield")
#else
#define CK_PAUSE() ((void)0)
#endif

enum { SPINS_BEFORE_SLEEP = 1 << 17 };

struct ck_pool {
    int threads;
    pthread_t *workers;
    void (*job)(void *, int, int);
    void *context;
    _Atomic uint64_t generation;
    _Atomic int pending;
    _Atomic int sleepers;
    _Atomic bool stopping;
    pthread_mutex_t mutex;
    pthread_cond_t wake;
    /// Held for a whole job: callers on several threads (parallel tests, two sessions)
    /// take turns rather than mixing their jobs.
    pthread_mutex_t running;
};

typedef struct {
    ck_pool *pool;
    int index;
} worker_start;

static void *worker_main(void *argument) {
    worker_start start = *(worker_start *)argument;
    free(argument);
    ck_pool *pool = start.pool;
    uint64_t seen = 0;
    for (;;) {
        uint64_t generation;
        int spins = 0;
        while ((generation = atomic_load(&pool->generation)) == seen) {
            if (atomic_load(&pool->stopping)) return NULL;
            if (++spins < SPINS_BEFORE_SLEEP) {
                CK_PAUSE();
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
        pool->job(pool->context, start.index, pool->threads);
        atomic_fetch_sub_explicit(&pool->pending, 1, memory_order_release);
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

void ck_pool_run(ck_pool *pool, void (*job)(void *, int, int), void *context) {
    if (!pool || pool->threads == 1) {
        job(context, 0, 1);
        return;
    }
    pthread_mutex_lock(&pool->running);
    pool->job = job;
    pool->context = context;
    atomic_store(&pool->pending, pool->threads - 1);
    atomic_fetch_add(&pool->generation, 1);
    // Sequentially consistent with the sleepers' increment: either a worker about to
    // sleep sees the new generation, or this sees it as a sleeper and wakes it.
    if (atomic_load(&pool->sleepers) > 0) {
        pthread_mutex_lock(&pool->mutex);
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->mutex);
    }
    job(context, 0, pool->threads);
    while (atomic_load_explicit(&pool->pending, memory_order_acquire) > 0) CK_PAUSE();
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
