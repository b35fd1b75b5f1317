// The counting hooks of `perpx bench tick-to-wire` (tick_to_wire.hpp): a
// replacement global operator new/delete that counts allocations, and
// interposed socket, wait and mutex calls that count themselves and stamp
// the first read of an event. Linked into the perpx executable only
// (apps/perpx/CMakeLists.txt), never into the app library, so test binaries
// that replace operator new themselves are unaffected.
//
// Every hook does the real work first and counts only when the calling
// thread's probe is armed (one thread-local load otherwise). The socket
// calls go straight to the kernel (syscall(2)); the mutex lock tries first
// and counts a wait only when the mutex was held.
#include <pthread.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <new>

#include "tick_to_wire.hpp"

namespace {

using perpx::app::t2w::t_probe;

struct MarkLinked {
  MarkLinked() { perpx::app::t2w::g_hooks_linked.store(true, std::memory_order_relaxed); }
} mark_linked;

inline int64_t now_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

inline void count_alloc() noexcept {
  if (t_probe.armed && t_probe.first_read_ns != 0) ++t_probe.allocs;
}

void* counted_alloc(std::size_t size) noexcept {
  count_alloc();
  return std::malloc(size == 0 ? 1 : size);
}

void* counted_alloc_aligned(std::size_t size, std::align_val_t align) noexcept {
  count_alloc();
  auto a = static_cast<std::size_t>(align);
  if (a < sizeof(void*)) a = sizeof(void*);
  void* p = nullptr;
  if (posix_memalign(&p, a, size == 0 ? 1 : size) != 0) return nullptr;
  return p;
}

void* or_throw(void* p) {
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

// A read that returned data: the first one of an armed window stamps it.
inline void count_read(long r) noexcept {
  if (!t_probe.armed) return;
  if (t_probe.first_read_ns == 0) {
    if (r <= 0) return;  // a speculative read that found nothing is not the frame's arrival
    t_probe.first_read_ns = now_ns();
  }
  ++t_probe.reads;
}
inline void count_write() noexcept {
  if (t_probe.armed && t_probe.first_read_ns != 0) ++t_probe.writes;
}
inline void count_wait() noexcept {
  if (t_probe.armed && t_probe.first_read_ns != 0) ++t_probe.waits;
}

}  // namespace

void* operator new(std::size_t n) { return or_throw(counted_alloc(n)); }
void* operator new[](std::size_t n) { return or_throw(counted_alloc(n)); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void* operator new(std::size_t n, std::align_val_t a) { return or_throw(counted_alloc_aligned(n, a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return or_throw(counted_alloc_aligned(n, a)); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept { return counted_alloc_aligned(n, a); }
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept { return counted_alloc_aligned(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }

#if defined(__linux__) && defined(__x86_64__)
// Interposed libc entry points (the executable's definitions win over
// libc's for every caller in the process). Each is the plain system call.
extern "C" {

ssize_t read(int fd, void* buf, size_t n) {
  const long r = syscall(SYS_read, fd, buf, n);
  count_read(r);
  return r;
}
ssize_t recv(int fd, void* buf, size_t n, int flags) {
  const long r = syscall(SYS_recvfrom, fd, buf, n, flags, nullptr, nullptr);
  count_read(r);
  return r;
}
ssize_t recvmsg(int fd, struct msghdr* msg, int flags) {
  const long r = syscall(SYS_recvmsg, fd, msg, flags);
  count_read(r);
  return r;
}
ssize_t write(int fd, const void* buf, size_t n) {
  count_write();
  return syscall(SYS_write, fd, buf, n);
}
ssize_t writev(int fd, const struct iovec* iov, int count) {
  count_write();
  return syscall(SYS_writev, fd, iov, count);
}
ssize_t send(int fd, const void* buf, size_t n, int flags) {
  count_write();
  return syscall(SYS_sendto, fd, buf, n, flags, nullptr, 0);
}
ssize_t sendmsg(int fd, const struct msghdr* msg, int flags) {
  count_write();
  return syscall(SYS_sendmsg, fd, msg, flags);
}
int epoll_wait(int epfd, struct epoll_event* events, int max, int timeout) {
  count_wait();
  return static_cast<int>(syscall(SYS_epoll_wait, epfd, events, max, timeout));
}
int poll(struct pollfd* fds, nfds_t n, int timeout) {
  count_wait();
  return static_cast<int>(syscall(SYS_poll, fds, n, timeout));
}

// glibc's own implementation, under the compatibility names it still
// exports (bound by symbol version: they are not linkable by plain name).
int perpx_real_mutex_lock(pthread_mutex_t* m);
int perpx_real_mutex_trylock(pthread_mutex_t* m);
__asm__(".symver perpx_real_mutex_lock, __pthread_mutex_lock@GLIBC_2.2.5");
__asm__(".symver perpx_real_mutex_trylock, __pthread_mutex_trylock@GLIBC_2.2.5");
int pthread_mutex_lock(pthread_mutex_t* m) {
  if (!t_probe.armed) return perpx_real_mutex_lock(m);
  const int r = perpx_real_mutex_trylock(m);
  if (r != EBUSY) return r;
  if (t_probe.first_read_ns != 0) ++t_probe.lock_waits;
  return perpx_real_mutex_lock(m);
}

}  // extern "C"
#endif
