/*
 * s6rc compile's reader (build/Release/s6rc_scan.node): reads every service
 * definition directory of a source set on a few threads of its own, while
 * the JavaScript side parses the ones already read.
 *
 * Compiling 3000 services is ~40,000 system calls (per directory: open,
 * getdents64 twice, close; per file: open, one read, close). They are most of
 * compile's time and they are independent of each other, so they run here in
 * parallel, in the order the caller will want them, and the caller blocks only
 * when it catches up with the readers.
 *
 * start(dirs: string[], threads: number, known: string[]) -> handle
 *   Starts reading dirs[0], dirs[1], ... (each a definition directory).
 *   Entry names found in `known` are given by their index there.
 * take(handle, i, into: Buffer) -> number
 *   Waits for dirs[i] and copies what was read of it into `into` (format
 *   below); returns its length, -1 when it could not be read completely (the
 *   caller then reads it through fs, which reports any error exactly as it
 *   always has; so does a second take of the same i), or -(length + 2) when
 *   `into` is too small (take again with one big enough).
 * stop(handle)
 *   Stops the readers and waits for them (also done when the handle is
 *   collected). Idempotent.
 *
 * What take copies is a run of native int32 (every field 4-byte aligned, so
 * the caller reads them through an Int32Array), one record per directory
 * entry but . and ..:
 *   known index or -1, nameLength, contentLength, listCount, then the name
 *   bytes (only when not known), the content bytes, and listCount times
 *   (length, bytes); every run of bytes is padded to a multiple of 4.
 * contentLength is -1 unless the entry is a regular file that was read;
 * listCount is -1 unless it is a directory named *.d, whose entry names (but
 * . and ..) follow.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_THREADS 8

struct dirent64_raw {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

typedef struct {
  char* bytes;
  size_t length, capacity;
} bytes_t;

enum { PENDING = 0, READ = 1, FAILED = 2 };

typedef struct {
  char* path;
  bytes_t out;
  int state;
} slot_t;

typedef struct {
  char** names;
  size_t count;
} known_t;

typedef struct {
  slot_t* slots;
  size_t count;
  known_t known;
  size_t next; /* the next slot a reader takes: under lock */
  int stopping;
  pthread_mutex_t lock;
  pthread_cond_t done;
  pthread_t threads[MAX_THREADS];
  int nthreads;
  int joined;
} scan_t;

static int reserve(bytes_t* b, size_t more) {
  size_t need = b->length + more;
  if (need <= b->capacity) return 0;
  size_t next = b->capacity ? b->capacity : 1024;
  while (next < need) next *= 2;
  char* p = realloc(b->bytes, next);
  if (!p) return -1;
  b->bytes = p;
  b->capacity = next;
  return 0;
}

static int put(bytes_t* b, const void* bytes, size_t n) {
  if (reserve(b, n)) return -1;
  memcpy(b->bytes + b->length, bytes, n);
  b->length += n;
  return 0;
}

static int put_int(bytes_t* b, int32_t x) { return put(b, &x, sizeof x); }

static void set_int(bytes_t* b, size_t at, int32_t x) { memcpy(b->bytes + at, &x, sizeof x); }

/* Zero bytes up to the next multiple of 4. */
static int pad(bytes_t* b) {
  static const char zeros[4] = {0};
  size_t n = (4 - (b->length & 3)) & 3;
  return n ? put(b, zeros, n) : 0;
}

/* Bytes then padding; -1 if out of memory. */
static int put_padded(bytes_t* b, const char* bytes, size_t n) { return put(b, bytes, n) || pad(b) ? -1 : 0; }

/* Appends the whole regular file dirfd/name; returns its length, or -1 (nothing appended). */
static int64_t read_file(int dirfd, const char* name, bytes_t* b) {
  int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return -1;
  size_t start = b->length;
  for (;;) {
    if (reserve(b, 4096)) break;
    size_t room = b->capacity - b->length;
    ssize_t n = read(fd, b->bytes + b->length, room);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    b->length += (size_t)n;
    /* A short read of a regular file is its end: no extra read just to see 0. */
    if ((size_t)n < room) {
      close(fd);
      if (b->length - start > INT32_MAX) break;
      return (int64_t)(b->length - start);
    }
  }
  close(fd);
  b->length = start;
  return -1;
}

typedef struct {
  bytes_t* out;
  const known_t* known;
  int32_t count;
} context_t;

typedef int (*entry_fn)(int dirfd, struct dirent64_raw* entry, context_t* c);

/* Calls fn for every entry but . and ..; -1 if listing fails or fn does. */
static int each_entry(int fd, entry_fn fn, context_t* c) {
  char buf[16384];
  for (;;) {
    long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) return 0;
    for (long off = 0; off < n;) {
      struct dirent64_raw* entry = (struct dirent64_raw*)(buf + off);
      off += entry->d_reclen;
      const char* name = entry->d_name;
      if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
      if (fn(fd, entry, c)) return -1;
    }
  }
}

static int list_entry(int dirfd, struct dirent64_raw* entry, context_t* c) {
  (void)dirfd;
  size_t len = strlen(entry->d_name);
  if (len > INT32_MAX || put_int(c->out, (int32_t)len) || put_padded(c->out, entry->d_name, len)) return -1;
  c->count++;
  return 0;
}

static int32_t known_index(const known_t* known, const char* name) {
  for (size_t i = 0; i < known->count; i++)
    if (strcmp(known->names[i], name) == 0) return (int32_t)i;
  return -1;
}

static int definition_entry(int dirfd, struct dirent64_raw* entry, context_t* c) {
  bytes_t* b = c->out;
  size_t len = strlen(entry->d_name);
  size_t header = b->length;
  int32_t known = known_index(c->known, entry->d_name);
  if (len > INT32_MAX || put_int(b, known) || put_int(b, (int32_t)len) || put_int(b, -1) || put_int(b, -1)) return -1;
  if (known < 0 && put_padded(b, entry->d_name, len)) return -1;
  if (entry->d_type == DT_REG) {
    int64_t n = read_file(dirfd, entry->d_name, b);
    if (n >= 0 && pad(b)) return -1;
    set_int(b, header + 8, (int32_t)n);
  } else if (entry->d_type == DT_DIR && len > 2 && strcmp(entry->d_name + len - 2, ".d") == 0) {
    int fd = openat(dirfd, entry->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return 0; /* left to fs, which says why */
    size_t mark = b->length;
    context_t list = {b, c->known, 0};
    int r = each_entry(fd, list_entry, &list);
    close(fd);
    if (r) b->length = mark; /* left to fs */
    else set_int(b, header + 12, list.count);
  }
  return 0;
}

/* Reads one definition directory into slot->out; 0 or -1. */
static int read_definition(slot_t* slot, const known_t* known) {
  int fd = open(slot->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  context_t c = {&slot->out, known, 0};
  int r = each_entry(fd, definition_entry, &c);
  close(fd);
  return r;
}

static void* reader(void* arg) {
  scan_t* s = arg;
  for (;;) {
    pthread_mutex_lock(&s->lock);
    if (s->stopping || s->next >= s->count) {
      pthread_mutex_unlock(&s->lock);
      return NULL;
    }
    slot_t* slot = &s->slots[s->next++];
    pthread_mutex_unlock(&s->lock);
    int ok = read_definition(slot, &s->known) == 0;
    if (!ok) {
      free(slot->out.bytes);
      slot->out = (bytes_t){0};
    }
    pthread_mutex_lock(&s->lock);
    slot->state = ok ? READ : FAILED;
    pthread_cond_broadcast(&s->done);
    pthread_mutex_unlock(&s->lock);
  }
}

/* Stops and joins the readers (once), then frees what they read and were given (idempotent). */
static void stop_scan(scan_t* s) {
  if (!s->joined) {
    pthread_mutex_lock(&s->lock);
    s->stopping = 1;
    pthread_mutex_unlock(&s->lock);
    for (int i = 0; i < s->nthreads; i++) pthread_join(s->threads[i], NULL);
    s->joined = 1;
  }
  for (size_t i = 0; i < s->count; i++) {
    free(s->slots[i].out.bytes);
    s->slots[i].out = (bytes_t){0};
    free(s->slots[i].path);
    s->slots[i].path = NULL;
  }
}

static void finalize_scan(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  scan_t* s = data;
  stop_scan(s);
  pthread_mutex_destroy(&s->lock);
  pthread_cond_destroy(&s->done);
  for (size_t i = 0; i < s->known.count; i++) free(s->known.names[i]);
  free(s->known.names);
  free(s->slots);
  free(s);
}

static napi_value type_error(napi_env env, const char* message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

/* A JS array of strings as malloc'd C strings (*items, *count); -1 if it is not one. */
static int get_strings(napi_env env, napi_value array, char*** items, size_t* count) {
  bool is_array = false;
  uint32_t n = 0;
  *items = NULL;
  *count = 0;
  if (napi_is_array(env, array, &is_array) != napi_ok || !is_array || napi_get_array_length(env, array, &n) != napi_ok) return -1;
  if (n == 0) return 0;
  char** strings = calloc(n, sizeof *strings);
  if (!strings) return -1;
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    size_t length = 0;
    if (napi_get_element(env, array, i, &item) == napi_ok && napi_get_value_string_utf8(env, item, NULL, 0, &length) == napi_ok &&
        (strings[i] = malloc(length + 1)) != NULL && napi_get_value_string_utf8(env, item, strings[i], length + 1, &length) == napi_ok)
      continue;
    for (uint32_t k = 0; k <= i; k++) free(strings[k]);
    free(strings);
    return -1;
  }
  *items = strings;
  *count = n;
  return 0;
}

static napi_value Start(napi_env env, napi_callback_info info) {
  static const char usage[] = "start(dirs: string[], threads: number, known: string[])";
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t threads = 0;
  char** dirs = NULL;
  size_t count = 0;
  if (argc < 3 || napi_get_value_int32(env, argv[1], &threads) != napi_ok || get_strings(env, argv[0], &dirs, &count)) return type_error(env, usage);
  if (threads < 1) threads = 1;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  scan_t* s = calloc(1, sizeof *s);
  if (s) s->slots = calloc(count ? count : 1, sizeof *s->slots);
  if (!s || !s->slots) {
    for (size_t i = 0; i < count; i++) free(dirs[i]);
    free(dirs);
    free(s);
    napi_throw_error(env, "ENOMEM", "start: out of memory");
    return NULL;
  }
  s->count = count;
  pthread_mutex_init(&s->lock, NULL);
  pthread_cond_init(&s->done, NULL);
  for (size_t i = 0; i < count; i++) s->slots[i].path = dirs[i];
  free(dirs);
  if (get_strings(env, argv[2], &s->known.names, &s->known.count)) {
    s->joined = 1;
    finalize_scan(env, s, NULL);
    return type_error(env, usage);
  }
  /* Readers never handle signals: they start with all of them blocked. */
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  for (int i = 0; i < threads && (size_t)i < count; i++) {
    if (pthread_create(&s->threads[s->nthreads], NULL, reader, s) == 0) s->nthreads++;
  }
  pthread_sigmask(SIG_SETMASK, &previous, NULL);
  /* Not one reader: every take() says "read it yourself". */
  if (s->nthreads == 0)
    for (size_t i = 0; i < count; i++) s->slots[i].state = FAILED;
  napi_value handle;
  if (napi_create_external(env, s, finalize_scan, NULL, &handle) != napi_ok) {
    finalize_scan(env, s, NULL);
    napi_throw_error(env, NULL, "start: unable to create the handle");
    return NULL;
  }
  return handle;
}

static scan_t* get_scan(napi_env env, napi_value value) {
  void* data = NULL;
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external) return NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok) return NULL;
  return data;
}

static napi_value Take(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  scan_t* s = argc == 3 ? get_scan(env, argv[0]) : NULL;
  uint32_t i = 0;
  void* into = NULL;
  size_t room = 0;
  bool is_buffer = false;
  if (!s || napi_get_value_uint32(env, argv[1], &i) != napi_ok || i >= s->count || napi_is_buffer(env, argv[2], &is_buffer) != napi_ok ||
      !is_buffer || napi_get_buffer_info(env, argv[2], &into, &room) != napi_ok)
    return type_error(env, "take(handle, index, into: Buffer)");
  int64_t answer = -1;
  if (!s->joined) {
    slot_t* slot = &s->slots[i];
    pthread_mutex_lock(&s->lock);
    while (slot->state == PENDING) pthread_cond_wait(&s->done, &s->lock);
    pthread_mutex_unlock(&s->lock);
    if (slot->state == READ && slot->out.length > room) {
      answer = -(int64_t)slot->out.length - 2; /* kept for the next take */
    } else {
      if (slot->state == READ) {
        if (slot->out.length) memcpy(into, slot->out.bytes, slot->out.length);
        answer = (int64_t)slot->out.length;
      }
      free(slot->out.bytes);
      slot->out = (bytes_t){0};
      slot->state = FAILED; /* taken: a second take gets -1 */
    }
  }
  napi_value result;
  napi_create_int64(env, answer, &result);
  return result;
}

static napi_value Stop(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  napi_get_cb_info(env, info, &argc, &arg, NULL, NULL);
  scan_t* s = argc == 1 ? get_scan(env, arg) : NULL;
  if (!s) return type_error(env, "stop(handle)");
  stop_scan(s);
  return NULL;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"start", NULL, Start, NULL, NULL, NULL, napi_default, NULL},
      {"take", NULL, Take, NULL, NULL, NULL, napi_default, NULL},
      {"stop", NULL, Stop, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 3, properties);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
