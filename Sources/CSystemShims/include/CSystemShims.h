#pragma once
// GNU extensions that Swift's Glibc module does not expose (they need _GNU_SOURCE).
#include <sys/socket.h>

/// accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC: one syscall instead of accept + 2 fcntl.
int kiln_accept_nonblocking(int listen_fd);

/// CPUs in this process's affinity mask (sched_getaffinity), or 0 if unknown.
int kiln_affinity_cpu_count(void);

/// Installs a handler for each signal in `signals` that writes the signal number (one
/// byte) to `write_fd`: the self-pipe trick, so a signal that arrives before anyone is
/// listening still waits in the pipe instead of being lost. Returns 0, or -1 with errno.
int kiln_install_signal_pipe(int write_fd, const int *signals, int count);

/// 1 when the CPU supports AVX2 and FMA (what a Haswell-targeted build needs), else 0.
int kiln_cpu_has_avx2_fma(void);

/// Keeps freed memory in the process for reuse instead of handing it back to the kernel:
/// large blocks (request bodies, tensors, plan arenas) come from the heap rather than fresh
/// mmap()s, whose pages the kernel must fault in and zero on every request. Blocks above
/// `mmap_threshold` bytes still use mmap; the heap is trimmed only above `trim_threshold`;
/// at most `arena_max` malloc arenas (when > 0 and MALLOC_ARENA_MAX is not set), since each
/// keeps its own freed memory. Returns 1 if glibc accepted every setting (0 elsewhere).
int kiln_keep_freed_memory(long mmap_threshold, long trim_threshold, int arena_max);
