/** Parses `--since`/`--until`/`--at` times: ISO 8601, or relative to now (`90s`, `10m`, `2h`, `3d`). */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** ms since the epoch, or null when `text` is neither an ISO time nor a relative duration. */
export function parseTimeArg(text: string, now: number): number | null {
  const rel = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)(?: ago)?$/.exec(text.trim());
  if (rel) return Math.round(now - Number(rel[1]) * UNIT_MS[rel[2]]);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return null;
  const t = Date.parse(text.includes('T') || text.length <= 10 ? text : text.replace(' ', 'T'));
  return Number.isNaN(t) ? null : t;
}

/** Local wall-clock time with milliseconds: `2026-11-22 03:40:41.123`. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** A duration as people read it: `850ms`, `1.204s`, `2min 3.1s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(3).replace(/\.?0+$/, '')}s`;
  const min = Math.floor(ms / 60_000);
  return `${min}min ${((ms % 60_000) / 1000).toFixed(1)}s`;
}
