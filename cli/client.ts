/**
 * The CLI's side of the control-socket client (protocol/client.ts): a
 * supervisor that cannot be reached, or goes away, ends the command with exit
 * 111 and one line.
 */
import { ControlClient, SupervisorGone } from '../protocol/client.js';
import type { Op, ProgressOf, Requests, Results } from '../protocol/types.js';
import { EXIT, Fatal } from './fatal.js';

export { ControlClient, SupervisorGone };

/** Connects or ends the command with exit 111 and a clear message. */
export async function connectOrDie(live: string): Promise<ControlClient> {
  try {
    return await ControlClient.connect(live);
  } catch (err) {
    throw new Fatal(EXIT.system, (err as Error).message);
  }
}

/** One request, with `SupervisorGone` turned into a 111 Fatal. */
export async function call<O extends Op>(client: ControlClient, op: O, args: Requests[O], progress?: (data: ProgressOf<O>) => void): Promise<Results[O]> {
  try {
    return await client.request(op, args, progress);
  } catch (err) {
    if (err instanceof SupervisorGone) throw new Fatal(EXIT.system, err.message);
    throw err;
  }
}
