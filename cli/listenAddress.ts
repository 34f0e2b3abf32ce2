/**
 * `ADDR:PORT` options (`--metrics`): what they may say, and how the
 * supervisor is told. An IP address (IPv6 in brackets) or `localhost`, never
 * a name to resolve: a supervisor does not wait on DNS to start.
 */
import { isIP } from 'node:net';

export interface ListenAddress {
  host: string;
  port: number;
}

/** Where a server listens when the option gives only a port. */
export const DEFAULT_LISTEN_HOST = '127.0.0.1';

/**
 * Parses `ADDR:PORT`, `:PORT` or `PORT`; returns what is wrong as a string
 * (the caller makes it a usage error naming the option).
 *
 * @example
 *   parseListenAddress('9180')            // → { host: '127.0.0.1', port: 9180 }
 *   parseListenAddress('[::1]:9100')      // → { host: '::1', port: 9100 }
 *   parseListenAddress('example.org:80')  // → "address must be an IP address or localhost, got 'example.org'"
 */
export function parseListenAddress(text: string): ListenAddress | string {
  const m = /^(?:\[([^\]]*)\]:|([^:[\]]*):)?([^:]*)$/.exec(text);
  if (!m) return `expected ADDR:PORT, :PORT or PORT, got '${text}'`;
  const [, v6, other, portText] = m;
  if (!/^\d+$/.test(portText)) return `expected ADDR:PORT, :PORT or PORT, got '${text}'`;
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) return `port must be 1 to 65535, got '${portText}'`;
  const port = Number(portText);
  if (v6 !== undefined) return isIP(v6) === 6 ? { host: v6, port } : `expected an IPv6 address in brackets, got '[${v6}]'`;
  if (other === undefined || other === '') return { host: DEFAULT_LISTEN_HOST, port };
  if (other === 'localhost' || isIP(other) === 4) return { host: other, port };
  return `address must be an IP address or localhost, got '${other}'`;
}

/** The address as the options take it back (`127.0.0.1:9100`, `[::1]:9100`). */
export function formatListenAddress(a: ListenAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
