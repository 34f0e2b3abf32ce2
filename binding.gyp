{
  "targets": [
    {
      "target_name": "s6rc_spawn",
      "sources": ["native/spawn.c", "native/notify.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
