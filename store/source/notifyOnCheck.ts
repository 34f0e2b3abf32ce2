/**
 * The `notifyoncheck` extension file: s6-notifyoncheck's options, parsed once
 * at compile time so the supervisor can poll the check program itself.
 */
import type { NotifyOnCheck } from '../../machines/model.js';
import { lexExecline } from './execlineLexer.js';
import { escapeText, quote } from './quote.js';

/** s6-notifyoncheck's defaults: -s 10 -T 0 -t 0 -w 1000 -n 7 -c ./data/check. */
export function defaultNotifyOnCheck(): NotifyOnCheck {
  return { initialSleep: 10, globalTimeout: 0, localTimeout: 0, waitingTime: 1000, tries: 7, checkProgram: ['./data/check'] };
}

/** `-x` for a message; the letter comes from the file, whatever it is. */
const optionName = (letter: string): string => `-${escapeText(letter)}`;

const NUMERIC: Record<string, keyof Omit<NotifyOnCheck, 'checkProgram'>> = {
  s: 'initialSleep',
  T: 'globalTimeout',
  t: 'localTimeout',
  w: 'waitingTime',
  n: 'tries',
};

/**
 * Parses the options of a `notifyoncheck` file (getopt style, execline-lexed:
 * `-s 10 -w1000 -c "./data/check --quick"`). `-d` and `-3 fd` are accepted and
 * ignored: the supervisor needs neither a double fork nor a notification fd
 * of its own. Throws an Error describing the first problem.
 */
export function parseNotifyOnCheck(text: string): NotifyOnCheck {
  const opts = defaultNotifyOnCheck();
  const words = lexExecline(text);
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (!w.startsWith('-') || w.length < 2) throw new Error(`unexpected argument ${quote(w)} (only options are allowed)`);
    for (let j = 1; j < w.length; j++) {
      const letter = w[j];
      if (letter === 'd') continue;
      if (!(letter in NUMERIC) && letter !== 'c' && letter !== '3') throw new Error(`unknown option ${optionName(letter)}`);
      // An option with an argument takes the rest of this word, or the next word.
      let value = w.slice(j + 1);
      if (value === '') {
        if (++i >= words.length) throw new Error(`option ${optionName(letter)} requires an argument`);
        value = words[i];
      }
      if (letter === 'c') {
        opts.checkProgram = lexExecline(value);
        if (opts.checkProgram.length === 0) throw new Error('option -c requires a non-empty command');
      } else if (!/^\d+$/.test(value)) {
        throw new Error(`option ${optionName(letter)} expects a non-negative integer, got ${quote(value)}`);
      } else if (letter !== '3') {
        opts[NUMERIC[letter]] = Number(value);
      }
      break;
    }
  }
  return opts;
}
