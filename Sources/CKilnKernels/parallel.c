// A small fork-join pool for the engine's kernels (CKilnKernels.h, kiln_parallel_run).
//
// Why not DispatchQueue.concurrentPerform: on Linux its workers sleep between calls, and
// waking one costs tens of microseconds, paid by every split GEMM band and element-wise
// pass; with two threads MobileNetV2 at batch 8 ran slower than with one. Here helpers
// spin for a while after each job (as onnxruntime's pool does), then sleep on a condition
// variable.
//
// A job is published as one 64-bit word, generation << 32 | next part. Parts are claimed
// by compare-and-swap on that word, so a helper holding a stale view of a finished job can
// never claim a part of the next one; before rewriting the job's fields the submitter
// marks the word CLOSED, so nobody claims while they change.
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include "CKilnKernels.h"

#define CLOSED 0xFFFFFFFFu
#define MAX_HELPERS 31
#define SPIN_NANOSECONDS 300000

static pthread_mutex_t submit_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sleep_cond = PTHREAD_COND_INITIALIZER;
static _Atomic uint64_t state = CLOSED;
static _Atomic int done;
static _Atomic int sleepers;
static int helpers;
static kiln_parallel_fn job_fn;
static void *job_ctx;
static int job_parts;

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

/// Claims and runs parts of the job published as `seen` until none is left.
static void work_on(uint64_t seen) {
    const kiln_parallel_fn fn = job_fn;
    void *const ctx = job_ctx;
    const uint32_t parts = (uint32_t)job_parts;
    uint64_t s = seen;
    for (;;) {
        const uint32_t part = (uint32_t)s;
        // The word may already belong to the next job (fn/ctx/parts are this one's).
        if ((s >> 32) != (seen >> 32) || part == CLOSED || part >= parts) return;
        // Succeeds only while this very job still has part `part` unclaimed, which also
        // proves fn/ctx/parts above were this job's.
        if (atomic_compare_exchange_weak(&state, &s, s + 1)) {
            fn(ctx, (int)part);
            atomic_fetch_add_explicit(&done, 1, memory_order_release);
            s = atomic_load_explicit(&state, memory_order_acquire);
        }
    }
}

static void *helper_main(void *unused) {
    (void)unused;
    uint64_t last_generation = atomic_load(&state) >> 32;
    for (;;) {
        uint64_t s = atomic_load_explicit(&state, memory_order_acquire);
        const uint64_t start = now_ns();
        unsigned spins = 0;
        while ((s >> 32) == last_generation || (uint32_t)s == CLOSED) {
            relax();
            if (++spins % 256 == 0 && now_ns() - start > SPIN_NANOSECONDS) {
                atomic_fetch_add(&sleepers, 1);
                pthread_mutex_lock(&sleep_lock);
                while ((atomic_load(&state) >> 32) == last_generation) pthread_cond_wait(&sleep_cond, &sleep_lock);
                pthread_mutex_unlock(&sleep_lock);
                atomic_fetch_sub(&sleepers, 1);
            }
            s = atomic_load_explicit(&state, memory_order_acquire);
        }
        last_generation = s >> 32;
        work_on(s);
    }
    return NULL;
}

// Set by a caller that holds one core only (an execution of an elastic model while others
// wait): its jobs run inline, so the helpers stay free for whoever holds the other cores.
static _Thread_local int inline_only;

void kiln_parallel_set_inline(int on) { inline_only = on; }

void kiln_parallel_run(int parts, kiln_parallel_fn fn, void *ctx) {
    if (parts <= 0) return;
    // One job at a time; a nested or concurrent call (the pool is busy, so are the cores)
    // runs its parts inline, as does a caller that asked to.
    if (parts == 1 || inline_only || pthread_mutex_trylock(&submit_lock) != 0) {
        for (int p = 0; p < parts; p++) fn(ctx, p);
        return;
    }
    while (helpers < parts - 1 && helpers < MAX_HELPERS) {
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
    const uint64_t generation = (atomic_load(&state) >> 32) + 1;
    atomic_store(&state, (generation << 32) | CLOSED);
    job_fn = fn;
    job_ctx = ctx;
    job_parts = parts;
    atomic_store(&done, 0);
    const uint64_t open = generation << 32;
    atomic_store_explicit(&state, open, memory_order_release);
    if (atomic_load(&sleepers) > 0) {
        pthread_mutex_lock(&sleep_lock);
        pthread_cond_broadcast(&sleep_cond);
        pthread_mutex_unlock(&sleep_lock);
    }
    work_on(open);
    while (atomic_load_explicit(&done, memory_order_acquire) < parts) relax();
    pthread_mutex_unlock(&submit_lock);
}
