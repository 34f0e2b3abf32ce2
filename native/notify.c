/*
 * s6rc's sd_notify receiver: an AF_UNIX datagram socket on Node's event loop.
 *
 * Node has no AF_UNIX SOCK_DGRAM sockets, and sd_notify(3) speaks nothing
 * else. The socket is bound to a path, or to an abstract address when the
 * address starts with '@' (as in NOTIFY_SOCKET), with SO_PASSCRED so every
 * datagram arrives with its sender's pid and uid (the kernel fills them in
 * when the sender does not).
 *
 * notifyOpen(address, owner, onDatagram) -> { close() }, or throws an Error
 * whose `code` is the errno name (EADDRINUSE, ENOENT, ...).
 *   address     a path (at most 107 bytes) or '@name' (abstract)
 *   owner       a path is left mode 0600: owned by us, or by this uid when it
 *               is >= 0 and not ours (the user a service runs as), so that the
 *               service can write and nobody else but root can
 *   onDatagram(text, pid, uid) for each datagram: pid and uid from the
 *               credentials (pid null when not visible from our pid namespace).
 *               Empty and truncated (over 4096 bytes) datagrams are dropped.
 *               Any fd passed along (SCM_RIGHTS: FDSTORE=1, or the pipe
 *               systemd-notify sends with BARRIER=1 and waits on) is closed.
 *   close()     stops polling, closes the socket, unlinks the path if it is
 *               still the socket this bound; a second call does nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

#include "s6rc.h"

/* sd_notify's own limit for a message (systemd's NOTIFY_BUFFER_MAX). */
#define NOTIFY_MAX 4096
/* SCM_MAX_FD: the most fds one datagram can carry, all of which we close. */
#define NOTIFY_FDS_MAX 253
/* Datagrams read per wake-up: a flooding sender cannot starve the event loop
   (the poll is level-triggered, so the rest is read on the next turn). */
#define NOTIFY_BATCH 64

typedef struct {
  uv_poll_t poll;
  int fd;
  char* path; /* NULL for an abstract address */
  dev_t dev;
  ino_t ino;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  bool closed;
  int holders; /* the poll handle and the JS close function: freed when both let go */
} notify_t;

static void let_go(notify_t* notify) {
  if (--notify->holders > 0) return;
  free(notify->path);
  free(notify);
}

static void on_closed(uv_handle_t* handle) {
  notify_t* notify = handle->data;
  close(notify->fd);
  let_go(notify);
}

/* The close function was collected. An open socket stays open (like a server
   nobody closed): it is the poll handle that keeps it. */
static void on_collected(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  let_go(data);
}

/* Stops listening for good; the memory goes once libuv lets go of the handle. */
static void notify_close(notify_t* notify) {
  if (notify->closed) return;
  notify->closed = true;
  uv_poll_stop(&notify->poll);
  /* Unlink only our own socket: a newer one may have taken the path since. */
  struct stat st;
  if (notify->path && lstat(notify->path, &st) == 0 && st.st_dev == notify->dev && st.st_ino == notify->ino) unlink(notify->path);
  napi_delete_reference(notify->env, notify->callback);
  napi_async_destroy(notify->env, notify->context);
  uv_close((uv_handle_t*)&notify->poll, on_closed);
}

static void close_fds(struct msghdr* msg) {
  for (struct cmsghdr* c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    int n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    for (int i = 0; i < n; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      close(fd);
    }
  }
}

static void report(notify_t* notify, const char* text, size_t length, const struct ucred* cred) {
  napi_env env = notify->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) napi_fatal_error("s6rc.notify", NAPI_AUTO_LENGTH, "cannot open a handle scope", NAPI_AUTO_LENGTH);
  napi_value callback, global, argv[3], result;
  bool ok = napi_get_reference_value(env, notify->callback, &callback) == napi_ok && napi_get_global(env, &global) == napi_ok &&
            napi_create_string_utf8(env, text, length, &argv[0]) == napi_ok;
  if (ok) ok = cred && cred->pid > 0 ? napi_create_int32(env, cred->pid, &argv[1]) == napi_ok : napi_get_null(env, &argv[1]) == napi_ok;
  if (ok) ok = cred ? napi_create_uint32(env, cred->uid, &argv[2]) == napi_ok : napi_get_null(env, &argv[2]) == napi_ok;
  /* A message that cannot be delivered is lost like a dropped datagram: the
     service's readiness then waits for its timeout, it does not hang. */
  if (ok && napi_make_callback(env, notify->context, global, callback, 3, argv, &result) == napi_pending_exception) {
    napi_value exception;
    if (napi_get_and_clear_last_exception(env, &exception) == napi_ok) napi_fatal_exception(env, exception);
  }
  napi_close_handle_scope(env, scope);
}

static void on_readable(uv_poll_t* poll, int status, int events) {
  (void)status;
  (void)events;
  notify_t* notify = poll->data;
  for (int i = 0; i < NOTIFY_BATCH && !notify->closed; i++) {
    char text[NOTIFY_MAX];
    union {
      struct cmsghdr align;
      char space[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * NOTIFY_FDS_MAX)];
    } control;
    struct iovec iov = {.iov_base = text, .iov_len = sizeof text};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control};
    ssize_t n = recvmsg(notify->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return; /* EAGAIN: drained */
    close_fds(&msg);
    if (n == 0 || (msg.msg_flags & MSG_TRUNC)) continue;
    const struct ucred* cred = NULL;
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len == CMSG_LEN(sizeof(struct ucred))) cred = (const struct ucred*)CMSG_DATA(c);
    }
    report(notify, text, (size_t)n, cred);
  }
}

static napi_value Close(napi_env env, napi_callback_info info) {
  notify_t* notify = NULL;
  if (napi_get_cb_info(env, info, NULL, NULL, NULL, (void**)&notify) != napi_ok || !notify) return NULL;
  notify_close(notify);
  return NULL;
}

/* Binds fd to address; a stale socket left at a path (a dead supervisor's) is replaced. */
static int bind_address(int fd, const char* address) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  size_t length = strlen(address);
  memcpy(sa.sun_path, address, length);
  if (address[0] == '@') sa.sun_path[0] = '\0'; /* abstract: no trailing NUL, as sd_notify addresses it */
  socklen_t size = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + length + (address[0] == '@' ? 0 : 1));
  if (bind(fd, (struct sockaddr*)&sa, size) == 0) return 0;
  struct stat st;
  if (errno != EADDRINUSE || address[0] == '@' || lstat(address, &st) != 0 || !S_ISSOCK(st.st_mode)) return errno;
  if (unlink(address) != 0 || bind(fd, (struct sockaddr*)&sa, size) != 0) return errno;
  return 0;
}

/* Undoes a half-made socket (unlinking the path it was bound to, if any) and throws. */
static napi_value fail(napi_env env, int fd, const char* bound, int err, const char* what) {
  if (bound) unlink(bound);
  close(fd);
  return s6rc_throw_errno(env, err, what);
}

static napi_value Open(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok) return NULL;
  char address[sizeof ((struct sockaddr_un*)0)->sun_path];
  size_t length = 0;
  int32_t owner = -1;
  napi_valuetype type;
  if (argc < 3 || napi_get_value_string_utf8(env, args[0], NULL, 0, &length) != napi_ok || napi_get_value_int32(env, args[1], &owner) != napi_ok ||
      napi_typeof(env, args[2], &type) != napi_ok || type != napi_function) {
    napi_throw_type_error(env, NULL, "notifyOpen(address, owner, onDatagram)");
    return NULL;
  }
  /* A path and its NUL must fit in sun_path's 108 bytes (an abstract name is held to the same). */
  if (length >= sizeof address) return s6rc_throw_errno(env, ENAMETOOLONG, "bind");
  if (napi_get_value_string_utf8(env, args[0], address, sizeof address, &length) != napi_ok) return NULL;
  if (length == 0 || strlen(address) != length) return s6rc_throw_errno(env, EINVAL, "bind");
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return s6rc_throw_errno(env, errno, "socket");
  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0) return fail(env, fd, NULL, errno, "setsockopt SO_PASSCRED");
  int err = bind_address(fd, address);
  if (err) return fail(env, fd, NULL, err, "bind");
  const char* path = address[0] == '@' ? NULL : address;
  struct stat st = {0};
  if (path) {
    /* Until this chmod the socket has the umask's mode; the live directory (0700) keeps others out meanwhile. */
    if (chmod(path, 0600) != 0) return fail(env, fd, path, errno, "chmod");
    if (owner >= 0 && (uid_t)owner != geteuid() && chown(path, (uid_t)owner, (gid_t)-1) != 0) return fail(env, fd, path, errno, "chown");
    if (lstat(path, &st) != 0) return fail(env, fd, path, errno, "stat");
  }
  notify_t* notify = calloc(1, sizeof *notify);
  uv_loop_t* loop = NULL;
  if (!notify || (path && !(notify->path = strdup(path))) || napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init(loop, &notify->poll, fd) != 0) {
    if (notify) free(notify->path);
    free(notify);
    return fail(env, fd, path, ENOMEM, "notify socket");
  }
  notify->fd = fd;
  notify->env = env;
  notify->dev = st.st_dev;
  notify->ino = st.st_ino;
  notify->poll.data = notify;
  notify->holders = 1;
  napi_value name, handle, close_function;
  bool ok = napi_create_reference(env, args[2], 1, &notify->callback) == napi_ok &&
            napi_create_string_utf8(env, "s6rc.notify", NAPI_AUTO_LENGTH, &name) == napi_ok && napi_async_init(env, NULL, name, &notify->context) == napi_ok &&
            napi_create_object(env, &handle) == napi_ok && napi_create_function(env, "close", NAPI_AUTO_LENGTH, Close, notify, &close_function) == napi_ok;
  if (ok && (ok = napi_add_finalizer(env, close_function, notify, on_collected, NULL, NULL) == napi_ok)) notify->holders++;
  ok = ok && napi_set_named_property(env, handle, "close", close_function) == napi_ok && uv_poll_start(&notify->poll, UV_READABLE, on_readable) == 0;
  if (!ok) {
    if (path) unlink(path);
    notify->closed = true;
    if (notify->callback) napi_delete_reference(env, notify->callback);
    if (notify->context) napi_async_destroy(env, notify->context);
    uv_close((uv_handle_t*)&notify->poll, on_closed); /* closes fd, frees notify */
    return s6rc_throw_errno(env, ENOMEM, "notify socket");
  }
  return handle;
}

/* Called from spawn.c's Init: one addon, one registration per native file. */
napi_status s6rc_register_notify(napi_env env, napi_value exports) {
  napi_property_descriptor property = {"notifyOpen", NULL, Open, NULL, NULL, NULL, napi_default, NULL};
  return napi_define_properties(env, exports, 1, &property);
}
