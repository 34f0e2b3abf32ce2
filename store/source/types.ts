/** One service definition as read from a source directory, before names are resolved. */
import type { Command, ServiceType } from '../../machines/model.js';
import type { LongrunSettings } from '../compiled/longrunDefaults.js';

export interface SourceService {
  name: string;
  /** The definition directory, for error messages. */
  dir: string;
  type: ServiceType;
  essential: boolean;
  /** Bundles: members as written, and the file they came from. */
  contents: string[];
  contentsPath: string;
  /** Atomics: dependencies as written, and the file they came from. */
  dependencies: string[];
  dependenciesPath: string;
  timeoutUp: number;
  timeoutDown: number;
  oneshot?: { up: Command; down: Command | null; reload: Command | null };
  longrun?: SourceLongrun;
}

/** A longrun's own settings, names not yet checked against other services. */
export type SourceLongrun = LongrunSettings;
