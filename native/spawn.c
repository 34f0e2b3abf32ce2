/*
 * s6rc's process spawner: posix_spawn(3) plus a pidfd watched by libuv.
 *
 * Node's child_process forks: fork() copies the page tables of the whole
 * supervisor and blocks it until the child has exec'd, a cost that grows
 * with the supervisor's size. glibc's posix_spawn uses
 * clone(CLONE_VM|CLONE_VFORK): no copy, the same cost whatever the size
 * (figures: docs/PERFORMANCE.md). The child's
 * death is read from a pidfd (Linux >= 5.4 for waitid) polled on Node's own event loop,
 * then reaped with waitid(P_PIDFD), so libuv's SIGCHLD handling (which only
 * waits for its own children) never sees these processes.
 *
 * spawn(file, argv, envp, cwd, fds, onExit, newSession) -> pid, or throws an
 * Error whose `code` is the errno name (ENOENT, EACCES, ...).
 *   fds[i] >= 0  the child's fd i is a copy of this fd
 *   fds[i] == -1 /dev/null for i <= 2, closed for i >= 3
 *   fds[i] == -2 left as it is (an fd that is close-on-exec stays closed:
 *                pass i itself to inherit fd i, as dup2 clears close-on-exec)
 *   onExit(code, signal): exit code or signal number (the other is null)
 *   newSession: the child calls setsid() (as s6-supervise does for run): it
 *                leads its own process group, which can be signalled whole.
 *   The child starts with every signal at its default and none blocked.
 * pipe() -> [readFd, writeFd], both close-on-exec.
 * usable() -> false on kernels without pidfd_open or waitid(P_PIDFD) (both
 *   needed: Linux 5.4): use child_process there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <signal.h>
#include <stdbool.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "s6rc.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

typedef struct {
  uv_poll_t poll;
  int pidfd;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
} watch_t;

const char* s6rc_errno_name(int err) {
  switch (err) {
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case ENOEXEC: return "ENOEXEC";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case ELOOP: return "ELOOP";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case ENOSYS: return "ENOSYS";
    case EPERM: return "EPERM";
    case EBADF: return "EBADF";
    case E2BIG: return "E2BIG";
    case ETXTBSY: return "ETXTBSY";
    case EROFS: return "EROFS";
    case EADDRINUSE: return "EADDRINUSE";
    case EINVAL: return "EINVAL";
    case ENOSPC: return "ENOSPC";
    default: return "EIO";
  }
}

napi_value s6rc_throw_errno(napi_env env, int err, const char* what) {
  char text[256];
  napi_value message, code, error;
  snprintf(text, sizeof text, "%s: %s", what, strerror(err));
  if (napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message) != napi_ok ||
      napi_create_string_utf8(env, s6rc_errno_name(err), NAPI_AUTO_LENGTH, &code) != napi_ok ||
      napi_create_error(env, code, message, &error) != napi_ok || napi_throw(env, error) != napi_ok) {
    napi_throw_error(env, s6rc_errno_name(err), text);
  }
  return NULL;
}

static char* get_string(napi_env env, napi_value value) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) return NULL;
  char* text = malloc(length + 1);
  if (text && napi_get_value_string_utf8(env, value, text, length + 1, &length) != napi_ok) {
    free(text);
    return NULL;
  }
  return text;
}

static void free_strings(char** strings) {
  if (!strings) return;
  for (char** p = strings; *p; p++) free(*p);
  free(strings);
}

/* A NULL-terminated copy of a JS array of strings; NULL if it is not one. */
static char** get_strings(napi_env env, napi_value array) {
  uint32_t n = 0;
  if (napi_get_array_length(env, array, &n) != napi_ok) return NULL;
  char** strings = calloc(n + 1, sizeof(char*));
  if (!strings) return NULL;
  for (uint32_t i = 0; i < n; i++) {
    napi_value element;
    if (napi_get_element(env, array, i, &element) != napi_ok || !(strings[i] = get_string(env, element))) {
      free_strings(strings);
      return NULL;
    }
  }
  return strings;
}

static void on_closed(uv_handle_t* handle) {
  watch_t* watch = handle->data;
  close(watch->pidfd);
  free(watch);
}

static void on_readable(uv_poll_t* poll, int status, int events) {
  (void)status;
  (void)events;
  watch_t* watch = poll->data;
  siginfo_t info;
  memset(&info, 0, sizeof info);
  int r;
  do r = waitid(P_PIDFD, watch->pidfd, &info, WEXITED | WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r == 0 && info.si_pid == 0) return; /* spurious: not dead yet */
  uv_poll_stop(poll);
  napi_env env = watch->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) napi_fatal_error("s6rc.spawn", NAPI_AUTO_LENGTH, "cannot open a handle scope", NAPI_AUTO_LENGTH);
  napi_value callback, global, argv[2], result;
  bool ok = napi_get_reference_value(env, watch->callback, &callback) == napi_ok && napi_get_global(env, &global) == napi_ok &&
            napi_get_null(env, &argv[0]) == napi_ok && napi_get_null(env, &argv[1]) == napi_ok;
  if (ok && r == 0 && info.si_code == CLD_EXITED) ok = napi_create_int32(env, info.si_status, &argv[0]) == napi_ok;
  else if (ok && r == 0) ok = napi_create_int32(env, info.si_status, &argv[1]) == napi_ok;
  /* A child's death that cannot be reported would leave its service waiting forever. */
  if (!ok) napi_fatal_error("s6rc.spawn", NAPI_AUTO_LENGTH, "cannot report a child's exit", NAPI_AUTO_LENGTH);
  /* make_callback, like Node's own callbacks: nextTicks and microtasks run after it.
     An exception thrown by onExit is an uncaught exception, as in any event handler. */
  if (napi_make_callback(env, watch->context, global, callback, 2, argv, &result) == napi_pending_exception) {
    napi_value exception;
    if (napi_get_and_clear_last_exception(env, &exception) == napi_ok) napi_fatal_exception(env, exception);
  }
  napi_delete_reference(env, watch->callback);
  napi_async_destroy(env, watch->context);
  napi_close_handle_scope(env, scope);
  uv_close((uv_handle_t*)poll, on_closed);
}

static napi_value Spawn(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value args[7];
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok) return NULL;
  if (argc < 6) {
    napi_throw_type_error(env, NULL, "spawn(file, argv, envp, cwd, fds, onExit, newSession)");
    return NULL;
  }
  bool new_session = false;
  if (argc > 6 && napi_get_value_bool(env, args[6], &new_session) != napi_ok) new_session = false;
  char* file = get_string(env, args[0]);
  char** argv = get_strings(env, args[1]);
  char** envp = get_strings(env, args[2]);
  char* cwd = get_string(env, args[3]);
  uint32_t nfds = 0;
  if (napi_get_array_length(env, args[4], &nfds) != napi_ok) {
    free(file), free(cwd), free_strings(argv), free_strings(envp);
    napi_throw_type_error(env, NULL, "spawn: fds must be an array of integers");
    return NULL;
  }
  int* wanted = calloc(nfds + 1, sizeof(int));
  int* copies = calloc(nfds + 1, sizeof(int));
  int ncopies = 0, err = 0;
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attributes);
  if (!file || !argv || !envp || !cwd || !wanted || !copies) {
    err = ENOMEM;
    goto done;
  }
  /* Each source is first copied above every target fd, so no dup2 in the
     child overwrites a source still to be used, and none is its own target
     (dup2(n, n) would leave close-on-exec set). */
  int base = nfds < 64 ? 64 : (int)nfds;
  for (uint32_t i = 0; i < nfds; i++) {
    napi_value element;
    int32_t fd = -1;
    if (napi_get_element(env, args[4], i, &element) != napi_ok || napi_get_value_int32(env, element, &fd) != napi_ok) {
      err = EINVAL;
      goto done;
    }
    wanted[i] = fd;
    if (fd >= 0) {
      int copy = fcntl(fd, F_DUPFD_CLOEXEC, base);
      if (copy < 0) {
        err = errno;
        goto done;
      }
      copies[ncopies++] = copy;
      wanted[i] = copy;
    }
  }
  for (uint32_t i = 0; i < nfds && !err; i++) {
    if (wanted[i] >= 0) err = posix_spawn_file_actions_adddup2(&actions, wanted[i], (int)i);
    else if (wanted[i] == -1 && i <= 2) err = posix_spawn_file_actions_addopen(&actions, (int)i, "/dev/null", O_RDWR, 0);
    else if (wanted[i] == -1) err = posix_spawn_file_actions_addclose(&actions, (int)i);
  }
  if (!err && cwd[0]) err = posix_spawn_file_actions_addchdir_np(&actions, cwd);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | (new_session ? POSIX_SPAWN_SETSID : 0);
  if (!err) err = posix_spawnattr_setsigdefault(&attributes, &all);
  if (!err) err = posix_spawnattr_setsigmask(&attributes, &none);
  if (!err) err = posix_spawnattr_setflags(&attributes, flags);
  if (err) goto done;
  pid_t pid;
  err = strchr(file, '/') ? posix_spawn(&pid, file, &actions, &attributes, argv, envp)
                          : posix_spawnp(&pid, file, &actions, &attributes, argv, envp);
  if (err) goto done;
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  watch_t* watch = pidfd < 0 ? NULL : calloc(1, sizeof *watch);
  uv_loop_t* loop = NULL;
  if (!watch || napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init(loop, &watch->poll, pidfd) != 0) {
    /* Cannot watch it: do not leave an unsupervised child behind. */
    err = pidfd < 0 ? errno : ENOMEM;
    if (pidfd >= 0) close(pidfd);
    free(watch);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    goto done;
  }
  watch->pidfd = pidfd;
  watch->env = env;
  watch->poll.data = watch;
  int started = uv_poll_start(&watch->poll, UV_READABLE, on_readable);
  if (started != 0) {
    uv_close((uv_handle_t*)&watch->poll, on_closed); /* closes the pidfd, frees watch */
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    err = -started;
    goto done;
  }
  napi_value name, result;
  if (napi_create_reference(env, args[5], 1, &watch->callback) != napi_ok ||
      napi_create_string_utf8(env, "s6rc.spawn", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, NULL, name, &watch->context) != napi_ok ||
      napi_create_int32(env, pid, &result) != napi_ok) {
    /* Without its callback nobody would hear of this child: do not leave it unsupervised. */
    uv_poll_stop(&watch->poll);
    if (watch->callback) napi_delete_reference(env, watch->callback);
    if (watch->context) napi_async_destroy(env, watch->context);
    uv_close((uv_handle_t*)&watch->poll, on_closed);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    err = ENOMEM;
    goto done;
  }
  for (int i = 0; i < ncopies; i++) close(copies[i]);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  free(file), free(cwd), free(wanted), free(copies), free_strings(argv), free_strings(envp);
  return result;

done:
  for (int i = 0; i < ncopies; i++) close(copies[i]);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  free(file), free(cwd), free(wanted), free(copies), free_strings(argv), free_strings(envp);
  return s6rc_throw_errno(env, err, "posix_spawn");
}

static napi_value Pipe(napi_env env, napi_callback_info info) {
  (void)info;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) return s6rc_throw_errno(env, errno, "pipe2");
  napi_value array, end;
  bool ok = napi_create_array_with_length(env, 2, &array) == napi_ok;
  for (uint32_t i = 0; ok && i < 2; i++) {
    ok = napi_create_int32(env, fds[i], &end) == napi_ok && napi_set_element(env, array, i, end) == napi_ok;
  }
  if (!ok) {
    close(fds[0]);
    close(fds[1]);
    return s6rc_throw_errno(env, ENOMEM, "pipe2");
  }
  return array;
}

/*
 * usable() -> whether this kernel has what spawn needs to watch and reap its
 * children: pidfd_open (Linux 5.3) and waitid(P_PIDFD) (Linux 5.4). On our own
 * pidfd, waitid fails with ECHILD where P_PIDFD is known and EINVAL where not.
 */
static napi_value Usable(napi_env env, napi_callback_info info) {
  (void)info;
  bool usable = false;
  int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
  if (fd >= 0) {
    siginfo_t probe;
    memset(&probe, 0, sizeof probe);
    usable = waitid(P_PIDFD, fd, &probe, WEXITED | WNOHANG) == 0 || errno != EINVAL;
    close(fd);
  }
  napi_value result;
  if (napi_get_boolean(env, usable, &result) != napi_ok) return NULL;
  return result;
}


static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
    {"spawn", NULL, Spawn, NULL, NULL, NULL, napi_default, NULL},
    {"pipe", NULL, Pipe, NULL, NULL, NULL, napi_default, NULL},
    {"usable", NULL, Usable, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, 3, properties) != napi_ok || s6rc_register_notify(env, exports) != napi_ok) return NULL;
  if (s6rc_define_reaper(env, exports) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
