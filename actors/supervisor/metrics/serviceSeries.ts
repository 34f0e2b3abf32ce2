/**
 * The per-service series of one scrape, from every actor's status, read in
 * one pass. A scrape of 1000 services makes some 12,000 series, and the
 * supervisor runs with a small young generation, where every allocation
 * costs; so each service keeps its series objects from one scrape to the
 * next, and only their values are set afresh (seriesText.ts keeps their
 * formatted lines).
 */
import type { ServiceState } from '../../../machines/service/events.js';
import type { ServiceHandle, ServiceStatus } from '../../service/types.js';

/**
 * One series, as the registry reads it. Its labels go in `sharedLabels`,
 * which is how prom-client's own histogram hands the registry labels that
 * series share: the registry formats such an object once and caches the
 * text by the object (test/actors/metrics.test.ts checks the output keeps
 * them).
 */
export interface Series {
  labels: Readonly<Record<string, string>>;
  sharedLabels: Readonly<Record<string, string>>;
  value: number;
  /** Its exposition line as prom-client last formatted it, and for which value. */
  line?: string;
  lineValue?: number;
}

export const STATES: readonly ServiceState[] = ['down', 'starting', 'up-unready', 'ready', 'stopping', 'failed'];

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/** One service's series, kept across scrapes. */
interface ServiceEntry {
  status: ServiceStatus;
  /** One per state of STATES, in that order. */
  state: Series[];
  ready: Series;
  wantedUp: Series;
  since: Series;
  deaths: Series;
  restarts: Series;
  exitCode: Series;
  /** Its labels name the signal: made again when the signal changes. */
  signal: Series | null;
}

export class ServiceSeries {
  private entries: ServiceEntry[] = [];
  private byKey = new Map<string, ServiceEntry>();

  /** Reads every service's status now; `restarts` gives a longrun's restart count. */
  take(handles: Iterable<ServiceHandle>, restarts: (service: string) => number): void {
    const byKey = new Map<string, ServiceEntry>();
    const entries: ServiceEntry[] = [];
    for (const handle of handles) {
      const s = handle.status();
      const key = `${s.type}/${s.name}`;
      // Rebuilt from the services there are now: one gone (update) leaves nothing behind.
      const e = this.byKey.get(key) ?? entryFor(s);
      byKey.set(key, e);
      entries.push(e);
      e.status = s;
      for (let i = 0; i < STATES.length; i++) e.state[i].value = s.state === STATES[i] ? 1 : 0;
      e.ready.value = s.state === 'ready' ? 1 : 0;
      e.wantedUp.value = s.wantedUp ? 1 : 0;
      e.since.value = s.updownSince / 1000;
      e.deaths.value = s.deaths ?? s.deathTally;
      e.restarts.value = restarts(s.name);
      e.exitCode.value = s.exitCode ?? 0;
      if (s.signal === null) e.signal = null;
      else if (e.signal?.sharedLabels.signal !== s.signal) e.signal = { labels: NO_LABELS, sharedLabels: { ...e.ready.sharedLabels, signal: s.signal }, value: 1 };
    }
    this.entries = entries;
    this.byKey = byKey;
  }

  state(): Series[] {
    const out: Series[] = [];
    for (const e of this.entries) for (const series of e.state) out.push(series);
    return out;
  }

  ready(): Series[] {
    return this.entries.map((e) => e.ready);
  }

  wantedUp(): Series[] {
    return this.entries.map((e) => e.wantedUp);
  }

  since(): Series[] {
    return this.entries.map((e) => e.since);
  }

  /** Longruns only. */
  deaths(): Series[] {
    return this.longruns().map((e) => e.deaths);
  }

  /** Longruns only. */
  restarts(): Series[] {
    return this.longruns().map((e) => e.restarts);
  }

  /** Services whose last run or script exited (not killed by a signal). */
  exitCode(): Series[] {
    return this.entries.filter((e) => e.status.exitCode !== null && e.status.signal === null).map((e) => e.exitCode);
  }

  /** Services whose last run or script a signal killed. */
  signal(): Series[] {
    const out: Series[] = [];
    for (const e of this.entries) if (e.signal) out.push(e.signal);
    return out;
  }

  private longruns(): ServiceEntry[] {
    return this.entries.filter((e) => e.status.type === 'longrun');
  }
}

function entryFor(s: ServiceStatus): ServiceEntry {
  const labels = Object.freeze({ service: s.name, type: s.type });
  const series = (): Series => ({ labels: NO_LABELS, sharedLabels: labels, value: 0 });
  return {
    status: s,
    state: STATES.map((state) => ({ labels: NO_LABELS, sharedLabels: Object.freeze({ ...labels, state }), value: 0 })),
    ready: series(),
    wantedUp: series(),
    since: series(),
    deaths: series(),
    restarts: series(),
    exitCode: series(),
    signal: null,
  };
}
