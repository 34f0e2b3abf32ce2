/**
 * Every subcommand, by name, loaded only when used: the CLI's cold start pays
 * for one subcommand's imports, never for all of them. Each entry also carries
 * its usage line, so `s6rc help` lists the suite without loading it (a test
 * checks every one against its module's `spec.usage`).
 */
import type { CommandModule } from './command.js';

export interface Entry {
  /** The module's `spec.usage`. */
  usage: string;
  load: () => Promise<CommandModule>;
}

/** The rest of the suite: the subcommand word comes first, its options after it. */
export const SUITE: Record<string, Entry> = {
  compile: { usage: 'compile [-v verbosity] compiled source...', load: () => import('./compile.js') },
  db: { usage: 'db [-l live] [-c compiled] [-b] [-u|-d] help|check|list|type|timeout|contents|dependencies|pipeline|script|flags|atomics|all-dependencies ...', load: () => import('./db.js') },
  init: { usage: 'init [-c compiled] [-l live] [-t timeout] [-b] [-s store]', load: () => import('./init.js') },
  daemon: { usage: 'daemon [-l live] [-N fd] [-s store]', load: () => import('./daemon.js') },
  shutdown: { usage: 'shutdown [-l live] [-t timeout]', load: () => import('./shutdown.js') },
  status: { usage: 'status [-l live] [-o fields | -uwNrpest] [-n] [--json] [services...]', load: () => import('./status.js') },
  wait: { usage: 'wait [-l live] [-U|-u|-D|-d|-r|-R] [-a|-o] [-t timeout] services...', load: () => import('./wait.js') },
  svc: { usage: 'svc [-l live] [-T timeout] [-wu|-wU|-wd|-wD|-wr|-wR] -u|-d|-r|-o|-x|-t|-k|-h|-a|-i|-q|-1|-2|-b|-y|-p|-c... services...', load: () => import('./svc.js') },
  history: { usage: 'history [-l live] [-s store] [--service S] [--change ID] [--since T] [--until T] [--limit N] [--json] [--follow] [--changes] [--critical-chain]', load: () => import('./history.js') },
  replay: { usage: 'replay [-l live] [-s store] [--at SEQ|TIME] [--verify] [--json]', load: () => import('./replay.js') },
  reconcile: { usage: 'reconcile [-l live]', load: () => import('./reconcile.js') },
  graph: { usage: 'graph [-l live | -c compiled] [-s store] [--format dot|mermaid|json|html] [-o file] [services...]', load: () => import('./graph.js') },
  statechart: { usage: 'statechart [--format stately|mermaid|dot] [-o file] longrun|oneshot|orchestrator', load: () => import('./statechart.js') },
  plot: { usage: 'plot [-l live] [-s store] [--change ID] [-o file]', load: () => import('./plot.js') },
  boot: { usage: 'boot [-l live] [-s store] [-t timeout] SOURCE-OR-COMPILED [services...]', load: () => import('./boot.js') },
};

