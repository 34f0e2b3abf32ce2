/**
 * `--metrics ADDR:PORT`, shared by `daemon`, `init` (which passes it to the
 * daemon it starts) and `boot`: one table entry, one check, so the three say
 * the same thing and refuse the same values (exit 100) before anything starts.
 */
import { formatListenAddress, parseListenAddress, type ListenAddress } from './listenAddress.js';
import { usageError, type CommandSpec, type OptionSpec, type Parsed } from './options.js';

export const METRICS_OPTION: OptionSpec = {
  key: 'metrics',
  long: 'metrics',
  kind: 'string',
  argName: 'ADDR:PORT',
  help: 'serve Prometheus metrics at http://ADDR:PORT/metrics (PORT or :PORT: on 127.0.0.1); off by default',
};

/** The parsed `--metrics` address, or undefined without the option; a bad value is a usage error. */
export function metricsAddress(spec: CommandSpec, values: Parsed): ListenAddress | undefined {
  const raw = values.metrics;
  if (raw === undefined) return undefined;
  const parsed = parseListenAddress(String(raw));
  if (typeof parsed === 'string') throw usageError(spec, `option --metrics: ${parsed}`);
  return parsed;
}

/** `--metrics` as the daemon's command line takes it, for `init` and `boot` to pass on. */
export function metricsArgument(spec: CommandSpec, values: Parsed): string | undefined {
  const address = metricsAddress(spec, values);
  return address && formatListenAddress(address);
}
