/*
 * The Linux sandbox: no_new_privs, then a seccomp filter that lets through
 * the system calls tund makes once running (the data path, libevent, the
 * control socket, capture files, the resolver, logging) and fails every
 * other with EPERM; ioctl(2) only for FIONREAD, FIONBIO and TCGETS, so not
 * TIOCSTI on a terminal the daemon was started from, nor any device's
 * own requests.  EPERM rather than a kill: a call the list missed in
 * some corner of libc shows up as a logged error, not a dead tunnel, and
 * the calls that matter to an attacker (execve, ptrace, mount, bpf, ...)
 * are refused either way.
 *
 * The sanitizers' runtimes make calls of their own at unpredictable
 * times; their builds get no_new_privs but no filter.
 */
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <termios.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "sandbox.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED	1
#endif
#endif

#if defined(__x86_64__)
#define FILTER_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define FILTER_ARCH	AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define FILTER_ARCH	AUDIT_ARCH_I386
#elif defined(__riscv) && __riscv_xlen == 64
#define FILTER_ARCH	AUDIT_ARCH_RISCV64
#endif

/* The list: architectures lack some calls, hence the guards. */
static const int allowed[] = {
	/* memory, threads, time */
	SYS_brk, SYS_mmap, SYS_munmap, SYS_mprotect, SYS_mremap, SYS_madvise,
	SYS_futex, SYS_clone, SYS_set_robust_list, SYS_sched_yield,
	SYS_sched_getaffinity, SYS_nanosleep, SYS_clock_nanosleep,
	SYS_clock_gettime, SYS_gettimeofday, SYS_getrandom, SYS_gettid,
	SYS_getpid, SYS_getuid, SYS_geteuid, SYS_getgid, SYS_getegid,
	SYS_exit, SYS_exit_group, SYS_rt_sigaction, SYS_rt_sigprocmask,
	SYS_rt_sigreturn, SYS_sigaltstack, SYS_tgkill, SYS_restart_syscall,
	SYS_prlimit64, SYS_uname, SYS_membarrier, SYS_wait4,
#ifdef SYS_clone3
	SYS_clone3,
#endif
#ifdef SYS_rseq
	SYS_rseq,
#endif
#ifdef SYS_time
	SYS_time,
#endif
	/* descriptors and files: the device, capture files, /etc, /sys */
	SYS_read, SYS_write, SYS_readv, SYS_writev, SYS_pread64, SYS_close,
	SYS_fcntl, SYS_lseek, SYS_openat, SYS_fstat, SYS_newfstatat,
	SYS_statx, SYS_fsync, SYS_fdatasync, SYS_dup, SYS_pipe2,
	SYS_eventfd2, SYS_getdents64, SYS_faccessat,
	SYS_readlinkat,
#ifdef SYS_open
	SYS_open, SYS_stat, SYS_lstat, SYS_access, SYS_readlink,
#endif
#ifdef SYS_faccessat2
	SYS_faccessat2,
#endif
	/* readiness */
	SYS_epoll_ctl, SYS_epoll_pwait, SYS_epoll_create1, SYS_ppoll,
	SYS_pselect6,
#ifdef SYS_epoll_wait
	SYS_epoll_wait, SYS_poll, SYS_select,
#endif
#ifdef SYS_epoll_pwait2
	SYS_epoll_pwait2,
#endif
	/* sockets: UDP, the control socket, DNS, syslog */
	SYS_socket, SYS_connect, SYS_bind, SYS_accept4, SYS_shutdown,
	SYS_sendto, SYS_recvfrom, SYS_sendmsg, SYS_recvmsg, SYS_sendmmsg,
	SYS_recvmmsg, SYS_setsockopt, SYS_getsockopt, SYS_getsockname,
	SYS_getpeername,
#ifdef SYS_accept
	SYS_accept,
#endif
};

#define NALLOWED	(sizeof(allowed) / sizeof(allowed[0]))


#ifdef FILTER_ARCH
/* ioctl(2) only to ask how much there is to read, or about a terminal. */
static const unsigned long ioctls[] = { FIONREAD, FIONBIO, TCGETS };

#define NIOCTLS		(sizeof(ioctls) / sizeof(ioctls[0]))
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG1_LOW	offsetof(struct seccomp_data, args[1])
#else
#define ARG1_LOW	(offsetof(struct seccomp_data, args[1]) + 4)
#endif

/*
 * The program, in this order (BPF jumps only forward):
 *	the architecture, else DENY; the call's number; x32, else DENY;
 *	ioctl: to IOCTL; one comparison per allowed call: to ALLOW;
 *	DENY; IOCTL: its request against the list, to ALLOW, else DENY;
 *	ALLOW.
 */
#define AT_CALLS	5
#define AT_DENY		(AT_CALLS + NALLOWED)
#define AT_IOCTL	(AT_DENY + 1)
#define AT_ALLOW	(AT_IOCTL + 2 + NIOCTLS)
#define PROG_LEN	(AT_ALLOW + 1)
#define DENY		(SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))
/* Jumps are 8 bits: the first check must reach DENY. */
_Static_assert(AT_DENY - 2 <= 255, "too many calls for one jump");

static struct sock_filter
jump(size_t at, unsigned k, size_t to_true, size_t to_false)
{
	struct sock_filter	j = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, 0, 0);

	j.jt = to_true == 0 ? 0 : (uint8_t)(to_true - at - 1);
	j.jf = to_false == 0 ? 0 : (uint8_t)(to_false - at - 1);
	return j;
}

static struct sock_filter
load(size_t off)
{
	struct sock_filter	l = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0);

	l.k = (uint32_t)off;
	return l;
}

static struct sock_filter
ret(uint32_t action)
{
	struct sock_filter	r = BPF_STMT(BPF_RET | BPF_K, 0);

	r.k = action;
	return r;
}

static int
install_filter(void)
{
	struct sock_filter	f[PROG_LEN];
	struct sock_fprog	prog;
	size_t			i;

	f[0] = load(offsetof(struct seccomp_data, arch));
	f[1] = jump(1, FILTER_ARCH, 0, AT_DENY);
	f[2] = load(offsetof(struct seccomp_data, nr));
	/* x32's numbers on x86_64 carry bit 30: not ours either way. */
	f[3] = jump(3, 0x40000000, AT_DENY, 0);
	f[3].code = BPF_JMP | BPF_JGE | BPF_K;
	f[4] = jump(4, SYS_ioctl, AT_IOCTL, 0);
	for (i = 0; i < NALLOWED; i++)
		f[AT_CALLS + i] = jump(AT_CALLS + i, (unsigned)allowed[i],
		    AT_ALLOW, 0);
	f[AT_DENY] = ret(DENY);
	f[AT_IOCTL] = load(ARG1_LOW);
	for (i = 0; i < NIOCTLS; i++)
		f[AT_IOCTL + 1 + i] = jump(AT_IOCTL + 1 + i,
		    (unsigned)ioctls[i], AT_ALLOW, 0);
	f[AT_IOCTL + 1 + NIOCTLS] = ret(DENY);
	f[AT_ALLOW] = ret(SECCOMP_RET_ALLOW);
	prog.len = PROG_LEN;
	prog.filter = f;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == -1) {
		log_warn("seccomp filter");
		return -1;
	}
	log_debug("seccomp filter: %zu system calls", NALLOWED + 1);
	return 0;
}
#else
static int
install_filter(void)
{
	log_info("no seccomp filter on this architecture");
	return 0;
}
#endif

int
sandbox_enter(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		log_warn("no_new_privs");
		return -1;
	}
#ifdef SANITIZED
	log_info("no seccomp filter in a sanitizer build");
	return 0;
#endif
	return install_filter();
}

int
sandbox_filters(void)
{
#if defined(FILTER_ARCH) && !defined(SANITIZED)
	return 1;
#else
	return 0;
#endif
}
