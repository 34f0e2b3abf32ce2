/**
 * Every subcommand, by name, loaded only when used: the CLI's cold start pays
 * for one subcommand's imports, never for all of them. Each entry also carries
 * its usage line (from usage.ts, as the module's `spec.usage`), so `s6rc help`
 * lists the suite without loading it.
 */
import type { CommandModule } from './command.js';
import { USAGE } from './usage.js';

export interface Entry {
  /** The module's `spec.usage`. */
  usage: string;
  load: () => Promise<CommandModule>;
}

/** The rest of the suite: the subcommand word comes first, its options after it. */
export const SUITE: Record<string, Entry> = {
  compile: { usage: USAGE.compile, load: () => import('./compile.js') },
  db: { usage: USAGE.db, load: () => import('./db.js') },
  init: { usage: USAGE.init, load: () => import('./init.js') },
  daemon: { usage: USAGE.daemon, load: () => import('./daemon.js') },
  shutdown: { usage: USAGE.shutdown, load: () => import('./shutdown.js') },
  status: { usage: USAGE.status, load: () => import('./status.js') },
  wait: { usage: USAGE.wait, load: () => import('./wait.js') },
  svc: { usage: USAGE.svc, load: () => import('./svc.js') },
  history: { usage: USAGE.history, load: () => import('./history.js') },
  replay: { usage: USAGE.replay, load: () => import('./replay.js') },
  reconcile: { usage: USAGE.reconcile, load: () => import('./reconcile.js') },
  graph: { usage: USAGE.graph, load: () => import('./graph.js') },
  statechart: { usage: USAGE.statechart, load: () => import('./statechart.js') },
  plot: { usage: USAGE.plot, load: () => import('./plot.js') },
  boot: { usage: USAGE.boot, load: () => import('./boot.js') },
  update: { usage: USAGE.update, load: () => import('./update.js') },
  ui: { usage: USAGE.ui, load: () => import('./ui.js') },
};

