#pragma once
// GNU extensions that Swift's Glibc module does not expose (they need _GNU_SOURCE).
#include <sys/socket.h>

/// accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC: one syscall instead of accept + 2 fcntl.
int kiln_accept_nonblocking(int listen_fd);

/// CPUs in this process's affinity mask (sched_getaffinity), or 0 if unknown.
int kiln_affinity_cpu_count(void);
