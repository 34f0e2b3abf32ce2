/**
 * `--metrics ADDR:PORT`, shared by `daemon`, `init` (which passes it to the
 * daemon it starts) and `boot`: one table entry, one check, so the three say
 * the same thing and refuse the same values (exit 100) before anything starts.
 * ADDR is what `ui --listen` takes (listenAddress.ts); a port alone listens
 * on 127.0.0.1.
 */
import { parseListenAddress, urlHost, type ListenAddress } from './listenAddress.js';
import { usageError, type CommandSpec, type OptionSpec, type Parsed } from './options.js';

export const METRICS_OPTION: OptionSpec = {
  key: 'metrics',
  long: 'metrics',
  kind: 'string',
  argName: 'ADDR:PORT',
  help: 'serve Prometheus metrics at http://ADDR:PORT/metrics (PORT or :PORT: on 127.0.0.1); off by default',
};

/** Where the metrics listen when the option gives only a port. */
export const DEFAULT_METRICS_HOST = '127.0.0.1';

/**
 * Parses `ADDR:PORT`, `:PORT` or `PORT`; returns what is wrong as a string.
 * Port 0 (any free port) is refused: Prometheus must be told where to scrape.
 *
 * @example
 *   parseMetricsAddress('9180')            // → { host: '127.0.0.1', port: 9180 }
 *   parseMetricsAddress('[::1]:9180')      // → { host: '::1', port: 9180 }
 *   parseMetricsAddress('127.0.0.1:70000') // → "port must be 1 to 65535, got '70000'"
 */
export function parseMetricsAddress(text: string): ListenAddress | string {
  const full = /^:?\d+$/.test(text) ? `${DEFAULT_METRICS_HOST}:${text.replace(/^:/, '')}` : text;
  const port = /:(\d+)$/.exec(full)?.[1];
  const address = parseListenAddress(full);
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535) && parseListenAddress(full.replace(/:\d+$/, ':1'))) {
    return `port must be 1 to 65535, got '${port}'`;
  }
  return address ?? `expected ADDR:PORT, :PORT or PORT, got '${text}'`;
}

/** The parsed `--metrics` address, or undefined without the option; a bad value is a usage error. */
export function metricsAddress(spec: CommandSpec, values: Parsed): ListenAddress | undefined {
  const raw = values.metrics;
  if (raw === undefined) return undefined;
  const parsed = parseMetricsAddress(String(raw));
  if (typeof parsed === 'string') throw usageError(spec, `option --metrics: ${parsed}`);
  return parsed;
}

/** `--metrics` as the daemon's command line takes it, for `init` and `boot` to pass on. */
export function metricsArgument(spec: CommandSpec, values: Parsed): string | undefined {
  const address = metricsAddress(spec, values);
  return address && urlHost(address.host, address.port);
}
