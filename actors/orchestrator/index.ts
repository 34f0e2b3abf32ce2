/**
 * The change engine inside the supervisor: `registerOrchestrator(supervisor)`
 * adds the socket operations; `downAll` is the orchestrated `-Da change` for shutdown;
 * `changeLockOf` is the one-change-at-a-time lock a shutdown shares with `change`.
 */
export { registerOrchestrator, orchestratorOps } from './ops.js';
export { downAll, type DownAllOptions } from './downAll.js';
export { changeLockOf } from './changeLock.js';
export { runChange, type ChangeOptions } from './runChange.js';
