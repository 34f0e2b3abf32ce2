/** Loads a compiled database for the picture commands, with the CLI's error conventions. */
import { join } from 'node:path';
import type { CompiledModel } from '../../machines/model.js';
import { EXIT, Fatal } from '../fatal.js';
import { statIfPresent } from '../pathAccess.js';

/** The compiled database at `path`; exit 4 when missing or invalid, 111 when this user may not read it. */
export async function loadModel(path: string): Promise<CompiledModel> {
  if (!statIfPresent(path, 'compiled database')) throw new Fatal(EXIT.invalidDatabase, `unable to read compiled database ${path}: no such file or directory`);
  const { loadCompiled } = await import('../../store/compiled/loadCompiled.js');
  try {
    return loadCompiled(path);
  } catch (err) {
    if (err instanceof Fatal) throw err;
    throw new Fatal(EXIT.invalidDatabase, `invalid compiled database ${path}: ${(err as Error).message}`);
  }
}

/** The compiled database a live directory was initialised with. */
export function liveCompiledPath(live: string): string {
  return join(live, 'compiled');
}
