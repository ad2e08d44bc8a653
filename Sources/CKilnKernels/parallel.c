// A small fork-join pool for the engine's kernels (CKilnKernels.h, kiln_parallel_run).
//
// Why not DispatchQueue.concurrentPerform: on Linux its workers sleep between calls, and
// waking one costs tens of microseconds, paid by every split GEMM band and element-wise
// pass; with two threads MobileNetV2 at batch 8 ran slower than with one. Here helpers
// spin for a while after each job (as onnxruntime's pool does), then sleep on a condition
// variable.
//
// A job is published as one 64-bit word: generation << 32 | joined << 16 | next part.
// Helpers join (take a slot) and claim parts by compare-and-swap on that word, so a helper
// holding a stale view of a finished job can never join or claim a part of the next one;
// before rewriting the job's fields the submitter marks the word CLOSED, so nobody claims
// while they change. A job may have more parts than participants: each takes the next
// unclaimed part when done with its last, so a thread on a slow (shared, throttled) core
// does fewer parts instead of holding everyone up at the join.
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include "CKilnKernels.h"

#define CLOSED 0xFFFFu
#define ONE_JOINED (UINT64_C(1) << 16)
#define MAX_HELPERS 31
#define SPIN_NANOSECONDS 300000

static pthread_mutex_t submit_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sleep_cond = PTHREAD_COND_INITIALIZER;
static _Atomic uint64_t state = CLOSED;
static _Atomic int done;
static _Atomic int sleepers;
static int helpers;
// A helper may read these while the submitter rewrites them for the next job (it then
// fails to join or claim: see above), so they are atomics; relaxed, since the release
// store and compare-and-swap on `state` order them. Plain fields would be a C11 data race
// (ThreadSanitizer reports it) even though no stale value is ever used.
static _Atomic(kiln_parallel_fn) job_fn;
static _Atomic(void *) job_ctx;
static _Atomic int job_parts;
static _Atomic int job_workers;

static inline uint32_t generation_of(uint64_t s) { return (uint32_t)(s >> 32); }
static inline uint32_t joined_of(uint64_t s) { return (uint32_t)(s >> 16) & 0xFFFFu; }
static inline uint32_t next_of(uint64_t s) { return (uint32_t)s & 0xFFFFu; }

static inline void relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/// Claims and runs parts of the job published as `seen` until none is left, as `slot`, or
/// (slot < 0) after joining the job as its next participant if it still takes one.
static void work_on(uint64_t seen, int slot) {
    const kiln_parallel_fn fn = atomic_load_explicit(&job_fn, memory_order_relaxed);
    void *const ctx = atomic_load_explicit(&job_ctx, memory_order_relaxed);
    const uint32_t parts = (uint32_t)atomic_load_explicit(&job_parts, memory_order_relaxed);
    const uint32_t workers = (uint32_t)atomic_load_explicit(&job_workers, memory_order_relaxed);
    uint64_t s = seen;
    for (;;) {
        const uint32_t part = next_of(s);
        // The word may already belong to the next job (fn/ctx/parts are this one's).
        if (generation_of(s) != generation_of(seen) || part == CLOSED || part >= parts) return;
        if (slot < 0) {
            if (joined_of(s) >= workers) return;
            // Succeeds only while this very job is open, which proves the fields above.
            if (atomic_compare_exchange_weak(&state, &s, s + ONE_JOINED)) {
                slot = (int)joined_of(s);
                s += ONE_JOINED;
            }
            continue;
        }
        // Succeeds only while this very job still has part `part` unclaimed.
        if (atomic_compare_exchange_weak(&state, &s, s + 1)) {
            fn(ctx, (int)part, slot);
            atomic_fetch_add_explicit(&done, 1, memory_order_release);
            s = atomic_load_explicit(&state, memory_order_acquire);
        }
    }
}

static void *helper_main(void *unused) {
    (void)unused;
    uint64_t last_generation = generation_of(atomic_load(&state));
    for (;;) {
        uint64_t s = atomic_load_explicit(&state, memory_order_acquire);
        const uint64_t start = now_ns();
        unsigned spins = 0;
        while (generation_of(s) == last_generation || next_of(s) == CLOSED) {
            relax();
            if (++spins % 256 == 0 && now_ns() - start > SPIN_NANOSECONDS) {
                atomic_fetch_add(&sleepers, 1);
                pthread_mutex_lock(&sleep_lock);
                while (generation_of(atomic_load(&state)) == last_generation) pthread_cond_wait(&sleep_cond, &sleep_lock);
                pthread_mutex_unlock(&sleep_lock);
                atomic_fetch_sub(&sleepers, 1);
            }
            s = atomic_load_explicit(&state, memory_order_acquire);
        }
        last_generation = generation_of(s);
        work_on(s, -1);
    }
    return NULL;
}

// Set by a caller that holds one core only (an execution of an elastic model while others
// wait): its jobs run inline, so the helpers stay free for whoever holds the other cores.
static _Thread_local int inline_only;

void kiln_parallel_set_inline(int on) { inline_only = on; }

void kiln_parallel_run(int parts, int workers, kiln_parallel_fn fn, void *ctx) {
    if (parts <= 0) return;
    if (workers > parts) workers = parts;
    // One job at a time; a nested or concurrent call (the pool is busy, so are the cores)
    // runs its parts inline, as does a caller that asked to.
    if (workers <= 1 || parts >= (int)CLOSED || inline_only || pthread_mutex_trylock(&submit_lock) != 0) {
        for (int p = 0; p < parts; p++) fn(ctx, p, 0);
        return;
    }
    while (helpers < workers - 1 && helpers < MAX_HELPERS) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &attr, helper_main, NULL) != 0) {
            pthread_attr_destroy(&attr);
            break;
        }
        pthread_attr_destroy(&attr);
        helpers++;
    }
    const uint64_t generation = (uint64_t)generation_of(atomic_load(&state)) + 1;
    atomic_store(&state, (generation << 32) | CLOSED);
    atomic_store_explicit(&job_fn, fn, memory_order_relaxed);
    atomic_store_explicit(&job_ctx, ctx, memory_order_relaxed);
    atomic_store_explicit(&job_parts, parts, memory_order_relaxed);
    atomic_store_explicit(&job_workers, workers, memory_order_relaxed);
    atomic_store(&done, 0);
    const uint64_t open = (generation << 32) | ONE_JOINED;  // the caller is slot 0
    atomic_store_explicit(&state, open, memory_order_release);
    if (atomic_load(&sleepers) > 0) {
        pthread_mutex_lock(&sleep_lock);
        pthread_cond_broadcast(&sleep_cond);
        pthread_mutex_unlock(&sleep_lock);
    }
    work_on(open, 0);
    while (atomic_load_explicit(&done, memory_order_acquire) < parts) relax();
    pthread_mutex_unlock(&submit_lock);
}
