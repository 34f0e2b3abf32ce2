/*
 * What the addon's C files share. spawn.c defines the error helpers and its
 * Init calls each other file's registration function.
 */
#ifndef S6RC_NATIVE_H
#define S6RC_NATIVE_H

#include <node_api.h>

/* The errno's name ("ENOENT"), for an Error's `code`; "EIO" for one we do not name. */
const char* s6rc_errno_name(int err);

/* Throws an Error "what: strerror(err)" whose `code` is the errno's name; returns NULL for the caller to return. */
napi_value s6rc_throw_errno(napi_env env, int err, const char* what);

/* native/notify.c: notifyOpen. */
napi_status s6rc_register_notify(napi_env env, napi_value exports);

/* native/reaper.c: setChildSubreaper, waitedFor, exitedChild, reap. */
napi_status s6rc_define_reaper(napi_env env, napi_value exports);

#endif
