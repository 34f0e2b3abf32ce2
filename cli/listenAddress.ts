/** `ADDR:PORT` as `--listen` takes it: an IPv4 address, `[IPv6]`, or a host name, and a port (0: any free one). */
import { isIP } from 'node:net';

export interface ListenAddress {
  /** As Node's `listen` takes it (an IPv6 address without brackets). */
  host: string;
  port: number;
}

/**
 * Parses `text`; null when it is not `ADDR:PORT` with a port from 0 to 65535.
 *
 * @example
 *   parseListenAddress('127.0.0.1:7600') // → { host: '127.0.0.1', port: 7600 }
 *   parseListenAddress('[::1]:0')        // → { host: '::1', port: 0 }
 */
export function parseListenAddress(text: string): ListenAddress | null {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(text);
  if (!m) return null;
  const port = Number(m[3]);
  if (port > 65535) return null;
  if (m[1] !== undefined) return isIP(m[1]) === 6 ? { host: m[1], port } : null;
  const host = m[2];
  if (isIP(host) === 0 && /^[\d.]+$/.test(host)) return null; // 127.0.0.256, 127.1
  // A name: letters, digits, dots and dashes (localhost, myhost.lan); anything else is a typo.
  if (isIP(host) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(host)) return null;
  return { host, port };
}

/** Whether `host` (a listen address or a Host header's name) is this machine's loopback. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** `host:port` for a URL (brackets around an IPv6 address). */
export function urlHost(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}
