/**
 * Reads s6-rc source directories (SPEC §1) into `SourceService` records:
 * every file of every definition directory, checked for form but not yet for
 * names that refer to other services (that is `resolveServices`' job).
 */
import type { Dirent } from 'node:fs';
import { fs, os } from '../compiled/nodeFs.js';
import type { Command, ServiceFile, ServiceType } from '../../machines/model.js';
import { ExeclineSyntaxError, lexExecline } from './execlineLexer.js';
import { parseNameList, parseUint } from './lines.js';
import { nameProblem } from './names.js';
import { parseNotifyOnCheck } from './notifyOnCheck.js';
import { parseProbe, parseRestartBackoff, parseRestartLimit, parseRestartPolicy, parseWatchdogTimeout } from './health.js';
import { shebangNamesExeclineb } from './shebang.js';
import { quote } from './quote.js';
import { COMPILE_PROGRAM, sourceError } from './sourceError.js';
import type { SourceLongrun, SourceService } from './types.js';
import { systemFatal } from '../../machines/errors.js';
import { byUtf8 } from '../compiled/modelRows.js';
import { brokenLink, checkLink, isDirectoryAt, readBytes, readCopied, readText, readView, resetReading, textBytes } from './sourceFiles.js';
import { longrunDefaults } from '../compiled/longrunDefaults.js';

export interface ReadOptions {
  /** Called with info lines at verbosity 2+ and warnings at 1+. */
  log?: (level: 'info' | 'warning', message: string) => void;
  verbosity?: number;
  /** Called with the number of definition directories of each source directory, before they are read. */
  onDefinitions?: (count: number) => void;
}

/** Reads every definition directory of every source directory, in order; names must be unique across them. */
export function readSourceDirs(sourceDirs: string[], opts: ReadOptions = {}): SourceService[] {
  try {
    return readAll(sourceDirs, opts);
  } finally {
    resetReading();
  }
}

function readAll(sourceDirs: string[], opts: ReadOptions): SourceService[] {
  const services: SourceService[] = [];
  const seen = new Map<string, string>();
  for (const source of sourceDirs) {
    if ((opts.verbosity ?? 1) >= 2) opts.log?.('info', `parsing ${source}`);
    let entries: Dirent[];
    try {
      entries = fs.readdirSync(source, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw sourceError('not a source directory', source);
      throw systemFatal(`unable to read source directory ${source}`, err, COMPILE_PROGRAM);
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const names: string[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      // A symlink counts if it leads to a directory (one to a file is skipped, as a file is), and stops compile if it leads nowhere.
      if (entry.isDirectory() || (entry.isSymbolicLink() && isDirectoryAt(`${source}/${entry.name}`))) names.push(entry.name);
    }
    opts.onDefinitions?.(names.length);
    for (const name of names) {
      const dir = `${source}/${name}`;
      const problem = nameProblem(name);
      if (problem) throw sourceError(problem, dir);
      const previous = seen.get(name);
      if (previous) throw sourceError(`duplicate service name '${name}' (also defined in ${previous})`, dir);
      seen.set(name, dir);
      if ((opts.verbosity ?? 1) >= 3) opts.log?.('info', `parsing ${dir}`);
      services.push(readDefinition(name, dir, opts));
    }
  }
  return services;
}

const TYPES: ServiceType[] = ['oneshot', 'longrun', 'bundle'];

function readDefinition(name: string, dir: string, opts: ReadOptions): SourceService {
  // A handful of names: an array's includes is cheaper than building a Set.
  let present: string[];
  try {
    present = fs.readdirSync(dir);
  } catch (err) {
    throw systemFatal(`unable to read ${dir}`, err, COMPILE_PROGRAM);
  }
  const text = (file: string): string | null => (present.includes(file) ? readText(`${dir}/${file}`) : null);
  const typePath = `${dir}/type`;
  const typeText = text('type');
  if (typeText === null) throw sourceError('missing type file', dir);
  const type = typeText.trim() as ServiceType;
  if (!TYPES.includes(type)) throw sourceError(`invalid type ${quote(typeText.trim())} (expected oneshot, longrun or bundle)`, typePath);

  const essential = present.includes('flag-essential');
  // Presence only, but a flag-essential that leads nowhere is a mistake worth stopping for.
  if (essential) checkLink(`${dir}/flag-essential`);
  const service: SourceService = {
    name,
    dir,
    type,
    essential,
    contents: [],
    contentsPath: `${dir}/contents`,
    dependencies: [],
    dependenciesPath: `${dir}/dependencies`,
    timeoutUp: 0,
    timeoutDown: 0,
  };
  if (type === 'bundle') {
    const list = readNameList(dir, 'contents', present);
    if (list === null) throw sourceError('bundle without contents.d or contents', dir);
    [service.contents, service.contentsPath] = list;
    return service;
  }
  const deps = readNameList(dir, 'dependencies', present);
  if (deps) [service.dependencies, service.dependenciesPath] = deps;
  service.timeoutUp = readNumber(dir, 'timeout-up', text) ?? 0;
  service.timeoutDown = readNumber(dir, 'timeout-down', text) ?? 0;
  if (type === 'oneshot') {
    const up = readCommand(dir, 'up', present);
    if (up === null) throw sourceError('oneshot without an up file', dir);
    service.oneshot = { up, down: readCommand(dir, 'down', present), reload: readCommand(dir, 'reload', present) };
  } else {
    service.longrun = readLongrun(dir, present, text, opts);
  }
  return service;
}

/** `<what>.d/` (one entry per name) or, if absent, the `<what>` file; null if neither exists. */
function readNameList(dir: string, what: 'contents' | 'dependencies', present: string[]): [string[], string] | null {
  const listed = what === 'contents' ? 'contents.d' : 'dependencies.d';
  if (present.includes(listed)) {
    const path = `${dir}/${listed}`;
    try {
      const names = fs.readdirSync(path).filter((n) => !n.startsWith('.'));
      return [names.sort(), path];
    } catch (err) {
      const broken = brokenLink(path, err);
      if (broken) throw broken;
      if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') throw sourceError(`${what}.d is not a directory`, path);
      throw systemFatal(`unable to read ${path}`, err, COMPILE_PROGRAM);
    }
  }
  if (!present.includes(what)) return null;
  const t = readText(`${dir}/${what}`);
  return t === null ? null : [parseNameList(t), `${dir}/${what}`];
}

function readNumber(dir: string, file: string, text: (f: string) => string | null): number | null {
  const t = text(file);
  if (t === null) return null;
  const n = parseUint(t);
  if (n === null) throw sourceError(`bad number ${quote(t.trim())} (expected a non-negative integer)`, `${dir}/${file}`);
  return n;
}

/**
 * An oneshot's `up` or `down`: a `#!` script is kept as a script, unless its
 * `#!` line names execlineb (shebang.ts); anything else is lexed as execline,
 * a `#!` line being a comment there. null when absent; `down` that lexes to
 * nothing is null too.
 */
function readCommand(dir: string, file: 'up' | 'down' | 'reload', present: string[]): Command | null {
  if (!present.includes(file)) return null;
  const path = `${dir}/${file}`;
  const content = readView(path);
  if (content === null) return null;
  if (content[0] === 0x23 && content[1] === 0x21 && !shebangNamesExeclineb(content)) return { kind: 'script', script: content.toString('utf8') };
  let argv: string[];
  try {
    argv = lexExecline(content);
  } catch (err) {
    if (err instanceof ExeclineSyntaxError) throw sourceError(`execline syntax error: ${err.message} at line ${err.line}`, path);
    throw err;
  }
  if (argv.length === 0 && file !== 'up') return null;
  return { kind: 'argv', argv };
}

/** Files recreated from their parsed value, as s6-rc-compile does, and files copied as they are. */
const NUMBER_FILES = ['notification-fd', 'timeout-kill', 'timeout-finish', 'max-death-tally', 'lock-fd'] as const;
/** s6-supervise caps max-death-tally at 4096. */
const MAX_DEATH_TALLY = 4096;

function readLongrun(dir: string, present: string[], text: (f: string) => string | null, opts: ReadOptions): SourceLongrun {
  const files: ServiceFile[] = [];
  const script = (file: 'run' | 'finish'): boolean => {
    if (!present.includes(file)) return false;
    const content = readBytes(`${dir}/${file}`);
    if (content === null) return false;
    // s6-rc-compile installs run and finish executable, whatever the source's mode.
    files.push({ path: file, kind: 'file', mode: 0o755, content });
    return true;
  };
  if (!script('run')) throw sourceError('longrun without a run file', dir);
  script('finish');

  const numbers: Partial<Record<(typeof NUMBER_FILES)[number], number>> = {};
  for (const f of NUMBER_FILES) {
    const n = readNumber(dir, f, text);
    if (n === null) continue;
    // run's fds 0-2 are its stdio: a notification or lock fd there would take their place.
    if ((f === 'notification-fd' || f === 'lock-fd') && n < 3) throw sourceError(`${f} ${n}: expected an integer of 3 or more`, `${dir}/${f}`);
    numbers[f] = f === 'max-death-tally' ? Math.min(n, MAX_DEATH_TALLY) : n;
    files.push({ path: f, kind: 'file', mode: 0o644, content: textBytes(`${numbers[f]}\n`) });
  }
  if (numbers['notification-fd'] !== undefined && numbers['notification-fd'] === numbers['lock-fd']) {
    throw sourceError(`notification-fd and lock-fd are both ${numbers['lock-fd']}: they must differ`, `${dir}/lock-fd`);
  }
  const defaults = longrunDefaults();
  // A signal file (down-signal, reload-signal): a name or number, stored as the name.
  const signalFile = (file: string, fallback: string): string => {
    const written = text(file);
    if (written === null) return fallback;
    const sig = signalName(written.trim());
    if (sig === null) throw sourceError(`invalid signal ${quote(written.trim())}`, `${dir}/${file}`);
    files.push({ path: file, kind: 'file', mode: 0o644, content: textBytes(`${sig}\n`) });
    return sig;
  };
  const downSignal = signalFile('down-signal', defaults.downSignal);
  const reloadSignal = signalFile('reload-signal', defaults.reloadSignal);
  // Presence only, as every flag- file.
  const killProcessGroup = present.includes('flag-timeout-killpg');
  if (killProcessGroup) files.push({ path: 'flag-timeout-killpg', kind: 'file', mode: 0o644, content: textBytes('') });
  let notifyOnCheck = null;
  const nocText = text('notifyoncheck');
  if (nocText !== null) {
    try {
      notifyOnCheck = parseNotifyOnCheck(nocText);
    } catch (err) {
      throw sourceError(`invalid notifyoncheck options: ${(err as Error).message}`, `${dir}/notifyoncheck`);
    }
    files.push({ path: 'notifyoncheck', kind: 'file', mode: 0o644, content: textBytes(nocText) });
  }
  // A health file (SPEC §7): parsed, kept as written, an error naming it when its content is wrong.
  const health = <T>(file: string, parse: (text: string) => T): T | null => {
    const written = text(file);
    if (written === null) return null;
    let value: T;
    try {
      value = parse(written);
    } catch (err) {
      throw sourceError((err as Error).message, `${dir}/${file}`);
    }
    files.push({ path: file, kind: 'file', mode: 0o644, content: textBytes(written) });
    return value;
  };
  const restart = health('restart', parseRestartPolicy) ?? defaults.restart;
  const restartBackoff = health('restart-backoff', parseRestartBackoff);
  const restartLimit = health('restart-limit', parseRestartLimit);
  const notifySocket = present.includes('notify-socket');
  if (notifySocket) files.push({ path: 'notify-socket', kind: 'file', mode: 0o644, content: textBytes('') });
  const watchdogTimeout = health('watchdog-timeout', parseWatchdogTimeout) ?? defaults.watchdogTimeout;
  if (watchdogTimeout > 0 && !notifySocket) throw sourceError('watchdog-timeout needs notify-socket (WATCHDOG=1 comes over it)', `${dir}/watchdog-timeout`);
  const readinessProbe = health('readiness-probe', (t) => parseProbe(t, false));
  const livenessProbe = health('liveness-probe', (t) => parseProbe(t, true));
  for (const sub of ['data', 'env']) if (present.includes(sub)) copyTree(`${dir}/${sub}`, sub, files);

  const one = (file: string): string | null => {
    const t = text(file);
    if (t === null) return null;
    const names = parseNameList(t);
    if (names.length !== 1) throw sourceError(`${file} must hold exactly one service name`, `${dir}/${file}`);
    return names[0];
  };
  const producerFor = one('producer-for');
  const consumerText = text('consumer-for');
  const consumerFor = consumerText === null ? [] : [...new Set(parseNameList(consumerText))].sort();
  if (consumerText !== null && consumerFor.length === 0) throw sourceError('consumer-for names no service', `${dir}/consumer-for`);
  let pipelineName = one('pipeline-name');
  if (pipelineName !== null && (producerFor !== null || consumerFor.length === 0)) {
    if ((opts.verbosity ?? 1) >= 1) opts.log?.('warning', `${dir}/pipeline-name ignored: only a last consumer (consumer-for without producer-for) names a pipeline`);
    pipelineName = null;
  }
  // Sorted as the database stores them, so a loaded model equals the compiled one.
  files.sort((a, b) => byUtf8(a.path, b.path));
  // Every setting is given here (no spread of the defaults): one object per longrun, and
  // a setting added to LongrunSettings fails to compile until it is read.
  return {
    notificationFd: numbers['notification-fd'] ?? defaults.notificationFd,
    timeoutKill: numbers['timeout-kill'] ?? defaults.timeoutKill,
    timeoutFinish: numbers['timeout-finish'] ?? defaults.timeoutFinish,
    maxDeathTally: numbers['max-death-tally'] ?? defaults.maxDeathTally,
    downSignal,
    reloadSignal,
    killProcessGroup,
    lockFd: numbers['lock-fd'] ?? defaults.lockFd,
    notifyOnCheck,
    restart,
    restartBackoff,
    restartLimit,
    notifySocket,
    watchdogTimeout,
    readinessProbe,
    livenessProbe,
    producerFor,
    consumerFor,
    pipelineName,
    files,
  };
}

/** `SIGHUP`, `HUP` or a number → `SIGHUP`; null if no such signal. */
function signalName(raw: string): string | null {
  const signals = os.constants.signals as Record<string, number>;
  if (/^\d+$/.test(raw)) return Object.keys(signals).find((k) => signals[k] === Number(raw)) ?? null;
  const name = raw.toUpperCase().startsWith('SIG') ? raw.toUpperCase() : `SIG${raw.toUpperCase()}`;
  return name in signals ? name : null;
}

/** Copies `data/` or `env/` verbatim: files with their modes, directories, symlinks as links. */
function copyTree(abs: string, rel: string, files: ServiceFile[]): void {
  let st;
  try {
    st = fs.lstatSync(abs);
  } catch (err) {
    throw systemFatal(`unable to stat ${abs}`, err, COMPILE_PROGRAM);
  }
  const mode = st.mode & 0o7777;
  if (st.isSymbolicLink()) {
    // Copied as a link, wherever it leads (s6-rc-compile copies data/ and env/ the same way).
    let target: string;
    try {
      target = fs.readlinkSync(abs);
    } catch (err) {
      throw systemFatal(`unable to read the symlink ${abs}`, err, COMPILE_PROGRAM);
    }
    files.push({ path: rel, kind: 'symlink', mode, content: Buffer.from(target, 'utf8') });
  } else if (st.isDirectory()) {
    files.push({ path: rel, kind: 'dir', mode, content: Buffer.alloc(0) });
    let names: string[];
    try {
      names = fs.readdirSync(abs);
    } catch (err) {
      throw systemFatal(`unable to read ${abs}`, err, COMPILE_PROGRAM);
    }
    for (const name of names.sort()) copyTree(`${abs}/${name}`, `${rel}/${name}`, files);
  } else if (st.isFile()) {
    const content = readCopied(abs);
    if (content) files.push({ path: rel, kind: 'file', mode, content });
  } else {
    throw sourceError('unsupported file type (only files, directories and symlinks are copied)', abs);
  }
}
