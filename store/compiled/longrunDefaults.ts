/** What a longrun is without any optional file: s6-supervise's defaults (SPEC §3). */
import type { Longrun } from '../../machines/model.js';

/** The longrun-specific part of a `Longrun`, as `readSource` fills it in and `loadCompiled` starts from. */
export type LongrunSettings = Pick<
  Longrun,
  | 'notificationFd'
  | 'timeoutKill'
  | 'timeoutFinish'
  | 'maxDeathTally'
  | 'downSignal'
  | 'reloadSignal'
  | 'killProcessGroup'
  | 'lockFd'
  | 'notifyOnCheck'
  | 'restart'
  | 'restartBackoff'
  | 'restartLimit'
  | 'notifySocket'
  | 'watchdogTimeout'
  | 'readinessProbe'
  | 'livenessProbe'
  | 'producerFor'
  | 'consumerFor'
  | 'pipelineName'
  | 'files'
>;

/** A fresh object each time: `consumerFor` and `files` are filled in place. */
export function longrunDefaults(): LongrunSettings {
  return {
    notificationFd: null,
    timeoutKill: 0,
    timeoutFinish: 5000,
    maxDeathTally: 100,
    downSignal: 'SIGTERM',
    reloadSignal: 'SIGHUP',
    killProcessGroup: false,
    lockFd: null,
    notifyOnCheck: null,
    restart: 'always',
    restartBackoff: null,
    restartLimit: null,
    notifySocket: false,
    watchdogTimeout: 0,
    readinessProbe: null,
    livenessProbe: null,
    producerFor: null,
    consumerFor: [],
    pipelineName: null,
    files: [],
  };
}
