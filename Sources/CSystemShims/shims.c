#define _GNU_SOURCE
#include <stdlib.h>
#include <sched.h>
#include <sys/socket.h>
#include "CSystemShims.h"

int kiln_accept_nonblocking(int listen_fd) {
    return accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int kiln_affinity_cpu_count(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return 0;
    return CPU_COUNT(&set);
}

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile int kiln_signal_fd = -1;

static void kiln_on_signal(int sig) {
    int saved = errno;  /* async-signal-safe: only write(2) */
    unsigned char byte = (unsigned char)sig;
    ssize_t ignored = write(kiln_signal_fd, &byte, 1);
    (void)ignored;
    errno = saved;
}

int kiln_install_signal_pipe(int write_fd, const int *signals, int count) {
    kiln_signal_fd = write_fd;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = kiln_on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (int i = 0; i < count; i++) {
        if (sigaction(signals[i], &sa, NULL) != 0) return -1;
    }
    return 0;
}

int kiln_cpu_has_avx2_fma(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 1;
#endif
}

#if defined(__GLIBC__)
#include <malloc.h>
#endif

int kiln_keep_freed_memory(long mmap_threshold, long trim_threshold, int arena_max) {
#if defined(__GLIBC__)
    // Setting either value turns off glibc's dynamic threshold, which would otherwise only
    // adapt after a block has been freed once (and keeps trimming the heap top meanwhile).
    int ok = mallopt(M_MMAP_THRESHOLD, (int)mmap_threshold);
    ok &= mallopt(M_TRIM_THRESHOLD, (int)trim_threshold);
    // Each malloc arena keeps what it has freed, and glibc gives up to 8 per core to the
    // threads that allocate (event loops, compute threads): the same request buffers were
    // kept once per arena. An operator's MALLOC_ARENA_MAX wins.
    if (arena_max > 0 && getenv("MALLOC_ARENA_MAX") == NULL) ok &= mallopt(M_ARENA_MAX, arena_max);
    return ok ? 1 : 0;
#else
    (void)mmap_threshold; (void)trim_threshold; (void)arena_max;
    return 0;
#endif
}

#include <sys/epoll.h>

int kiln_epoll_create(void) {
    return epoll_create1(EPOLL_CLOEXEC);
}

int kiln_epoll_control(int epfd, int op, int fd, unsigned int events, unsigned long long token) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.events = events;
    ev.data.u64 = token;
    int ops[3] = {EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLL_CTL_DEL};
    if (op < 0 || op > 2) {
        errno = EINVAL;
        return -1;
    }
    return epoll_ctl(epfd, ops[op], fd, &ev);
}

int kiln_epoll_poll(int epfd, struct kiln_epoll_report *reports, int capacity) {
    struct epoll_event events[256];
    if (capacity > 256) capacity = 256;
    int n;
    do {
        n = epoll_wait(epfd, events, capacity, 0);
    } while (n < 0 && errno == EINTR);
    for (int i = 0; i < n; i++) {
        reports[i].token = events[i].data.u64;
        reports[i].events = events[i].events;
    }
    return n;
}
