/**
 * Every subcommand, by name, loaded only when used: the CLI's cold start pays
 * for one subcommand's imports, never for all of them.
 */
import type { CommandModule } from './command.js';

export interface Entry {
  load: () => Promise<CommandModule>;
}

/** The rest of the suite: the subcommand word comes first, its options after it. */
export const SUITE: Record<string, Entry> = {
  compile: { load: () => import('./compile.js') },
  db: { load: () => import('./db.js') },
  init: { load: () => import('./init.js') },
  daemon: { load: () => import('./daemon.js') },
  shutdown: { load: () => import('./shutdown.js') },
  status: { load: () => import('./status.js') },
  wait: { load: () => import('./wait.js') },
  svc: { load: () => import('./svc.js') },
  history: { load: () => import('./history.js') },
  replay: { load: () => import('./replay.js') },
  reconcile: { load: () => import('./reconcile.js') },
  graph: { load: () => import('./graph.js') },
  statechart: { load: () => import('./statechart.js') },
  plot: { load: () => import('./plot.js') },
  boot: { load: () => import('./boot.js') },
};

