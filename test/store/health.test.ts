/** The health files' parsers (store/source/health.ts): every value they accept and every mistake they name. */
import { describe, expect, it } from 'vitest';
import { parseProbe, parseRestartBackoff, parseRestartLimit, parseRestartPolicy, parseWatchdogTimeout } from '../../store/source/health.js';

describe('health files', () => {
  it('restart: the three policies, anything else named', () => {
    expect(parseRestartPolicy('always\n')).toBe('always');
    expect(parseRestartPolicy(' on-failure ')).toBe('on-failure');
    expect(parseRestartPolicy('never')).toBe('never');
    expect(() => parseRestartPolicy('sometimes')).toThrow("unknown restart policy 'sometimes' (expected always, on-failure or never)");
  });

  it('restart-backoff: MIN MAX with 0 < MIN <= MAX', () => {
    expect(parseRestartBackoff('100 5000\n')).toEqual({ min: 100, max: 5000 });
    expect(parseRestartBackoff('250 250')).toEqual({ min: 250, max: 250 });
    expect(() => parseRestartBackoff('5000 100')).toThrow('MIN 5000 is greater than MAX 100');
    expect(() => parseRestartBackoff('0 100')).toThrow('MIN must be at least 1 ms');
    expect(() => parseRestartBackoff('100')).toThrow(/expected MIN MAX/);
    expect(() => parseRestartBackoff('1 2 3')).toThrow(/expected MIN MAX/);
    expect(() => parseRestartBackoff('-1 2')).toThrow(/expected MIN MAX/);
  });

  it('restart-limit: COUNT SECONDS, both at least 1', () => {
    expect(parseRestartLimit('5 60\n')).toEqual({ count: 5, seconds: 60 });
    expect(() => parseRestartLimit('0 60')).toThrow('COUNT must be at least 1');
    expect(() => parseRestartLimit('5 0')).toThrow('SECONDS must be at least 1');
    expect(() => parseRestartLimit('five 60')).toThrow(/expected COUNT SECONDS/);
  });

  it('watchdog-timeout: a positive number of ms', () => {
    expect(parseWatchdogTimeout('3000\n')).toBe(3000);
    expect(() => parseWatchdogTimeout('0')).toThrow(/at least 1/);
    expect(() => parseWatchdogTimeout('soon')).toThrow(/bad watchdog timeout 'soon'/);
  });

  it('probes: tcp, http and exec with notifyoncheck options; liveness takes -f', () => {
    expect(parseProbe('tcp 127.0.0.1:8080', false)).toMatchObject({ kind: 'tcp', target: '127.0.0.1:8080', initialSleep: 10, waitingTime: 1000, tries: 7 });
    expect(parseProbe('tcp [::1]:80 -w 50 -n0 -T 3000 -t 200 -s 0', false)).toMatchObject({ target: '[::1]:80', waitingTime: 50, tries: 0, globalTimeout: 3000, localTimeout: 200, initialSleep: 0 });
    expect(parseProbe('http http://127.0.0.1:9000/healthz', false)).toMatchObject({ kind: 'http', target: 'http://127.0.0.1:9000/healthz' });
    expect(parseProbe('exec -c "./data/ping --quick"', false)).toMatchObject({ kind: 'exec', checkProgram: ['./data/ping', '--quick'] });
    expect(parseProbe('tcp localhost:5432 -w 1000 -f 2', true)).toMatchObject({ kind: 'tcp', waitingTime: 1000, failureThreshold: 2 });
    expect(parseProbe('exec', true)).toMatchObject({ kind: 'exec', waitingTime: 10000, failureThreshold: 3, checkProgram: ['./data/check'] });
  });

  it('probes: every mistake is named', () => {
    expect(() => parseProbe('', false)).toThrow(/empty probe/);
    expect(() => parseProbe('udp 127.0.0.1:53', false)).toThrow("unknown probe 'udp' (expected tcp, http or exec)");
    expect(() => parseProbe('tcp 127.0.0.1:70000', false)).toThrow("port out of range in '127.0.0.1:70000' (expected 1 to 65535)");
    expect(() => parseProbe('tcp 127.0.0.1:0', false)).toThrow(/port out of range/);
    expect(() => parseProbe('tcp 127.0.0.1', false)).toThrow("bad address '127.0.0.1' (expected HOST:PORT)");
    expect(() => parseProbe('tcp', false)).toThrow('tcp needs HOST:PORT');
    expect(() => parseProbe('http https://example.org/', false)).toThrow("not an http URL: 'https://example.org/'");
    expect(() => parseProbe('http ftp://x/', false)).toThrow(/not an http URL/);
    expect(() => parseProbe('http nope', false)).toThrow("bad URL 'nope'");
    expect(() => parseProbe('tcp 127.0.0.1:80 -f 2', false)).toThrow('unknown option -f for a readiness probe');
    expect(() => parseProbe('tcp 127.0.0.1:80 -n 2', true)).toThrow('unknown option -n for a liveness probe');
    expect(() => parseProbe('tcp 127.0.0.1:80 -w', false)).toThrow('option -w requires an argument');
    expect(() => parseProbe('tcp 127.0.0.1:80 -w soon', false)).toThrow(/-w expects a non-negative integer/);
    expect(() => parseProbe('tcp 127.0.0.1:80 -c ./x', false)).toThrow('option -c is for exec probes only');
    expect(() => parseProbe('exec -f 0', true)).toThrow('option -f expects at least 1');
    expect(() => parseProbe('exec extra', false)).toThrow("unexpected argument 'extra'");
  });
});
