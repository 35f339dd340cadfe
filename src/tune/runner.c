/* Starting trial processes (see runner.h). */
#include "tune/runner.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "core/alloc.h"

#define MAX_CMD (64 * 1024)

extern char **environ;

int seer__sh_quote(const char *s, char *buf, size_t cap)
{
    size_t k = 0;

#define PUT(c)                                                                                     \
    do {                                                                                           \
        if (k + 1 >= cap)                                                                          \
            return -1;                                                                             \
        buf[k++] = (c);                                                                            \
    } while (0)
    PUT('\'');
    for (; *s; s++) {
        if (*s == '\'') { /* close, escaped quote, reopen */
            PUT('\'');
            PUT('\\');
            PUT('\'');
            PUT('\'');
        } else {
            PUT(*s);
        }
    }
    PUT('\'');
#undef PUT
    buf[k] = '\0';
    return (int)k;
}

/* Appends the quoted words of list, separated by blanks. */
static int put_words(const char *const *list, char *out, size_t *k, size_t cap)
{
    for (size_t i = 0; list && list[i]; i++) {
        int n;

        if (i) {
            if (*k + 1 >= cap)
                return -1;
            out[(*k)++] = ' ';
        }
        n = seer__sh_quote(list[i], out + *k, cap - *k);
        if (n < 0)
            return -1;
        *k += (size_t)n;
    }
    return 0;
}

char *seer__executor_expand(const struct seer__spawn *sp)
{
    char *out = seer_malloc(MAX_CMD);
    size_t k = 0;

    if (!out)
        return NULL;
    for (const char *t = sp->executor; *t;) {
        const char *one = NULL;
        int rc = 0;

        if (!strncmp(t, "{cmd}", 5)) {
            rc = put_words(sp->argv, out, &k, MAX_CMD);
            t += 5;
        } else if (!strncmp(t, "{env}", 5)) {
            rc = put_words(sp->env, out, &k, MAX_CMD);
            t += 5;
        } else if (!strncmp(t, "{trial}", 7)) {
            one = sp->trial_id;
            t += 7;
        } else if (!strncmp(t, "{dir}", 5)) {
            one = sp->trial_dir;
            t += 5;
        } else {
            if (k + 1 >= MAX_CMD)
                rc = -1;
            else
                out[k++] = *t++;
        }
        if (!rc && one) {
            int n = seer__sh_quote(one, out + k, MAX_CMD - k);

            rc = n < 0 ? -1 : 0;
            k += n < 0 ? 0 : (size_t)n;
        }
        if (rc) {
            seer_free(out);
            return NULL;
        }
    }
    out[k] = '\0';
    return out;
}

int seer__which(const char *name, char *buf, size_t cap)
{
    const char *path = getenv("PATH");

    if (!name[0])
        return SEER_ENOTFOUND;
    if (strchr(name, '/')) {
        if ((size_t)snprintf(buf, cap, "%s", name) >= cap || access(buf, X_OK))
            return SEER_ENOTFOUND;
        return 0;
    }
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        const char *c = strchr(path, ':');
        size_t n = c ? (size_t)(c - path) : strlen(path);
        struct stat st;

        if ((size_t)snprintf(buf, cap, "%.*s/%s", (int)n, n ? path : ".", name) < cap &&
            !stat(buf, &st) && S_ISREG(st.st_mode) && !access(buf, X_OK))
            return 0;
        path += n + (c != NULL);
    }
    return SEER_ENOTFOUND;
}

/* environ plus the extra entries, which replace inherited ones of the same name. */
static char **build_env(const char *const *extra)
{
    size_t n = 0, m = 0, k = 0;
    char **env;

    while (environ[n])
        n++;
    while (extra && extra[m])
        m++;
    env = seer_calloc(n + m + 1, sizeof(*env));
    if (!env)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(environ[i], '=');
        size_t len = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
        bool replaced = false;

        for (size_t j = 0; j < m && !replaced; j++)
            replaced = !strncmp(extra[j], environ[i], len) && extra[j][len] == '=';
        if (!replaced)
            env[k++] = environ[i];
    }
    for (size_t j = 0; j < m; j++)
        env[k++] = (char *)extra[j];
    env[k] = NULL;
    return env;
}

int seer__spawn(const struct seer__spawn *sp, pid_t *pid, int *out_fd, struct seer_err *err)
{
    char exe[4096], *shcmd = NULL;
    const char *sh_argv[4] = {"/bin/sh", "-c", NULL, NULL};
    char *const *argv;
    char **env = NULL;
    int pfd[2] = {-1, -1}, efd[2] = {-1, -1}, errfd = -1, nullfd = -1, rc = 0, child_errno;
    pid_t p;

    *pid = -1;
    *out_fd = -1;
    if (sp->executor) {
        shcmd = seer__executor_expand(sp);
        if (!shcmd)
            return seer_errf(err, SEER_ELIMIT, "executor command too long");
        sh_argv[2] = shcmd;
        argv = (char *const *)sh_argv;
        snprintf(exe, sizeof(exe), "/bin/sh");
    } else {
        argv = (char *const *)sp->argv;
        if (seer__which(sp->argv[0], exe, sizeof(exe)))
            return seer_errf(err, SEER_ENOTFOUND, "cannot find executable '%.200s'", sp->argv[0]);
    }
    env = build_env(sp->env);
    if (!env) {
        rc = seer_errf(err, SEER_ENOMEM, "out of memory");
        goto out;
    }
    /* Everything the child needs is prepared before fork: between fork and exec only
     * async-signal-safe calls run, so the server may call this from a threaded process. */
    errfd = open(sp->stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (errfd < 0 || nullfd < 0 || pipe(pfd) || pipe(efd)) {
        rc = seer_errf(err, SEER_EIO, "%.200s: %s", sp->stderr_path, strerror(errno));
        goto out;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(pfd[i], F_SETFD, FD_CLOEXEC);
        fcntl(efd[i], F_SETFD, FD_CLOEXEC);
    }
    p = fork();
    if (p < 0) {
        rc = seer_errf(err, SEER_EIO, "fork: %s", strerror(errno));
        goto out;
    }
    if (p == 0) {
        int e;

        setpgid(0, 0);
#ifdef __linux__
        /* If seer tune dies (even by kill -9), its trials die with it. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
        signal(SIGPIPE, SIG_DFL);
        /* A server blocks SIGTERM and friends in every thread (it waits for them with
         * sigwait); the mask survives exec, and a trial must see the SIGTERM that stops it. */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (dup2(nullfd, 0) < 0 || dup2(pfd[1], 1) < 0 || dup2(errfd, 2) < 0 ||
            (sp->cwd && chdir(sp->cwd)))
            e = errno;
        else {
            execve(exe, argv, env);
            e = errno;
        }
        if (write(efd[1], &e, sizeof(e)) < 0)
            _exit(127);
        _exit(127);
    }
    setpgid(p, p); /* also here, so the group exists before we might signal it */
    close(efd[1]);
    efd[1] = -1;
    ssize_t got;
    do {
        got = read(efd[0], &child_errno, sizeof(child_errno));
    } while (got < 0 && errno == EINTR);
    if (got == (ssize_t)sizeof(child_errno)) {
        waitpid(p, NULL, 0);
        rc = seer_errf(err, SEER_EIO, "cannot run '%.200s': %s", exe, strerror(child_errno));
        goto out;
    }
    fcntl(pfd[0], F_SETFL, fcntl(pfd[0], F_GETFL) | O_NONBLOCK);
    *pid = p;
    *out_fd = pfd[0];
    pfd[0] = -1;
out:
    for (int i = 0; i < 2; i++) {
        if (pfd[i] >= 0)
            close(pfd[i]);
        if (efd[i] >= 0)
            close(efd[i]);
    }
    if (errfd >= 0)
        close(errfd);
    if (nullfd >= 0)
        close(nullfd);
    seer_free(env);
    seer_free(shcmd);
    return rc;
}

uint64_t seer__proc_start_ticks(pid_t pid)
{
    char path[64], buf[1024];
    unsigned long long t = 0;
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    f = fopen(path, "re");
    if (!f)
        return 0;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The command name may contain blanks and parentheses: fields restart after the last
     * ')'. Start time is field 22, the 20th after it. */
    char *p = strrchr(buf, ')');
    for (int field = 2; p && field < 22; field++)
        p = strchr(p + 1, ' ');
    if (p && sscanf(p + 1, "%llu", &t) != 1)
        t = 0;
    return t;
}
