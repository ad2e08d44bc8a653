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

/// One readiness report from `kiln_epoll_wait`: the caller's token and the epoll event
/// bits. glibc declares `struct epoll_event` packed on x86-64, which Swift cannot lay out
/// reliably, so events cross into Swift through this plain struct instead.
struct kiln_epoll_report {
    unsigned long long token;
    unsigned int events;
};

/// Event bits, re-exported because Swift does not import the EPOLL* enum as plain ints.
enum {
    KILN_EPOLLIN = 0x001,
    KILN_EPOLLOUT = 0x004,
    KILN_EPOLLERR = 0x008,
    KILN_EPOLLHUP = 0x010,
};

/// epoll_create1(EPOLL_CLOEXEC). Returns the descriptor, or -1 with errno.
int kiln_epoll_create(void);

/// epoll_ctl ADD (op 0), MOD (op 1) or DEL (op 2) of `fd` with level-triggered `events`
/// and `token` handed back with each report. Returns 0, or -1 with errno.
int kiln_epoll_control(int epfd, int op, int fd, unsigned int events, unsigned long long token);

/// epoll_wait without blocking: fills at most `capacity` reports. Returns their count
/// (0 when nothing is ready), or -1 with errno.
int kiln_epoll_poll(int epfd, struct kiln_epoll_report *reports, int capacity);
