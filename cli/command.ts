import type { CommandSpec, ParseResult } from './options.js';

/** What every `cli/<name>.ts` exports: its option table and the code that runs it. */
export interface CommandModule {
  spec: CommandSpec;
  /** Returns the exit code; throws `Fatal` for documented failures. */
  run(parsed: ParseResult): Promise<number> | number;
}
