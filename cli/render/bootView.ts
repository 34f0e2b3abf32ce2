/**
 * `boot`'s progress display: on a terminal, one line per service redrawn in
 * place with its state in colour; elsewhere, plain lines as things happen.
 */
import { styleText } from 'node:util';
import type { StatusView } from '../../protocol/types.js';

/** What one line of the view shows of a service: the fields it reads of the status the socket sends. */
type ServiceLine = Pick<StatusView, 'name' | 'type' | 'state' | 'pid' | 'normallyUp' | 'error' | 'exitCode' | 'signal'>;

type Color = Parameters<typeof styleText>[0];
const STATE_STYLE: Record<string, Color> = {
  ready: 'green',
  'up-unready': 'yellow',
  starting: 'cyan',
  stopping: 'magenta',
  down: 'gray',
  failed: 'red',
};
const SYMBOL: Record<string, string> = { ready: '●', 'up-unready': '◐', starting: '○', stopping: '◌', down: '·', failed: '✗' };

/** One service as a terminal line: `● db          ready       longrun  pid 1234`. */
export function formatLine(s: ServiceLine, nameWidth: number, color: boolean): string {
  const style = STATE_STYLE[s.state] ?? 'white';
  const paint = (text: string) => (color ? styleText(style, text) : text);
  const detail = [s.type, s.pid ? `pid ${s.pid}` : '', s.state === 'failed' ? (s.error ?? (s.signal ? `signal ${s.signal}` : s.exitCode !== null ? `exit ${s.exitCode}` : '')) : '']
    .filter(Boolean)
    .join('  ');
  return `  ${paint(SYMBOL[s.state] ?? '?')} ${s.name.padEnd(nameWidth)}  ${paint(s.state.padEnd(10))}  ${color ? styleText('gray', detail) : detail}`;
}

/** A block of lines kept at the bottom of a terminal: messages print above it, the block is redrawn below. */
export class LiveView {
  private drawn = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly services = new Map<string, ServiceLine>();
  private footer = '';
  private stopped = false;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private order: string[],
  ) {}

  /** Another database's services (boot's SIGHUP reload): statuses arrive again from a new subscription. */
  reset(order: string[]): void {
    this.order = order;
    this.services.clear();
    this.schedule();
  }

  update(s: ServiceLine): void {
    this.services.set(s.name, s);
    this.schedule();
  }

  setFooter(text: string): void {
    this.footer = text;
    this.schedule();
  }

  /** Prints `text` above the view, which is redrawn under it. */
  message(text: string): void {
    this.clear();
    // `\r`: a terminal echoing ^C left the cursor mid-line.
    this.out.write('\r' + (text.endsWith('\n') ? text : text + '\n'));
    if (!this.stopped) this.draw();
  }

  /** Redraws at most every 50 ms: a burst of 1000 status changes costs one frame. */
  private schedule(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.clear();
      this.draw();
    }, 50);
  }

  private clear(): void {
    if (this.drawn) this.out.write(`\x1b[${this.drawn}A\x1b[0J`);
    this.drawn = 0;
  }

  draw(): void {
    const names = this.order.filter((n) => this.services.has(n));
    const width = Math.max(8, ...names.map((n) => n.length));
    const rows = Math.max(3, (this.out.rows ?? 40) - 3);
    const lines = names.slice(0, rows).map((n) => formatLine(this.services.get(n)!, width, true));
    if (names.length > rows) lines.push(styleText('gray', `  ... and ${names.length - rows} more`));
    if (this.footer) lines.push(this.footer);
    if (lines.length) this.out.write(lines.join('\n') + '\n');
    this.drawn = lines.length;
  }

  /** Final frame, no more redraws. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.clear();
    this.draw();
    this.drawn = 0;
    this.stopped = true;
  }
}
