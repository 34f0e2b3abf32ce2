/**
 * s6rc's Node API: `import { connect } from 's6rc'` (README, "Using s6rc
 * from Node"). A client of the supervisor's control socket — promises for
 * answers, rxjs Observables for what streams — and a read-only reader of its
 * event log. Every failure is an `S6rcError` with the CLI's exit code and
 * message. The types are the protocol's own (protocol/types.ts), the same
 * shapes `s6rc ... --json` prints.
 */
export { connect, type S6rcClient } from './client.js';
export { EXIT, S6rcError } from './errors.js';
export type {
  ChangeCall,
  ChangeOptions,
  ChangeProgress,
  ChangesQuery,
  ConnectOptions,
  HistoryEvent,
  HistoryQuery,
  Invocation,
  ListOptions,
  ReloadOptions,
  ReloadResult,
  UpdateCall,
  UpdateOptions,
  UpdateProgress,
  UpdateResult,
  WaitOptions,
  WaitUntil,
} from './types.js';
export type { ChangeReport, FailedTransition, SkippedTransition } from '../protocol/changeReport.js';
export type {
  ChangeEnd,
  ChangePlanned,
  ChangeStarted,
  Correction,
  Output,
  ServiceState,
  ServiceStatus,
  StatusView,
  TransitionProgress,
  TransitionRef,
  TransitionStep,
  UpdateEnd,
  UpdatePlanned,
} from '../protocol/types.js';
export type { ChangeJsonLine, DbJson, DiffJson, DryRunText, ListJson, ReloadJsonLine, ServiceSettings, StatusJson, UpdateJsonLine } from '../protocol/jsonOutput.js';
export type { LoggedEvent, LoggedEventType, PayloadOf } from '../machines/events.js';
export type { ChangeRow } from '../store/events/types.js';
