/** One palette for every picture, so a state looks the same in graph, plot and boot. */
export const STATE_COLORS: Record<string, { fill: string; stroke: string; text: string }> = {
  up: { fill: '#c8efd4', stroke: '#2e9d57', text: '#0b3d1e' },
  ready: { fill: '#c8efd4', stroke: '#2e9d57', text: '#0b3d1e' },
  'up-unready': { fill: '#fff2c2', stroke: '#c99a06', text: '#4a3800' },
  starting: { fill: '#d6e6ff', stroke: '#3a78d8', text: '#0d2a57' },
  stopping: { fill: '#e9dcff', stroke: '#7a4fd0', text: '#2e1763' },
  down: { fill: '#eceff3', stroke: '#8a94a3', text: '#2b313a' },
  failed: { fill: '#ffd0d0', stroke: '#d12c2c', text: '#5c0b0b' },
  unknown: { fill: '#ffffff', stroke: '#5b6573', text: '#1d2228' },
};

export function colorsFor(state: string | undefined): { fill: string; stroke: string; text: string } {
  return STATE_COLORS[state ?? 'unknown'] ?? STATE_COLORS.unknown;
}

/** Escapes text for XML/HTML content and attribute values. */
export function xml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
