/** One service definition as read from a source directory, before names are resolved. */
import type { Command, NotifyOnCheck, ServiceFile, ServiceType } from '../compiled/model.js';

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
  oneshot?: { up: Command; down: Command | null };
  longrun?: SourceLongrun;
}

export interface SourceLongrun {
  notificationFd: number | null;
  timeoutKill: number;
  timeoutFinish: number;
  maxDeathTally: number;
  downSignal: string;
  lockFd: number | null;
  notifyOnCheck: NotifyOnCheck | null;
  producerFor: string | null;
  consumerFor: string[];
  pipelineName: string | null;
  files: ServiceFile[];
}
