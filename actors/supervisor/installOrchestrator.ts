import type { SupervisorApi } from './api.js';

/**
 * Lets the orchestrator (actors/orchestrator/) register its socket
 * operations (`change`, `list`, `listall`, `diff`, `reconcile`) in this
 * supervisor. Loaded lazily: a supervisor built without it still supervises.
 */
export async function installOrchestrator(sup: SupervisorApi): Promise<OrchestratedDownAll | undefined> {
  let mod: Record<string, unknown>;
  try {
    mod = await import('../orchestrator/index.js' as string);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes('orchestrator')) return undefined;
    throw err;
  }
  const register = mod.registerOrchestrator as ((s: SupervisorApi) => void | Promise<void>) | undefined;
  if (typeof register === 'function') await register(sup);
  return typeof mod.downAll === 'function' ? (mod.downAll as OrchestratedDownAll) : undefined;
}

/** The orchestrator's `-Da change` (actors/orchestrator/downAll.ts): records the change and the live state itself. */
export type OrchestratedDownAll = (
  sup: SupervisorApi,
  options: { timeout?: number; argv?: string[]; user?: string; onText?: (text: string) => void },
) => Promise<unknown>;
