{
  "targets": [
    {
      "target_name": "s6rc_spawn",
      "sources": ["native/spawn.c", "native/notify.c", "native/reaper.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
