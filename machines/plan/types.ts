/**
 * The data a `change` is planned into: which atomic services move, in which
 * direction, and which transitions must succeed before which. Plain arrays
 * indexed by transition id, so the scheduler does integer work per event.
 */
import type { AtomicType } from '../model.js';

/** `-u`, `-d`, or `-D` (down including essential services). */
export type Direction = 'up' | 'down' | 'DOWN';

/** What the user asked for, as parsed by the CLI (names still unresolved). */
export interface ChangeRequest {
  /** Atomic or bundle names from the command line. */
  names: string[];
  direction: Direction;
  /** `-a`: add the active services to the selection. */
  all: boolean;
  /** `-p`: prune. */
  prune: boolean;
}

/** One state transition of one atomic service. */
export interface Transition {
  service: string;
  type: AtomicType;
  /** `up` brings the service up, `down` brings it down. */
  kind: 'up' | 'down';
}

/** The two phases of a change: prune brings the unwanted down first, then the wanted up. */
export type Phase = 'down' | 'up';

export interface Plan {
  /** Every transition, indexed by id; down-phase ids first, then up-phase ids. */
  transitions: Transition[];
  /** Number of down-phase transitions: ids `< downCount` are down, the rest up. */
  downCount: number;
  /** For each id, how many transitions must succeed before it may run. */
  prerequisites: number[];
  /** For each id, the transitions waiting for it (same phase), each listed once. */
  successors: number[][];
  /** Essential services the change refrains from stopping (each gets a warning), sorted. */
  essentialKept: string[];
}
