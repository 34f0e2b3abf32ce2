/**
 * The text of one per-service metric, kept between scrapes. Its lines are
 * formatted by prom-client (`getSingleMetricAsString` of a registry of its
 * own, given only the series whose value changed since the last scrape) and
 * kept on each series; the metric's block is kept as bytes, made again only
 * when a line changed or a series came or went. With 1000 ready services
 * nothing changes between scrapes, and a scrape of these metrics copies
 * nothing: the text is a few hundred KiB, and on a small VM making that
 * many bytes afresh (joining, encoding, the pages it touches) is most of
 * what a scrape would cost.
 */
import { Counter, Gauge, Registry, type CounterConfiguration, type GaugeConfiguration } from 'prom-client';
import type { Series } from './serviceSeries.js';

export class SeriesText {
  private readonly formatter = new Registry();
  private readonly name: string;
  /** What the formatter's metric hands the registry: the series to format now. */
  private changed: Series[] = [];
  private block: Buffer | null = null;
  private blockSeries: Series[] = [];

  constructor(config: { name: string; help: string; labelNames: string[] }, type: 'gauge' | 'counter') {
    const registers = [this.formatter];
    if (type === 'gauge') new SeriesGauge({ ...config, registers }, () => this.changed);
    else new SeriesCounter({ ...config, registers }, () => this.changed);
    this.name = config.name;
  }

  /** HELP, TYPE, one line per series in the order given, and the blank line that ends a metric. */
  async text(series: Series[]): Promise<Buffer> {
    const changed = series.filter((s) => s.line === undefined || s.lineValue !== s.value);
    if (changed.length === 0 && this.block && sameSeries(series, this.blockSeries)) return this.block;
    this.changed = changed;
    let formatted: string[];
    try {
      formatted = (await this.formatter.getSingleMetricAsString(this.name)).split('\n');
    } finally {
      this.changed = [];
    }
    // A label value never holds a newline (prom-client escapes it): line i+2 is changed series i.
    changed.forEach((s, i) => {
      // A copy: a piece of `split`'s output would keep all of this scrape's text alive for as long as it is kept.
      s.line = Buffer.from(formatted[i + 2]).toString();
      s.lineValue = s.value;
    });
    const lines = [formatted[0], formatted[1]];
    for (const s of series) lines.push(s.line!);
    lines.push('', '');
    this.block = Buffer.from(lines.join('\n'));
    this.blockSeries = series;
    return this.block;
  }
}

function sameSeries(a: Series[], b: Series[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A gauge whose series are handed in (`read`) rather than set; the registry formats it as any other. */
class SeriesGauge extends Gauge {
  constructor(
    config: GaugeConfiguration<string>,
    private readonly read: () => Series[],
  ) {
    super(config);
  }

  override async get() {
    return { ...(await super.get()), values: this.read() };
  }
}

/** The same for a counter: each series is already a running total. */
class SeriesCounter extends Counter {
  constructor(
    config: CounterConfiguration<string>,
    private readonly read: () => Series[],
  ) {
    super(config);
  }

  override async get() {
    return { ...(await super.get()), values: this.read() };
  }
}
