/**
 * The change engine inside the supervisor: one `Orchestrator` per supervisor
 * holds the change lock and the running changes, adds the socket operations
 * (`change`, `list`, `listall`, `diff`, `reconcile`) and runs the orchestrated
 * `-Da change` of a shutdown (`downAll`).
 */
export { Orchestrator, type DownAllOptions } from './orchestrator.js';
export { runChange, type ChangeOptions } from './runChange.js';
