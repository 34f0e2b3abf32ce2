/**
 * The usage line of every subcommand of the suite, in one place: each module's
 * `spec.usage` and the registry's entry (which `s6rc help` lists without
 * loading the modules) both come from here.
 */
export const USAGE = {
  compile: 'compile [-v verbosity] compiled source...',
  db: 'db [-l live] [-c compiled] [-b] [-u|-d] [-E|-e] [--json] help|check|list|type|timeout|contents|dependencies|pipeline|script|flags|atomics|all-dependencies|settings ...',
  init: 'init [-c compiled] [-l live] [-t timeout] [-b] [-s store] [--metrics ADDR:PORT]',
  daemon: 'daemon [-l live] [-N fd] [-s store] [-t stoptimeout] [--metrics ADDR:PORT]',
  shutdown: 'shutdown [-l live] [-t timeout]',
  status: 'status [-l live] [-o fields | -uwNrpest] [-n] [--json] [services...]',
  wait: 'wait [-l live] [-U|-u|-D|-d|-r|-R] [-a|-o] [-t timeout] services...',
  svc: 'svc [--livedir live] [-T timeout] [-wu|-wU|-wd|-wD|-wr|-wR] -u|-d|-r|-o|-x|-l|-t|-k|-h|-a|-i|-q|-1|-2|-b|-y|-p|-c|-P|-C|-K|-s signal... services...',
  history: 'history [-l live] [-s store] [--service S] [--change ID] [--since T] [--until T] [--limit N] [--json] [--follow] [--changes] [--critical-chain] [--deaths S] [--prune-before T]',
  replay: 'replay [-l live] [-s store] [--at SEQ|TIME] [--verify] [--json]',
  reconcile: 'reconcile [-l live]',
  graph: 'graph [-l live | -c compiled] [-s store] [--format dot|mermaid|json|html] [-o file] [services...]',
  statechart: 'statechart [--format stately|mermaid|dot] [-o file] longrun|oneshot|orchestrator',
  plot: 'plot [-l live] [-s store] [--change ID] [-o file]',
  boot: 'boot [-l live] [-s store] [-t timeout] [--exit-on-failure] [--metrics ADDR:PORT] SOURCE-OR-COMPILED [services...]',
  update: 'update [-n] [-v verbosity] [-t timeout] [-l live] [-f convfile] [-b] [-E|-e] [--json] newcompiled',
  ui: 'ui [-l live] [-s store] [--listen ADDR:PORT]',
} as const;
