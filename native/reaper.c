/*
 * s6rc's reaper: what a process needs to adopt orphans and reap them (as a
 * container's PID 1, or as a child subreaper) without stealing an exit
 * status that someone else in the process waits for.
 *
 * Node waits only for its own children (libuv's uv_process_t, by pid) and
 * spawn.c waits for its own through a pidfd; an orphan re-parented to us is
 * neither, so nobody reaps it and it stays a zombie. And a status reaped
 * from under libuv or spawn.c is lost to them for good (libuv never reports
 * that child's exit; spawn.c's waitid fails). So the reaper reaps by pid
 * only the children nothing on the event loop waits for.
 *
 * setChildSubreaper() -> true, or throws: prctl(PR_SET_CHILD_SUBREAPER): the
 *   orphans of our descendants are re-parented to us rather than to init.
 * waitedFor() -> pids whose exit something on Node's event loop waits for:
 *   libuv's child processes (every uv_process_t handle: child_process) and
 *   the processes whose pidfd a uv_poll_t handle watches (spawn.c's children,
 *   and any other addon's that waits the same way).
 * exitedChild() -> the pid of a child of ours that has exited and is not
 *   reaped yet, or 0 (waitid WNOWAIT: it reaps nothing).
 * reap(pid) -> [code, null] or [null, signal] once `pid` is reaped; null if it
 *   has not exited (or is not our child). Only for pids waitedFor() lacks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "s6rc.h"

typedef struct {
  int* pids;
  size_t length;
  size_t capacity;
  bool failed;
} pid_list_t;

static void add_pid(pid_list_t* list, int pid) {
  if (pid <= 0 || list->failed) return;
  if (list->length == list->capacity) {
    size_t capacity = list->capacity ? list->capacity * 2 : 64;
    int* grown = realloc(list->pids, capacity * sizeof(int));
    if (!grown) {
      list->failed = true;
      return;
    }
    list->pids = grown;
    list->capacity = capacity;
  }
  list->pids[list->length++] = pid;
}

/* The pid a pidfd refers to (its fdinfo's `Pid:` line), or 0 if `fd` is not a pidfd. */
static int pidfd_pid(int fd) {
  char path[64], target[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(path, target, sizeof target - 1);
  if (n < 0) return 0;
  target[n] = 0;
  if (strcmp(target, "anon_inode:[pidfd]") != 0) return 0;
  snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
  int info = open(path, O_RDONLY | O_CLOEXEC);
  if (info < 0) return 0;
  char text[512];
  ssize_t got = read(info, text, sizeof text - 1);
  close(info);
  if (got <= 0) return 0;
  text[got] = 0;
  const char* line = strstr(text, "\nPid:");
  return line ? atoi(line + 5) : 0; /* -1 once reaped: no pid */
}

static void collect_waited(uv_handle_t* handle, void* arg) {
  pid_list_t* list = arg;
  if (handle->type == UV_PROCESS) {
    add_pid(list, ((uv_process_t*)handle)->pid);
  } else if (handle->type == UV_POLL) {
    uv_os_fd_t fd;
    if (uv_fileno(handle, &fd) == 0) add_pid(list, pidfd_pid(fd));
  }
}

static napi_value SetChildSubreaper(napi_env env, napi_callback_info info) {
  (void)info;
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) return s6rc_throw_errno(env, errno, "prctl(PR_SET_CHILD_SUBREAPER)");
  napi_value result;
  if (napi_get_boolean(env, true, &result) != napi_ok) return NULL;
  return result;
}

static napi_value WaitedFor(napi_env env, napi_callback_info info) {
  (void)info;
  uv_loop_t* loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return s6rc_throw_errno(env, EINVAL, "waitedFor: no event loop");
  pid_list_t list = {NULL, 0, 0, false};
  uv_walk(loop, collect_waited, &list);
  if (list.failed) {
    free(list.pids);
    return s6rc_throw_errno(env, ENOMEM, "waitedFor");
  }
  napi_value array, element;
  bool ok = napi_create_array_with_length(env, list.length, &array) == napi_ok;
  for (size_t i = 0; ok && i < list.length; i++) {
    ok = napi_create_int32(env, list.pids[i], &element) == napi_ok && napi_set_element(env, array, (uint32_t)i, element) == napi_ok;
  }
  free(list.pids);
  return ok ? array : NULL;
}

static napi_value ExitedChild(napi_env env, napi_callback_info info) {
  (void)info;
  siginfo_t child;
  memset(&child, 0, sizeof child);
  int r;
  do r = waitid(P_ALL, 0, &child, WEXITED | WNOHANG | WNOWAIT);
  while (r < 0 && errno == EINTR);
  napi_value result;
  if (napi_create_int32(env, r == 0 ? child.si_pid : 0, &result) != napi_ok) return NULL;
  return result;
}

static napi_value Reap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1];
  int32_t pid = 0;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1 || napi_get_value_int32(env, args[0], &pid) != napi_ok || pid <= 0) {
    napi_throw_type_error(env, NULL, "reap(pid): pid must be a positive integer");
    return NULL;
  }
  int status = 0;
  pid_t r;
  do r = waitpid(pid, &status, WNOHANG);
  while (r < 0 && errno == EINTR);
  napi_value result, code, signal;
  if (r != pid) {
    if (napi_get_null(env, &result) != napi_ok) return NULL;
    return result;
  }
  bool ok = napi_get_null(env, &code) == napi_ok && napi_get_null(env, &signal) == napi_ok;
  if (ok && WIFEXITED(status)) ok = napi_create_int32(env, WEXITSTATUS(status), &code) == napi_ok;
  else if (ok && WIFSIGNALED(status)) ok = napi_create_int32(env, WTERMSIG(status), &signal) == napi_ok;
  ok = ok && napi_create_array_with_length(env, 2, &result) == napi_ok && napi_set_element(env, result, 0, code) == napi_ok &&
       napi_set_element(env, result, 1, signal) == napi_ok;
  return ok ? result : NULL;
}

/* Called from spawn.c's Init: one addon, one .node file. */
napi_status s6rc_define_reaper(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
    {"setChildSubreaper", NULL, SetChildSubreaper, NULL, NULL, NULL, napi_default, NULL},
    {"waitedFor", NULL, WaitedFor, NULL, NULL, NULL, napi_default, NULL},
    {"exitedChild", NULL, ExitedChild, NULL, NULL, NULL, napi_default, NULL},
    {"reap", NULL, Reap, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, 4, properties);
}
