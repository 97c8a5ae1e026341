// A persistent worker pool for the GEMM driver, plus the few atomics and the
// per-thread scratch memory it needs.
//
// Why not Dispatch: `concurrentPerform` wakes pool threads through the kernel on
// every call and offers no barrier, so a GEMM had to pack B on one thread and
// pay a hand-off per depth block; at 256-512 that hand-off and the serial
// packing were a large share of the product. Here workers spin briefly after a
// job (back-to-back products find them awake), then sleep on a condition
// variable. A job is one call; the caller starts on it at once and workers join
// while it is open, so a job must share its work out on demand (atomic
// counters), never wait for a given worker.
#include "CArborKernels.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define CPU_RELAX() __asm__ __volatile__("yield")
#else
#define CPU_RELAX() ((void)0)
#endif

enum { MAX_THREADS = 256, SPIN_NANOSECONDS = 500000 };

// The gate of the current job: generation << 16 | CLOSED | number of workers joined.
// A worker joins only an open job of the generation it saw, so a worker that wakes
// late (the machine is busy) never holds a job up: the caller closes the gate when
// its own share is done and waits only for those who joined.
#define GATE_CLOSED ((long)1 << 15)
#define GATE_COUNT ((long)GATE_CLOSED - 1)

static pthread_mutex_t job_lock = PTHREAD_MUTEX_INITIALIZER;  // one job at a time
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static int started_threads;                                   // guarded by job_lock
static atomic_long generation;
static atomic_long gate;
static atomic_int finished;
static arbor_parallel_fn job_function;
static void *job_context;
static atomic_int job_workers;  // read by `join` before it holds a place

static uint64_t now_nanoseconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

void arbor_spin_pause(unsigned spins) {
    if (spins < 2048) CPU_RELAX(); else sched_yield();
}

/// Joins the job of generation `seen` if it is still open; returns the worker
/// index (1...), or 0 when the job is closed, full or already replaced.
static int join(long seen) {
    long state = atomic_load_explicit(&gate, memory_order_acquire);
    for (;;) {
        long limit = atomic_load_explicit(&job_workers, memory_order_relaxed);
        if ((state >> 16) != seen || (state & GATE_CLOSED) || (state & GATE_COUNT) + 1 >= limit) return 0;
        if (atomic_compare_exchange_weak_explicit(&gate, &state, state + 1, memory_order_acq_rel,
                                                  memory_order_acquire)) {
            return (int)(state & GATE_COUNT) + 1;
        }
    }
}

static void *worker_main(void *argument) {
    (void)argument;
    long seen = 0;
    for (;;) {
        long current;
        uint64_t spin_start = now_nanoseconds();
        unsigned spins = 0;
        while ((current = atomic_load_explicit(&generation, memory_order_acquire)) == seen) {
            CPU_RELAX();
            if (++spins % 256 == 0 && now_nanoseconds() - spin_start > SPIN_NANOSECONDS) {
                pthread_mutex_lock(&sleep_lock);
                while ((current = atomic_load_explicit(&generation, memory_order_acquire)) == seen) {
                    pthread_cond_wait(&wake, &sleep_lock);
                }
                pthread_mutex_unlock(&sleep_lock);
                break;
            }
        }
        seen = current;
        int index = join(current);
        if (index > 0) {
            job_function(job_context, index, atomic_load_explicit(&job_workers, memory_order_relaxed));
            atomic_fetch_add_explicit(&finished, 1, memory_order_acq_rel);
        }
    }
    return NULL;
}

int arbor_parallel_run(int workers, arbor_parallel_fn function, void *context) {
    if (workers > MAX_THREADS) workers = MAX_THREADS;
    if (workers <= 1 || pthread_mutex_trylock(&job_lock) != 0) {
        // One worker asked for, or another caller (or an enclosing job) holds the pool.
        function(context, 0, 1);
        return 1;
    }
    while (started_threads < workers - 1) {
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&thread, &attributes, worker_main, NULL);
        pthread_attr_destroy(&attributes);
        if (failed) break;
        started_threads++;
    }
    if (workers > started_threads + 1) workers = started_threads + 1;
    job_function = function;
    job_context = context;
    atomic_store_explicit(&job_workers, workers, memory_order_relaxed);
    atomic_store_explicit(&finished, 0, memory_order_relaxed);
    long next = atomic_load_explicit(&generation, memory_order_relaxed) + 1;
    atomic_store_explicit(&gate, next << 16, memory_order_release);
    pthread_mutex_lock(&sleep_lock);
    atomic_store_explicit(&generation, next, memory_order_release);
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&sleep_lock);

    function(context, 0, workers);
    long joined = atomic_fetch_or_explicit(&gate, GATE_CLOSED, memory_order_acq_rel) & GATE_COUNT;
    for (unsigned spins = 0; atomic_load_explicit(&finished, memory_order_acquire) < joined; spins++) {
        arbor_spin_pause(spins);
    }
    pthread_mutex_unlock(&job_lock);
    return workers;
}

long arbor_atomic_load(const long *value) {
    return atomic_load_explicit((const _Atomic long *)value, memory_order_acquire);
}

long arbor_atomic_fetch_add(long *counter, long value) {
    return atomic_fetch_add_explicit((_Atomic long *)counter, value, memory_order_acq_rel);
}

// MARK: Per-thread scratch

enum { SCRATCH_SLOTS = 4 };

struct scratch {
    void *memory[SCRATCH_SLOTS];
    size_t bytes[SCRATCH_SLOTS];
};

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_free(void *pointer) {
    struct scratch *s = pointer;
    for (int i = 0; i < SCRATCH_SLOTS; i++) free(s->memory[i]);
    free(s);
}

static void scratch_make_key(void) { pthread_key_create(&scratch_key, scratch_free); }

void *arbor_scratch(int slot, size_t bytes) {
    if (slot < 0 || slot >= SCRATCH_SLOTS) return NULL;
    pthread_once(&scratch_once, scratch_make_key);
    struct scratch *s = pthread_getspecific(scratch_key);
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s) return NULL;
        pthread_setspecific(scratch_key, s);
    }
    if (s->bytes[slot] < bytes) {
        free(s->memory[slot]);
        s->memory[slot] = NULL;
        s->bytes[slot] = 0;
        void *memory = NULL;
        if (posix_memalign(&memory, 64, bytes) != 0) return NULL;
        s->memory[slot] = memory;
        s->bytes[slot] = bytes;
    }
    return s->memory[slot];
}
