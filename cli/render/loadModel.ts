/** Loads a compiled database for the picture commands, with the CLI's error conventions. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CompiledModel } from '../../machines/model.js';
import { EXIT, Fatal } from '../fatal.js';

/** The compiled database at `path` (a database file or directory, as H1's loader accepts); exit 4 when invalid. */
export async function loadModel(path: string): Promise<CompiledModel> {
  if (!existsSync(path)) throw new Fatal(EXIT.invalidDatabase, `unable to read compiled database ${path}: no such file or directory`);
  const mod = (await import('../../store/compiled/loadCompiled.js' as string)) as { loadCompiled: (p: string) => CompiledModel | Promise<CompiledModel> };
  try {
    return await mod.loadCompiled(path);
  } catch (err) {
    if (err instanceof Fatal) throw err;
    throw new Fatal(EXIT.invalidDatabase, `invalid compiled database ${path}: ${(err as Error).message}`);
  }
}

/** The compiled database a live directory was initialised with. */
export function liveCompiledPath(live: string): string {
  return join(live, 'compiled');
}
