/*
 * gantry-shim -- the node agent's per-container shim and its loopback hook, in one small binary.
 *
 *   gantry-shim run DIR BUNDLE ID KEEP RUNTIME [RUNTIME-ARGS...]     (then "go OOMFILE" on stdin)
 *   gantry-shim loopback-up            (an OCI createRuntime hook; container state on stdin)
 *   gantry-shim version
 *
 * "run" does exactly what OciCliRuntime's shell shim (SHIM_SCRIPT, run as
 * `setsid /bin/sh -c SCRIPT ...`) does, without the two execs of setsid and sh:
 *
 *   1. setsid(): its own session, so that a Ctrl-C or a process-group kill aimed at the agent
 *      does not reach the container;
 *   2. SIGPIPE ignored, so the shim survives the agent's end of its stdout going away (an agent
 *      killed with SIGKILL): its reports then fail with EPIPE and are dropped;
 *   3. holds DIR/stdout.fifo and DIR/stderr.fifo open read-write, so the container never sees
 *      EPIPE while no agent reads them (its output waits in the pipe);
 *   4. says "fifos" on stdout, then waits for the agent's "go OOMFILE" line on stdin (OOMFILE
 *      may be empty). The agent starts the shim while it still mounts the rootfs and writes the
 *      bundle, and says go once they are ready; EOF or any other line (the agent gave up, or
 *      died, before the start) ends the shim with 125, nothing run, no exit record;
 *   5. runs `RUNTIME [RUNTIME-ARGS...] run [--keep] --bundle BUNDLE --pid-file DIR/init.pid ID`
 *      with stdin /dev/null and stdout/stderr on the fifos, all signals at their default
 *      disposition and an empty signal mask, and waits for it, saying "pid N" on stdout as soon
 *      as the runtime has written the pid file (inotify on DIR; without inotify it says nothing
 *      and the agent looks for the file itself). Its status is the container's: the exit code,
 *      or 128+N for death by signal N (as sh reports it);
 *   6. reads "oom_kill N" from OOMFILE (the container's memory cgroup counter; empty for none),
 *      writes "RC N\n" to DIR/exit, says "exit RC N" on stdout, then drops the fifos (the agent's
 *      readers see EOF once they have drained them);
 *   7. with KEEP = "1" (runc's run --keep: the cgroup outlived the container so its OOM counter
 *      could be read), runs `RUNTIME ... delete --force ID`, its stderr appended to DIR/shim.err;
 *   8. exits with RC.
 *
 * The shim's own failures go to its stderr (the agent points it at DIR/shim.err); it exits 125
 * when it cannot even hold the fifos, and reports 127 (not found) or 126 (not runnable) as the
 * status when the runtime cannot be started, as sh would.
 *
 * "loopback-up" brings the loopback interface up in a new network namespace: OCI runtimes leave
 * it down, Docker and Podman bring it up. The runtime runs the hook on the host with the
 * container's state JSON on stdin; the hook reads the init's pid from it, joins that process's
 * network namespace with setns(2) and sets IFF_UP on "lo" with SIOCGIFFLAGS/SIOCSIFFLAGS. It
 * replaces `sh -c 'read; nsenter --net=/proc/PID/ns/net ip link set lo up'` (three execs).
 *
 * Built by node-agent's Maven build when a C compiler exists: cc -O2 -Wall -Wextra [-static].
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define SHIM_VERSION "gantry-shim 2"

static const char *prog = "gantry-shim";

static void complain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line on stderr: "gantry-shim[ loopback-up]: message". */
static void complain(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    dprintf(STDERR_FILENO, "%s: %s\n", prog, msg);
}

/* write(2) all of buf; -1 on error (EPIPE when the agent is gone: the caller ignores it). */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* A report line for the agent on stdout; nobody may be listening any more. */
static void say(const char *line)
{
    (void)write_all(STDOUT_FILENO, line, strlen(line));
}

/* DIR/NAME into out (PATH_MAX); exits 125 when it does not fit. */
static void path_in(char *out, const char *dir, const char *name)
{
    int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
    if (n < 0 || n >= PATH_MAX) {
        complain("path too long: %s/%s", dir, name);
        exit(125);
    }
}

static int open_or_complain(const char *path, int flags, mode_t mode)
{
    int fd;
    do {
        fd = open(path, flags | O_CLOEXEC, mode);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
        complain("open %s: %s", path, strerror(errno));
    return fd;
}

/*
 * Starts argv with stdin/stdout/stderr on the given fds, every signal at its default
 * disposition and nothing blocked: the shim itself ignores SIGPIPE, and whatever started it may
 * have left signals ignored or blocked -- a child must inherit none of that. fork + exec rather
 * than posix_spawn: glibc's posix_spawn leaves its two internal real-time signals (32, 33)
 * ignored in the child, and the shim is a small single-threaded process, cheap to fork.
 * Every other fd of the shim is close-on-exec. Returns the pid, or -1 with errno set; if the
 * exec fails the child says why on the shim's stderr and exits 127 (not found) or 126, as sh does.
 */
static pid_t spawn(char *const argv[], int in, int out, int err)
{
    int report = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3); /* the shim's stderr, for exec errors */
    pid_t pid = fork();
    if (pid != 0) {
        if (report >= 0)
            close(report);
        return pid;
    }
    /* the child: raw system calls, since glibc refuses to touch its internal signals */
    for (int sig = 1; sig <= 64; sig++) {
        /* all zero: SIG_DFL, no flags, empty mask, whatever the kernel's struct layout */
        unsigned long kernel_sigaction[4] = {0, 0, 0, 0};
        if (sig != SIGKILL && sig != SIGSTOP)
            syscall(SYS_rt_sigaction, sig, kernel_sigaction, NULL, 8);
    }
    unsigned long none = 0;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, 8);
    if (dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0)
        _exit(125);
    execvp(argv[0], argv);
    int e = errno;
    if (report >= 0)
        dprintf(report, "%s: run %s: %s\n", prog, argv[0], strerror(e));
    _exit(e == ENOENT ? 127 : 126);
}

/* waitpid until pid ends; its status as sh reports it: the exit code, or 128+N for signal N. */
static int wait_status(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) {
            complain("waitpid %d: %s", (int)pid, strerror(errno));
            return 125;
        }
    }
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return 125;
}

/*
 * The "oom_kill" counter of a cgroup file made of "key value" lines (memory.oom_control in
 * cgroup v1, memory.events in v2); 0 when the file or the key is missing.
 */
static unsigned long long oom_kills(const char *file)
{
    char buf[4096];
    unsigned long long n = 0;
    size_t len = 0;
    int fd;

    if (file[0] == '\0')
        return 0;
    fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    while (len < sizeof buf - 1) {
        ssize_t r = read(fd, buf + len, sizeof buf - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    for (char *line = buf; line != NULL && *line != '\0';) {
        char *next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        if (strncmp(line, "oom_kill ", 9) == 0)
            n = strtoull(line + 9, NULL, 10);
        line = next;
    }
    return n;
}

/* The first number in FILE (a pid file), or -1. */
static long read_pid(const char *file)
{
    char buf[32];
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *end;
    long pid = strtol(buf, &end, 10);
    return end == buf || pid <= 0 ? -1 : pid;
}

/* Whether the inotify events in buf[0..n) name "init.pid". */
static int names_pid_file(const char *buf, ssize_t n)
{
    int seen = 0;
    for (const char *p = buf; p < buf + n;) {
        const struct inotify_event *ev = (const struct inotify_event *)p;
        if (ev->len > 0 && strcmp(ev->name, "init.pid") == 0)
            seen = 1;
        p += sizeof *ev + ev->len;
    }
    return seen;
}

/*
 * wait_status(pid) that also says "pid N" once the runtime has written pid_path: SIGCHLD
 * (blocked by the caller before the fork) comes through sfd, the pid file's rename or close
 * through ifd (watching the shim directory). A failed poll falls back to a plain wait. ifd stays
 * open: closing an inotify instance waits for an RCU grace period (~10 ms measured here), so
 * the caller closes it after the exit is reported.
 */
static int wait_run(pid_t pid, int sfd, int ifd, const char *pid_path)
{
    int watching = ifd >= 0;
    for (;;) {
        int st;
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid) {
            if (WIFEXITED(st))
                return WEXITSTATUS(st);
            if (WIFSIGNALED(st))
                return 128 + WTERMSIG(st);
            return 125;
        }
        if (w < 0 && errno != EINTR) {
            complain("waitpid %d: %s", (int)pid, strerror(errno));
            return 125;
        }
        struct pollfd fds[2] = {{sfd, POLLIN, 0}, {watching ? ifd : -1, POLLIN, 0}}; /* poll skips fd -1 */
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            complain("poll: %s", strerror(errno));
            return wait_status(pid);
        }
        if (fds[0].revents != 0) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof si) > 0)
                ;
        }
        if (watching && fds[1].revents != 0) {
            char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
            ssize_t n;
            int seen = 0;
            while ((n = read(ifd, buf, sizeof buf)) > 0)
                seen |= names_pid_file(buf, n);
            long started = seen ? read_pid(pid_path) : -1;
            if (started > 0) {
                char line[64];
                snprintf(line, sizeof line, "pid %ld\n", started);
                say(line);
                watching = 0;
            }
        }
    }
}

/*
 * The agent's go: one line "go" or "go OOMFILE" on stdin, OOMFILE copied into oom (PATH_MAX).
 * -1 on EOF, a read error, any other line or a path too long. Reads in chunks: nothing else
 * ever comes on stdin.
 */
static int read_go(char *oom)
{
    char buf[PATH_MAX + 8];
    size_t len = 0;
    char *nl = NULL;
    while (nl == NULL && len < sizeof buf - 1) {
        ssize_t r = read(STDIN_FILENO, buf + len, sizeof buf - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        len += (size_t)r;
        buf[len] = '\0';
        nl = strchr(buf, '\n');
    }
    if (nl == NULL)
        return -1;
    *nl = '\0';
    if (strcmp(buf, "go") == 0) {
        oom[0] = '\0';
        return 0;
    }
    if (strncmp(buf, "go ", 3) != 0 || strlen(buf + 3) >= PATH_MAX)
        return -1;
    strcpy(oom, buf + 3);
    return 0;
}

static int cmd_run(int argc, char **argv)
{
    /* argv: run DIR BUNDLE ID KEEP RUNTIME [ARGS...] */
    if (argc < 6) {
        complain("usage: %s run DIR BUNDLE ID KEEP RUNTIME [RUNTIME-ARGS...]  (then \"go OOMFILE\" on stdin)", prog);
        return 125;
    }
    const char *dir = argv[1], *bundle = argv[2], *id = argv[3];
    int keep = strcmp(argv[4], "1") == 0;
    char **runtime = argv + 5;
    int nruntime = argc - 5;
    char oom[PATH_MAX];
    char out_path[PATH_MAX], err_path[PATH_MAX], pid_path[PATH_MAX], exit_path[PATH_MAX], shim_err[PATH_MAX];
    char line[128];
    sigset_t none;

    /* Its own session. Fails only for a process group leader, which the agent never starts. */
    if (setsid() < 0)
        complain("setsid: %s (staying in the agent's session)", strerror(errno));
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    path_in(out_path, dir, "stdout.fifo");
    path_in(err_path, dir, "stderr.fifo");
    path_in(pid_path, dir, "init.pid");
    path_in(exit_path, dir, "exit");
    path_in(shim_err, dir, "shim.err");

    /* 3. hold both fifos read-write: a read-write open of a fifo never blocks */
    int hold_out = open_or_complain(out_path, O_RDWR, 0);
    int hold_err = open_or_complain(err_path, O_RDWR, 0);
    if (hold_out < 0 || hold_err < 0)
        return 125;
    say("fifos\n");

    /* 4. the agent's go, once the rootfs and the bundle are ready */
    if (read_go(oom) < 0) {
        complain("no go from the agent on stdin; nothing started");
        close(hold_out);
        close(hold_err);
        return 125;
    }

    /* 5. the runtime's foreground run; the write opens don't block: the shim holds a reader */
    char **args = calloc((size_t)nruntime + 9, sizeof *args);
    if (args == NULL) {
        complain("out of memory");
        return 125;
    }
    int a = 0;
    for (int i = 0; i < nruntime; i++)
        args[a++] = runtime[i];
    args[a++] = "run";
    if (keep)
        args[a++] = "--keep";
    args[a++] = "--bundle";
    args[a++] = (char *)bundle;
    args[a++] = "--pid-file";
    args[a++] = pid_path;
    args[a++] = (char *)id;
    args[a] = NULL;

    /* SIGCHLD through a signalfd and the pid file through inotify, both set up before the fork */
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
    int ifd = sfd < 0 ? -1 : inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (ifd >= 0 && inotify_add_watch(ifd, dir, IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
        close(ifd);
        ifd = -1;
    }

    int rc;
    int devnull = open_or_complain("/dev/null", O_RDWR, 0);
    int out = open_or_complain(out_path, O_WRONLY, 0);
    int err = open_or_complain(err_path, O_WRONLY, 0);
    if (devnull < 0 || out < 0 || err < 0) {
        rc = 125;
    } else {
        pid_t pid = spawn(args, devnull, out, err);
        if (pid < 0) {
            complain("fork for %s: %s", args[0], strerror(errno));
            rc = 125;
        } else {
            close(out);
            close(err);
            out = err = -1;
            rc = sfd >= 0 ? wait_run(pid, sfd, ifd, pid_path) : wait_status(pid);
        }
    }
    if (out >= 0)
        close(out);
    if (err >= 0)
        close(err);

    /* 6. record and report the status, then let go of the fifos (the agent hears the exit while
     *    its pumps still drain, instead of waking up for it after their EOF) */
    unsigned long long n = oom_kills(oom);
    snprintf(line, sizeof line, "%d %llu\n", rc, n);
    int fd = open_or_complain(exit_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        if (write_all(fd, line, strlen(line)) < 0)
            complain("write %s: %s", exit_path, strerror(errno));
        close(fd);
    }
    snprintf(line, sizeof line, "exit %d %llu\n", rc, n);
    say(line);
    close(hold_out);
    close(hold_err);

    /* 7. the kept container (and its cgroup) goes */
    if (keep && devnull >= 0) {
        int errlog = open_or_complain(shim_err, O_WRONLY | O_CREAT | O_APPEND, 0644);
        a = nruntime;
        args[a++] = "delete";
        args[a++] = "--force";
        args[a++] = (char *)id;
        args[a] = NULL;
        pid_t pid = spawn(args, devnull, devnull, errlog >= 0 ? errlog : STDERR_FILENO);
        if (pid < 0)
            complain("fork for delete --force %s: %s", id, strerror(errno));
        else
            (void)wait_status(pid);
        if (errlog >= 0)
            close(errlog);
    }
    /* last: closing the inotify instance waits for an RCU grace period */
    if (ifd >= 0)
        close(ifd);
    if (sfd >= 0)
        close(sfd);
    return rc;
}

/*
 * A strict little JSON reader, just enough to take "pid" out of the OCI state the runtime gives
 * a hook: the whole input must be one well-formed JSON object (RFC 8259 grammar; strings are
 * checked for escapes and control characters, not for valid UTF-8), and its top level must hold
 * exactly one "pid" member whose value is an integer in 1..INT_MAX. A key is compared as written,
 * so an escaped spelling of "pid" is not recognised (runtimes write plain ASCII keys). Nesting
 * deeper than 64 is refused.
 */
struct scan {
    const char *p, *end;
    long pid;
    int pid_seen;
    const char *error;
};

static int fail(struct scan *s, const char *error)
{
    if (s->error == NULL)
        s->error = error;
    return -1;
}

static void skip_ws(struct scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A string at s->p; its raw contents (between the quotes) in *start, *len. */
static int scan_string(struct scan *s, const char **start, size_t *len)
{
    if (s->p >= s->end || *s->p != '"')
        return fail(s, "expected a string");
    const char *b = ++s->p;
    while (s->p < s->end) {
        unsigned char c = (unsigned char)*s->p;
        if (c == '"') {
            *start = b;
            *len = (size_t)(s->p - b);
            s->p++;
            return 0;
        }
        if (c < 0x20)
            return fail(s, "control character in a string");
        if (c == '\\') {
            s->p++;
            if (s->p >= s->end)
                break;
            if (*s->p == 'u') {
                for (int i = 0; i < 4; i++) {
                    s->p++;
                    if (s->p >= s->end || strchr("0123456789abcdefABCDEF", *s->p) == NULL || *s->p == '\0')
                        return fail(s, "bad \\u escape in a string");
                }
            } else if (strchr("\"\\/bfnrt", *s->p) == NULL || *s->p == '\0') {
                return fail(s, "bad escape in a string");
            }
        }
        s->p++;
    }
    return fail(s, "unterminated string");
}

/* A number; *integer is set when it is a plain non-negative integer that fits a long. */
static int scan_number(struct scan *s, long *integer, int *is_integer)
{
    const char *b = s->p;
    int plain = 1;
    if (s->p < s->end && *s->p == '-') {
        plain = 0;
        s->p++;
    }
    if (s->p >= s->end || !is_digit(*s->p))
        return fail(s, "bad number");
    if (*s->p == '0')
        s->p++;
    else
        while (s->p < s->end && is_digit(*s->p))
            s->p++;
    if (s->p < s->end && *s->p == '.') {
        plain = 0;
        s->p++;
        if (s->p >= s->end || !is_digit(*s->p))
            return fail(s, "bad number");
        while (s->p < s->end && is_digit(*s->p))
            s->p++;
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        plain = 0;
        s->p++;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
            s->p++;
        if (s->p >= s->end || !is_digit(*s->p))
            return fail(s, "bad number");
        while (s->p < s->end && is_digit(*s->p))
            s->p++;
    }
    *is_integer = 0;
    if (plain && s->p - b <= 18) { /* 18 digits always fit a long */
        long v = 0;
        for (const char *q = b; q < s->p; q++)
            v = v * 10 + (*q - '0');
        *integer = v;
        *is_integer = 1;
    }
    return 0;
}

static int scan_value(struct scan *s, int depth);

/* An object; at depth 1 (the top level) it watches for "pid". */
static int scan_object(struct scan *s, int depth)
{
    s->p++; /* '{' */
    skip_ws(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        return 0;
    }
    for (;;) {
        const char *key;
        size_t len;
        skip_ws(s);
        if (s->p >= s->end || *s->p != '"')
            return fail(s, "expected a member name");
        if (scan_string(s, &key, &len) < 0)
            return -1;
        skip_ws(s);
        if (s->p >= s->end || *s->p != ':')
            return fail(s, "expected ':' after a member name");
        s->p++;
        skip_ws(s);
        if (depth == 1 && len == 3 && memcmp(key, "pid", 3) == 0) {
            long v = 0;
            int integer = 0;
            if (s->pid_seen)
                return fail(s, "\"pid\" given twice");
            if (s->p >= s->end || !(is_digit(*s->p) || *s->p == '-'))
                return fail(s, "\"pid\" is not a number");
            if (scan_number(s, &v, &integer) < 0)
                return -1;
            if (!integer || v < 1 || v > INT_MAX)
                return fail(s, "\"pid\" is not a process id");
            s->pid = v;
            s->pid_seen = 1;
        } else if (scan_value(s, depth) < 0) {
            return -1;
        }
        skip_ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        if (s->p < s->end && *s->p == '}') {
            s->p++;
            return 0;
        }
        return fail(s, "expected ',' or '}' in an object");
    }
}

static int scan_array(struct scan *s, int depth)
{
    s->p++; /* '[' */
    skip_ws(s);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return 0;
    }
    for (;;) {
        skip_ws(s);
        if (scan_value(s, depth) < 0)
            return -1;
        skip_ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        if (s->p < s->end && *s->p == ']') {
            s->p++;
            return 0;
        }
        return fail(s, "expected ',' or ']' in an array");
    }
}

/* Any value; depth is that of the enclosing container (0 at the top). */
static int scan_value(struct scan *s, int depth)
{
    const char *str;
    size_t len;
    long v;
    int integer;

    if (depth >= 64)
        return fail(s, "nested too deeply");
    if (s->p >= s->end)
        return fail(s, "unexpected end of input");
    switch (*s->p) {
    case '{':
        return scan_object(s, depth + 1);
    case '[':
        return scan_array(s, depth + 1);
    case '"':
        return scan_string(s, &str, &len);
    case 't':
    case 'f':
    case 'n': {
        static const char *const words[] = {"true", "false", "null"};
        for (int i = 0; i < 3; i++) {
            size_t n = strlen(words[i]);
            if ((size_t)(s->end - s->p) >= n && memcmp(s->p, words[i], n) == 0) {
                s->p += n;
                return 0;
            }
        }
        return fail(s, "unexpected word");
    }
    default:
        if (*s->p == '-' || is_digit(*s->p))
            return scan_number(s, &v, &integer);
        return fail(s, "unexpected character");
    }
}

/* The container's pid from the state JSON in buf; -1 with a message on stderr. */
static long state_pid(const char *buf, size_t len)
{
    struct scan s = {buf, buf + len, 0, 0, NULL};
    skip_ws(&s);
    if (s.p >= s.end || *s.p != '{') {
        complain("the container state on stdin is not a JSON object");
        return -1;
    }
    if (scan_value(&s, 0) == 0) {
        skip_ws(&s);
        if (s.p != s.end)
            fail(&s, "more after the JSON object");
    }
    if (s.error != NULL) {
        complain("malformed container state on stdin at byte %ld: %s", (long)(s.p - buf), s.error);
        return -1;
    }
    if (!s.pid_seen) {
        complain("no \"pid\" in the container state on stdin");
        return -1;
    }
    return s.pid;
}

static int cmd_loopback_up(void)
{
    enum { MAX_STATE = 1 << 20 };
    char *buf = malloc(MAX_STATE);
    size_t len = 0;
    char ns[64];
    struct ifreq ifr;

    prog = "gantry-shim loopback-up";
    if (buf == NULL) {
        complain("out of memory");
        return 1;
    }
    for (;;) {
        ssize_t r = read(STDIN_FILENO, buf + len, MAX_STATE - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            complain("read the container state from stdin: %s", strerror(errno));
            return 1;
        }
        if (r == 0)
            break;
        len += (size_t)r;
        if (len == MAX_STATE) {
            complain("the container state on stdin is larger than %d bytes", MAX_STATE);
            return 1;
        }
    }
    long pid = state_pid(buf, len);
    if (pid < 0)
        return 1;

    snprintf(ns, sizeof ns, "/proc/%ld/ns/net", pid);
    int fd = open(ns, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        complain("open %s: %s", ns, strerror(errno));
        return 1;
    }
    if (setns(fd, CLONE_NEWNET) != 0) {
        complain("setns %s: %s", ns, strerror(errno));
        return 1;
    }
    close(fd);

    /* a socket made now belongs to the container's namespace; any family reaches the ioctls */
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) {
        complain("socket in the network namespace of pid %ld: %s", pid, strerror(errno));
        return 1;
    }
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, "lo", 3);
    if (ioctl(sock, SIOCGIFFLAGS, &ifr) != 0) {
        complain("SIOCGIFFLAGS lo in the network namespace of pid %ld: %s", pid, strerror(errno));
        return 1;
    }
    if (!(ifr.ifr_flags & IFF_UP)) {
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(sock, SIOCSIFFLAGS, &ifr) != 0) {
            complain("SIOCSIFFLAGS lo up in the network namespace of pid %ld: %s", pid, strerror(errno));
            return 1;
        }
    }
    close(sock);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "run") == 0)
        return cmd_run(argc - 1, argv + 1);
    if (argc == 2 && strcmp(argv[1], "loopback-up") == 0)
        return cmd_loopback_up();
    if (argc == 2 && strcmp(argv[1], "version") == 0) {
        say(SHIM_VERSION "\n");
        return 0;
    }
    complain("usage: %s run DIR BUNDLE ID KEEP RUNTIME [RUNTIME-ARGS...] | loopback-up | version", prog);
    return 2;
}
