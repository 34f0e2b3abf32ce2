/**
 * What the CLI prints with `--json` (docs/protocol.md, "JSON output"), for
 * programs that read it and for the Node API, which returns the same
 * shapes. Types only. Most are the socket's own messages; `db` reads the
 * compiled database instead.
 */
import type { Command, Probe, RestartPolicy, ServiceType } from '../machines/model.js';
import type { ChangeReport } from './changeReport.js';
import type { ChangePlanned, ChangeStarted, Results, StatusView, TransitionProgress, UpdatePlanned } from './types.js';

/** `s6rc status --json`: one document, an array with a row per service: its status plus s6-svstat's `-o` fields as text. */
export type StatusJson = (StatusView & { fields: Record<string, string> })[];

/** `s6rc list --json`, `s6rc listall --json`: one array of names. */
export type ListJson = Results['list']['services'];

/** `s6rc diff --json`: one object (exit 1 all the same when `lines` or `unknown` is not empty). */
export type DiffJson = Results['diff'];

/** A dry run's text (`s6rc-dryrun: up web: ...`), on stdout without `--json`. */
export interface DryRunText {
  out: string;
}

/** `s6rc change --json` (and `start`, `stop`): NDJSON, the progress messages, then the report as the last line. */
export type ChangeJsonLine = ChangeStarted | ChangePlanned | TransitionProgress | DryRunText | ChangeReport;

/** `s6rc update --json`: NDJSON, the plan, its phases' plans and steps (a dry run's text), then the result as the last line. */
export type UpdateJsonLine = UpdatePlanned | ChangePlanned | TransitionProgress | DryRunText | Results['update'];

/** `s6rc reload --json`: NDJSON, the change id, then the result. */
export type ReloadJsonLine = { changeId: number } | Results['reload'];

/**
 * `s6rc db settings --json S`: the settings of s6-rc 0.7 and s6rc that are
 * not at their default, by file name, as compiled (absent: the default).
 */
export interface ServiceSettings {
  'reload-signal'?: string;
  'flag-timeout-killpg'?: true;
  restart?: RestartPolicy;
  'restart-backoff'?: { min: number; max: number };
  'restart-limit'?: { count: number; seconds: number };
  'notify-socket'?: true;
  'watchdog-timeout'?: number;
  'readiness-probe'?: Probe;
  'liveness-probe'?: Probe;
}

/** `s6rc db --json QUERY ...`: what each query prints, one JSON value (`check` prints nothing, as without `--json`). */
export interface DbJson {
  /** `list all|services|oneshots|longruns|bundles`. */
  list: string[];
  type: ServiceType;
  /** ms (`-u` up, `-d` down); 0: none. */
  timeout: number;
  contents: string[];
  dependencies: string[];
  /** Its links, producers first; `[]` for a longrun in no pipeline. */
  pipeline: { producer: string; consumer: string }[];
  /** The oneshot's up (`-u`) or down (`-d`) command; null when it has none. */
  script: Command | null;
  /** Bit 0: essential. */
  flags: { flags: number; essential: boolean };
  atomics: string[];
  'all-dependencies': string[];
  settings: ServiceSettings;
}
