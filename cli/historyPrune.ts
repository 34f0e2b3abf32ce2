/**
 * `s6rc history --prune-before T`: deletes the events older than T beside a
 * running supervisor (store/events/prune.ts), after storing the fold at the
 * cut as a replay checkpoint, and has the supervisor record it (`log.pruned`;
 * with no supervisor running, the record is written directly).
 */
import { EXIT, Fatal, say } from './fatal.js';
import { openLog } from './openLog.js';

/** Prunes the log of `live` (or `store`) before `before` (ms); prints what it did. */
export async function prune(live: string, store: string | undefined, before: number, json: boolean): Promise<number> {
  const { storePath } = await import('../store/events/storePath.js');
  const { openPruner } = await import('../store/events/prune.js');
  const { loadModel, liveCompiledPath } = await import('./render/loadModel.js');
  const file = storePath(live, store);
  // The reader's checks first: a missing or foreign log is reported as history reports it.
  (await openLog(file)).close();
  const model = await loadModel(liveCompiledPath(live));
  let pruner;
  try {
    pruner = openPruner(file);
  } catch (err) {
    if (err instanceof Fatal) throw err;
    throw new Fatal(EXIT.system, `unable to open the event log ${file} for writing: ${(err as Error).message}`);
  }
  try {
    const cut = pruner.cutFor(before);
    if (cut < pruner.firstSeq()) {
      report(json, { before, cut: 0, events: 0, checkpoints: 0, changes: 0 }, 'nothing to prune: no event is older than that');
      return EXIT.ok;
    }
    // The checkpoint first: whatever happens next, replay starts from it.
    pruner.checkpointAt(model, cut);
    const result = { before, cut, ...pruner.deleteUpTo(cut, before) };
    const recorded = await recordPrune(live, result, () => pruner!.recordPruneDirectly(result));
    report(json, result, `pruned ${result.events} events up to seq ${cut}, ${result.checkpoints} checkpoints and ${result.changes} ended changes; replay starts from the checkpoint at seq ${cut}${recorded}`);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof Fatal) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'SQLITE_BUSY') throw new Fatal(EXIT.system, `the event log ${file} stayed locked: try again`);
    throw new Fatal(EXIT.system, `unable to prune the event log ${file}: ${code ? `${code}: ` : ''}${(err as Error).message}`);
  } finally {
    pruner.close();
  }
}

type Result = import('../store/events/prune.js').PruneResult;

/** Asks the running supervisor to record the prune; with none running, `direct` writes the record. Returns a note for the summary. */
async function recordPrune(live: string, result: Result, direct: () => number): Promise<string> {
  const { ControlClient, SupervisorGone } = await import('./client.js');
  let client;
  try {
    client = await ControlClient.connect(live);
  } catch (err) {
    if (!(err instanceof SupervisorGone)) throw err;
    direct();
    return ' (no supervisor running: recorded directly)';
  }
  try {
    await client.request('pruned', result);
    return '';
  } finally {
    client.close();
  }
}

function report(json: boolean, result: Result, text: string): void {
  if (json) process.stdout.write(JSON.stringify({ ...result, before: new Date(result.before).toISOString() }) + '\n');
  else say('info', text);
}
