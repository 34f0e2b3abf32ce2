/**
 * The sd_notify receiver (actors/service/notifySocket.ts over native/notify.c),
 * spoken to by the real systemd-notify (skipped, with the reason printed, when
 * it is not installed) and by a small python3 client for what systemd-notify
 * cannot send: several lines at once, garbage, an fd, another uid.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { notifySocketsSupported, openNotifySocket, parseNotifyMessage, type NotifyMessage, type NotifySocket, type NotifySocketOptions } from '../../actors/service/notifySocket.js';
import { waitUntil } from '../fixtures/services.js';

const SYSTEMD_NOTIFY = ['/usr/bin/systemd-notify', '/bin/systemd-notify'].find(existsSync);
if (!SYSTEMD_NOTIFY) console.log('skipping systemd-notify tests: /usr/bin/systemd-notify is not installed');
const PYTHON = ['/usr/bin/python3', '/usr/local/bin/python3'].find(existsSync) ?? (process.env.PATH ?? '').split(':').map((d) => join(d, 'python3')).find(existsSync);
if (!PYTHON) console.log('skipping the python3 client tests: python3 is not installed');
const ROOT = process.getuid?.() === 0;
if (!ROOT) console.log('skipping the other-uid tests: they need root to send as another user');
const NATIVE = notifySocketsSupported();
if (!NATIVE && process.platform === 'linux') console.log('skipping notify socket tests: the native addon is not built');
const NOBODY = 65534;

const started: number[] = [];
const sockets: NotifySocket[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 's6rc-notify-'));
  dirs.push(d);
  return d;
}

type Received = { message: NotifyMessage; sender: { pid: number | null; uid: number | null } };

function listen(path: string, options?: NotifySocketOptions) {
  const got: Received[] = [];
  const socket = openNotifySocket(path, (message, sender) => got.push({ message, sender }), options);
  sockets.push(socket);
  return { socket, got };
}

/** Runs a program to its end (the event loop stays free to receive), remembering its pid for cleanup. */
function run(file: string, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; pid: number }>((resolve, reject) => {
    const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid) started.push(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, pid: child.pid! }));
  });
}

/**
 * The python3 client: sends each datagram (hex) to the address ('@' for
 * abstract), as `uid` if given; with `withFd`, then sends that text with a
 * pipe's write end attached and prints whether the receiver closed it.
 */
const CLIENT = `
import array, json, os, select, socket, sys
spec = json.loads(sys.argv[1])
address = spec['address']
if address.startswith('@'): address = '\\0' + address[1:]
if spec.get('uid') is not None:
    os.setgid(spec['uid']); os.setuid(spec['uid'])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
for d in spec.get('datagrams', []):
    s.sendto(bytes.fromhex(d), address)
if spec.get('withFd'):
    r, w = os.pipe()
    s.sendmsg([spec['withFd'].encode()], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [w, w]))], 0, address)
    os.close(w)
    readable, _, _ = select.select([r], [], [], 10)
    print('closed' if readable and os.read(r, 1) == b'' else 'open')
`;

const hex = (data: string | Buffer) => Buffer.from(data).toString('hex');

function client(address: string, spec: { datagrams?: (string | Buffer)[]; uid?: number; withFd?: string }) {
  return run(PYTHON!, ['-c', CLIENT, JSON.stringify({ address, uid: spec.uid, withFd: spec.withFd, datagrams: (spec.datagrams ?? []).map(hex) })]);
}

describe('parseNotifyMessage', () => {
  it('reads the well-known keys', () => {
    expect(parseNotifyMessage('READY=1\nSTATUS=warming up\nMAINPID=4242\nWATCHDOG_USEC=30000000')).toEqual({
      ready: true,
      stopping: false,
      reloading: false,
      watchdog: false,
      status: 'warming up',
      mainPid: 4242,
      watchdogUsec: 30_000_000,
      fields: { READY: '1', STATUS: 'warming up', MAINPID: '4242', WATCHDOG_USEC: '30000000' },
    });
    const m = parseNotifyMessage('STOPPING=1\nRELOADING=1\nWATCHDOG=1\n');
    expect([m.ready, m.stopping, m.reloading, m.watchdog, m.status, m.mainPid, m.watchdogUsec]).toEqual([false, true, true, true, null, null, null]);
  });

  it('takes only 1 as a yes, and a later line over an earlier one', () => {
    const m = parseNotifyMessage('READY=0\nSTOPPING=yes\nWATCHDOG=trigger\nSTATUS=one\nSTATUS=two\nRELOADING=1\nRELOADING=2');
    expect([m.ready, m.stopping, m.watchdog, m.reloading, m.status]).toEqual([false, false, false, false, 'two']);
    expect(m.fields.WATCHDOG).toBe('trigger');
  });

  it('keeps a value whole: = and spaces in it, or empty', () => {
    expect(parseNotifyMessage('STATUS=a=b c \nX_KEY=').fields).toEqual({ STATUS: 'a=b c ', X_KEY: '' });
    expect(parseNotifyMessage('STATUS=').status).toBe('');
  });

  it('ignores malformed lines and numbers', () => {
    const m = parseNotifyMessage('garbage\n=1\n1X=1\nA B=1\nREADY\nREADY=1\0\n\nMAINPID=0\nWATCHDOG_USEC=-5\n__proto__=x\nOK=1');
    expect(m.ready).toBe(false);
    expect(m.mainPid).toBeNull();
    expect(m.watchdogUsec).toBeNull();
    expect(Object.keys(m.fields).sort()).toEqual(['MAINPID', 'OK', 'WATCHDOG_USEC', '__proto__']);
    expect(m.fields.__proto__).toBe('x');
    for (const pid of ['12a', ' 12', '1e3', '99999999999999999999']) expect(parseNotifyMessage(`MAINPID=${pid}`).mainPid).toBeNull();
    expect(parseNotifyMessage('').fields).toEqual({});
  });
});

describe('the notify socket', () => {
  it('is available on Linux once npm install has built the addon', () => {
    if (process.platform !== 'linux') return;
    expect(notifySocketsSupported()).toBe(true);
  });

  it.skipIf(!NATIVE)('listens on the path, mode 0600, and close() stops, unlinks it, and may be called twice', async () => {
    const path = join(tmp(), 'notify');
    const { socket, got } = listen(path);
    expect(socket.address).toBe(path);
    const st = lstatSync(path);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    socket.close();
    expect(existsSync(path)).toBe(false);
    socket.close();
    if (PYTHON) {
      const after = await client(path, { datagrams: ['READY=1'] });
      expect(after.code).not.toBe(0);
      expect(got).toEqual([]);
    }
  });

  it.skipIf(!NATIVE)('says why it cannot open: a missing directory, a file in the way', () => {
    const dir = tmp();
    const missing = join(dir, 'nope', 'notify');
    expect(() => openNotifySocket(missing, () => {})).toThrow(`cannot open the notify socket ${missing}: bind: No such file or directory`);
    writeFileSync(join(dir, 'file'), '');
    try {
      openNotifySocket(join(dir, 'file'), () => {});
      expect.unreachable();
    } catch (e) {
      expect((e as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
    }
  });

  it.skipIf(!NATIVE || !PYTHON)('replaces a stale socket, and an older socket closing leaves a newer one at the path alone', async () => {
    const path = join(tmp(), 'notify');
    const first = listen(path);
    const second = listen(path);
    first.socket.close();
    expect(existsSync(path)).toBe(true);
    expect((await client(path, { datagrams: ['STATUS=second'] })).code).toBe(0);
    await waitUntil(() => second.got.length === 1, 'the message');
    expect(second.got[0].message.status).toBe('second');
    expect(first.got).toEqual([]);
  });

  it.skipIf(!NATIVE || !PYTHON)('delivers a multi-line datagram with the sender\'s pid and uid', async () => {
    const path = join(tmp(), 'notify');
    const { got } = listen(path);
    const sent = await client(path, { datagrams: ['READY=1\nSTATUS=up and running\nMAINPID=123\nWATCHDOG_USEC=5000000\nX_CUSTOM=a=b'] });
    expect(sent.code).toBe(0);
    await waitUntil(() => got.length === 1, 'the message');
    const [{ message, sender }] = got;
    expect(message).toMatchObject({ ready: true, status: 'up and running', mainPid: 123, watchdogUsec: 5_000_000 });
    expect(message.fields.X_CUSTOM).toBe('a=b');
    expect(sender).toEqual({ pid: sent.pid, uid: process.getuid!() });
  });

  it.skipIf(!NATIVE || !PYTHON)('survives garbage: drops empty and truncated datagrams, parses the rest as well as it can', async () => {
    const path = join(tmp(), 'notify');
    const { got } = listen(path);
    const exactly4096 = 'STATUS=' + 'y'.repeat(4096 - 7);
    const datagrams = [
      Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x0a]),
      '',
      '=\n==\nREADY\n1=2\nA B=1\nREADY=1\0X',
      'STATUS=' + 'x'.repeat(5000),
      Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
      'STATUS=caf\xe9 \u{1F600}',
      exactly4096,
      'STATUS=after',
    ];
    expect((await client(path, { datagrams })).code).toBe(0);
    await waitUntil(() => got.some((g) => g.message.status === 'after'), 'the last message');
    expect(got).toHaveLength(6);
    expect(got.filter((g) => g.message.ready)).toEqual([]);
    expect(got.map((g) => g.message.status)).toEqual([null, null, null, 'café 😀', exactly4096.slice(7), 'after']);
  });

  it.skipIf(!NATIVE || !PYTHON)('closes the fds a datagram carries (SCM_RIGHTS) and still reads the message', async () => {
    const path = join(tmp(), 'notify');
    const { got } = listen(path);
    const sent = await client(path, { withFd: 'FDSTORE=1\nREADY=1' });
    expect(sent.stdout.trim()).toBe('closed');
    expect(got).toHaveLength(1);
    expect(got[0].message).toMatchObject({ ready: true, fields: { FDSTORE: '1', READY: '1' } });
  });

  it.skipIf(!NATIVE || !PYTHON)('serves a path too long for a socket on an abstract address named after it', async () => {
    let dir = tmp();
    while (dir.length < 120) dir = join(dir, 'a-rather-long-directory-name');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'notify');
    const { socket, got } = listen(path);
    expect(socket.address).toMatch(/^@s6rc\/[0-9a-f]{32}$/);
    expect(existsSync(path)).toBe(false);
    expect(listen(path + '2').socket.address).not.toBe(socket.address);
    expect((await client(socket.address, { datagrams: ['READY=1'] })).code).toBe(0);
    await waitUntil(() => got.length === 1, 'the message');
    expect(got[0].message.ready).toBe(true);
    socket.close();
    expect((await client(socket.address, { datagrams: ['READY=1'] })).code).not.toBe(0);
  });

  it.skipIf(!NATIVE || !PYTHON || !ROOT)('on an abstract address, drops datagrams from other uids than ours, root and the service\'s', async () => {
    let dir = tmp();
    while (dir.length < 120) dir = join(dir, 'a-rather-long-directory-name');
    const strict = listen(join(dir, 'notify'));
    expect((await client(strict.socket.address, { uid: NOBODY, datagrams: ['STATUS=spoofed'] })).code).toBe(0);
    expect((await client(strict.socket.address, { datagrams: ['STATUS=ours'] })).code).toBe(0);
    await waitUntil(() => strict.got.length === 1, 'the message');
    await new Promise((r) => setTimeout(r, 50));
    expect(strict.got.map((g) => g.message.status)).toEqual(['ours']);

    const service = listen(join(dir, 'notify-nobody'), { uid: NOBODY });
    expect((await client(service.socket.address, { uid: NOBODY, datagrams: ['STATUS=service'] })).code).toBe(0);
    await waitUntil(() => service.got.length === 1, 'the message');
    expect(service.got[0].sender.uid).toBe(NOBODY);
  });

  it.skipIf(!NATIVE || !PYTHON || !ROOT)('lets only the service\'s uid (and root) write to a path, when given one', async () => {
    const dir = tmp();
    chmodSync(dir, 0o711);
    const ours = listen(join(dir, 'ours'));
    const refused = await client(ours.socket.address, { uid: NOBODY, datagrams: ['READY=1'] });
    expect(refused.stderr).toContain('Permission denied');
    const service = listen(join(dir, 'service'), { uid: NOBODY });
    const st = lstatSync(service.socket.address);
    expect([st.uid, st.mode & 0o777]).toEqual([NOBODY, 0o600]);
    expect((await client(service.socket.address, { uid: NOBODY, datagrams: ['READY=1'] })).code).toBe(0);
    await waitUntil(() => service.got.length === 1, 'the message');
    expect(service.got[0].sender.uid).toBe(NOBODY);
    expect(ours.got).toEqual([]);
  });
});

/**
 * systemd-notify (252 here) sends its message with the credentials of its
 * parent (--pid's, when given and possible; root may claim any pid), then, unless
 * --no-block, a BARRIER=1 datagram carrying a pipe's write end and waits until
 * the receiver closes it: so it returns at once only because the socket closes fds.
 */
describe.skipIf(!SYSTEMD_NOTIFY || !NATIVE)('the real systemd-notify', () => {
  const notify = async (args: string[], path = join(tmp(), 'notify')) => {
    const { socket, got } = listen(path);
    const result = await run(SYSTEMD_NOTIFY!, args, { NOTIFY_SOCKET: socket.address });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const messages = got.filter((g) => g.message.fields.BARRIER === undefined);
    expect(messages).toHaveLength(1);
    return { ...messages[0], barriers: got.length - messages.length, child: result.pid };
  };

  it('--ready --status: ready with its status, from its parent\'s pid, answered by closing the barrier fd', async () => {
    const { message, sender, barriers, child } = await notify(['--ready', '--status=warming up']);
    expect(message).toMatchObject({ ready: true, status: 'warming up' });
    expect(barriers).toBe(1);
    expect([process.pid, child]).toContain(sender.pid);
    expect(sender.uid).toBe(process.getuid!());
  });

  it('--no-block sends no barrier', async () => {
    const { message, barriers } = await notify(['--no-block', '--ready']);
    expect(message.ready).toBe(true);
    expect(barriers).toBe(0);
  });

  it('WATCHDOG=1, STOPPING=1, RELOADING=1', async () => {
    expect((await notify(['WATCHDOG=1'])).message.watchdog).toBe(true);
    expect((await notify(['STOPPING=1'])).message.stopping).toBe(true);
    expect((await notify(['RELOADING=1'])).message.reloading).toBe(true);
  });

  it('--pid= and MAINPID= give the main pid', async () => {
    expect((await notify([`--pid=${process.pid}`])).message.mainPid).toBe(process.pid);
    expect((await notify([`MAINPID=${process.pid}`, 'READY=1'])).message).toMatchObject({ mainPid: process.pid, ready: true });
  });

  it('reaches the abstract address of a long path', async () => {
    let dir = tmp();
    while (dir.length < 120) dir = join(dir, 'a-rather-long-directory-name');
    mkdirSync(dir, { recursive: true });
    const { message, barriers } = await notify(['--ready'], join(dir, 'notify'));
    expect(message.ready).toBe(true);
    expect(barriers).toBe(1);
  });
});
