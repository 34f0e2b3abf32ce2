import type { SupervisorApi } from './api.js';

/**
 * Lets the orchestrator (actors/orchestrator/) register its socket
 * operations (`change`, `list`, `listall`, `diff`, `reconcile`) in this
 * supervisor. Loaded lazily: a supervisor built without it still supervises.
 */
export async function installOrchestrator(sup: SupervisorApi): Promise<void> {
  let mod: Record<string, unknown>;
  try {
    mod = await import('../orchestrator/index.js' as string);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes('orchestrator')) return;
    throw err;
  }
  const register = (mod.registerOrchestrator ?? mod.registerOps ?? mod.install) as ((s: SupervisorApi) => void | Promise<void>) | undefined;
  if (typeof register === 'function') await register(sup);
}
