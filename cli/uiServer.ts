/**
 * The server behind `s6rc ui`: one page, its live feed and two queries, on
 * node:http. It is a client of the supervisor like `status` (one `status`,
 * then one `subscribe` for every service, over the control socket) and a
 * reader of the event log like `history` (read-only, polled by sequence
 * number as `history --follow` does). No request changes anything: it
 * answers GET only, sends the supervisor nothing but `info`, `status` and
 * `subscribe`, and never writes the log.
 *
 * Routes: `/` the page; `/events` server-sent events (`hello`, `status`,
 * `history`, `changes`, `plot`, `reload`, `gone`); `/history?service=&type=
 * &change=&limit=` and `/service?name=` JSON. Anything else is 404, any
 * other method 405.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CompiledModel } from '../machines/model.js';
import type { Results, StatusView } from '../protocol/types.js';
import type { EventLogReader, EventRow, HistoryQuery } from '../store/events/types.js';
import { call, connectOrDie, type ControlClient } from './client.js';
import { EXIT, Fatal, say, systemFatal } from './fatal.js';
import { isLoopback, urlHost, type ListenAddress } from './listenAddress.js';
import { openLog } from './openLog.js';
import type { NodeState } from './render/graphModel.js';
import type { UiPage } from './render/uiPage.js';
import type { UiChange, UiEvent, UiPlot } from './render/uiData.js';

export interface UiOptions {
  live: string;
  /** The event log to read. */
  storeFile: string;
  listen: ListenAddress;
}

export interface RunningUi {
  /** `http://127.0.0.1:7600/` */
  url: string;
  /** Resolves once `stop` has closed everything; rejects with Fatal 111 when the supervisor goes away. */
  done: Promise<void>;
  stop(): void;
}

/** How often the event log is read for new events (as `history --follow`). */
const POLL_MS = 200;
/** How often the timeline of a running change is redrawn, its open bars reaching the present. */
const RUNNING_PLOT_MS = 500;
/** Rows one `history` message carries at most. */
const BATCH = 1000;
/** A page that reads its feed slower than this much is dropped (its EventSource reconnects and starts afresh). */
const MAX_BACKLOG = 4 * 1024 * 1024;
/** A comment line keeps idle feeds open through proxies and tells a dead page from a live one. */
const KEEPALIVE_MS = 15_000;
/** The changes the page's change filter offers. */
const CHANGES_LISTED = 100;

type Render = typeof import('./render/uiData.js');

/** What the page is drawn from: one connection to the supervisor and the database it runs. */
interface Session {
  client: ControlClient;
  hello: Results['info'];
  model: CompiledModel;
  page: UiPage;
}

/**
 * Starts the ui: connects to the supervisor (exit 111 when none runs),
 * opens the event log (111 missing, 4 damaged), loads the live directory's
 * database, listens (111 when the address is taken).
 */
export async function startUi(options: UiOptions): Promise<RunningUi> {
  const ui = new UiServer(options, await import('./render/uiData.js'));
  try {
    await ui.start();
  } catch (err) {
    ui.stop();
    throw err;
  }
  return ui;
}

class UiServer implements RunningUi {
  url = '';
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private rejectDone!: (err: Error) => void;
  private session: Session | null = null;
  private readonly statuses = new Map<string, StatusView>();
  private readonly feeds = new Set<ServerResponse>();
  private readonly server: Server;
  private users = new Map<number, string>();
  private lastSeq = 0;
  private changes: UiChange[] = [];
  private plot: UiPlot | null = null;
  private plotAt = 0;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private pollFailed = false;
  private log: EventLogReader | null = null;
  private reconnecting = Promise.resolve();

  constructor(
    private readonly options: UiOptions,
    private readonly render: Render,
  ) {
    this.done = new Promise<void>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => {});
    this.server = createServer((req, res) => this.handle(req, res));
  }

  async start(): Promise<void> {
    // The supervisor first: without one, say so as every client does (exit 111).
    this.session = await this.connect();
    this.log = await openLog(this.options.storeFile);
    this.lastSeq = this.reader.lastSeq();
    this.users = this.reader.changeUsers();
    this.refreshChanges();
    this.redrawPlot();
    await this.listen();
    this.timers.push(setInterval(() => this.poll(), POLL_MS));
    this.timers.push(setInterval(() => this.broadcastRaw(': keepalive\n\n'), KEEPALIVE_MS));
  }

  stop(): void {
    this.close();
    this.resolveDone();
  }

  // ---- the supervisor

  /** Connects, reads every status, draws the page, then subscribes; the session takes over when returned. */
  private async connect(): Promise<Session> {
    const { live } = this.options;
    const client = await connectOrDie(live);
    try {
      const hello = await call(client, 'info', {});
      const { services } = await call(client, 'status', { services: [] });
      const model = await loadModel(live);
      this.statuses.clear();
      for (const s of services) this.statuses.set(s.name, s);
      const page = await drawPage(live, model, this.statuses);
      const session: Session = { client, hello, model, page };
      // The subscription replays each current status first, then every change, in order.
      client
        .request('subscribe', { services: [] }, ({ status }) => {
          if (this.session !== session) return;
          this.statuses.set(status.name, status);
          this.broadcast('status', status);
        })
        .catch(() => {});
      client.onceClosed(() => {
        if (this.session === session && !this.stopped) this.gone();
      });
      return session;
    } catch (err) {
      client.close();
      throw err;
    }
  }

  /** After an update switched databases: a new connection (its subscription covers the new services) and a new page. */
  private async reconnect(): Promise<void> {
    if (this.stopped) return;
    const old = this.session;
    try {
      this.session = await this.connect();
    } catch (err) {
      if (!this.stopped) this.fail(err instanceof Fatal ? err : systemFatal('unable to reconnect to the supervisor', err));
      return;
    }
    old?.client.close();
    say('info', 'the supervisor switched databases: page redrawn');
    this.broadcast('reload', {});
  }

  private gone(): void {
    const message = `supervisor on ${this.options.live} went away`;
    this.broadcast('gone', { message: `The ${message}; s6rc ui stopped.` });
    this.fail(new Fatal(EXIT.system, message));
  }

  private fail(err: Fatal): void {
    this.close();
    this.rejectDone(err);
  }

  private close(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    for (const res of this.feeds) res.end();
    this.feeds.clear();
    this.server.close();
    this.server.closeAllConnections();
    this.session?.client.close();
    this.log?.close();
  }

  // ---- the event log

  private get reader(): EventLogReader {
    return this.log!;
  }

  /** New events since the last poll: to every page, and what they change (the changes, the timeline, the database). */
  private poll(): void {
    if (this.stopped) return;
    try {
      let batch: EventRow[];
      let changed = false;
      let switched = false;
      do {
        batch = this.reader.history({ afterSeq: this.lastSeq, batch: BATCH });
        if (!batch.length) break;
        this.learnUsers(batch);
        const rows: UiEvent[] = [];
        for (const e of batch) {
          rows.push(this.render.uiEvent(e, this.users));
          if (e.changeId !== null || e.type.startsWith('change.')) changed = true;
          if (e.type === 'update.switched') switched = true;
        }
        this.lastSeq = batch[batch.length - 1].seq;
        this.broadcast('history', rows);
      } while (batch.length === BATCH);
      if (changed) {
        this.refreshChanges();
        this.broadcast('changes', this.changes);
      }
      const running = this.plot?.change?.ended === null;
      if (changed || (running && Date.now() - this.plotAt >= RUNNING_PLOT_MS)) {
        this.redrawPlot();
        this.broadcast('plot', this.plot);
      }
      // One reconnection at a time: two updates in a row leave one session, the newest.
      if (switched) this.reconnecting = this.reconnecting.then(() => this.reconnect());
      this.pollFailed = false;
    } catch (err) {
      // A damaged log (or a moment's trouble reading it): say so once, keep serving, try again.
      if (!this.pollFailed) say('warning', `unable to read the event log ${this.options.storeFile}: ${(err as Error).message}`);
      this.pollFailed = true;
    }
  }

  private refreshChanges(): void {
    this.changes = this.reader.changes({ limit: CHANGES_LISTED }).map(this.render.uiChange);
  }

  private redrawPlot(): void {
    const id = this.reader.lastChangeId();
    const change = id === null ? null : (this.reader.changes({ id })[0] ?? null);
    const events = change ? this.reader.history({ changeId: change.id }) : [];
    this.plot = this.render.uiPlot(change, events, this.session?.model ?? null, Date.now());
    this.plotAt = Date.now();
  }

  // ---- HTTP

  private listen(): Promise<void> {
    const { host, port } = this.options.listen;
    return new Promise((resolve, reject) => {
      const failed = (err: NodeJS.ErrnoException) => {
        // Node says `listen EADDRINUSE: address already in use 127.0.0.1:7600`: keep the code and the reason.
        const why = err.message.replace(/^(listen|getaddrinfo) [A-Z_]+:? ?/, '').replace(/ \S+$/, '');
        reject(new Fatal(EXIT.system, `unable to listen on ${urlHost(host, port)}: ${err.code ?? 'error'}${why ? ` (${why})` : ''}`));
      };
      this.server.once('error', failed);
      this.server.listen(port, host, () => {
        this.server.off('error', failed);
        this.server.on('error', () => {});
        this.url = `http://${urlHost(host, (this.server.address() as AddressInfo).port)}/`;
        resolve();
      });
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-store');
    if (!this.hostAllowed(req)) return text(res, 403, 'forbidden: this server answers to its loopback address only\n');
    if (req.method !== 'GET') {
      res.setHeader('Allow', 'GET');
      return text(res, 405, 'method not allowed: s6rc ui is read-only and answers GET only\n');
    }
    const url = new URL(req.url ?? '/', 'http://ui.invalid');
    try {
      switch (url.pathname) {
        case '/':
          return this.page(res);
        case '/events':
          return this.feed(req, res);
        case '/history':
          return this.history(url.searchParams, res);
        case '/service':
          return this.service(url.searchParams, res);
        default:
          return text(res, 404, 'not found\n');
      }
    } catch (err) {
      if (!res.headersSent) json(res, 500, { error: (err as Error).message });
      else res.destroy();
    }
  }

  /**
   * Listening on a loopback address, only a loopback Host is answered: a web
   * page elsewhere that points a name of its own at 127.0.0.1 (DNS
   * rebinding) cannot read the service list.
   */
  private hostAllowed(req: IncomingMessage): boolean {
    if (!isLoopback(this.options.listen.host)) return true;
    const host = req.headers.host;
    if (!host) return true;
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, '');
    return isLoopback(name);
  }

  private page(res: ServerResponse): void {
    const { html, csp } = this.session!.page;
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': csp, 'X-Frame-Options': 'DENY' });
    res.end(html);
  }

  private feed(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
    res.write('retry: 2000\n\n');
    const s = this.session!;
    send(res, 'hello', { live: this.options.live, pid: s.hello.pid, boot: s.hello.boot, started: s.hello.started, now: Date.now() });
    for (const st of this.statuses.values()) send(res, 'status', st);
    send(res, 'changes', this.changes);
    send(res, 'plot', this.plot);
    this.feeds.add(res);
    req.on('close', () => this.feeds.delete(res));
  }

  private history(params: URLSearchParams, res: ServerResponse): void {
    const limit = intParam(params, 'limit', 200);
    const change = intParam(params, 'change', undefined);
    if (limit === null || change === null || limit < 1 || limit > 10_000) return json(res, 400, { error: 'limit (1 to 10000) and change must be whole numbers' });
    const q: HistoryQuery = { limit };
    const service = params.get('service');
    const type = params.get('type');
    if (service) q.service = service;
    if (type) q.type = type;
    if (change !== undefined) q.changeId = change;
    const rows = this.reader.history(q);
    this.learnUsers(rows);
    const events = rows.map((e) => this.render.uiEvent(e, this.users));
    // The page merges the feed's rows after these: the newest seq it has seen, so none is shown twice or missed.
    json(res, 200, { events, lastSeq: rows.reduce((m, e) => Math.max(m, e.seq), this.lastSeq) });
  }

  private service(params: URLSearchParams, res: ServerResponse): void {
    const name = params.get('name') ?? '';
    const s = this.session!.model.services.get(name);
    if (!s || s.type === 'bundle') return json(res, 404, { error: `unknown service name: ${name}` });
    const rows = this.reader.history({ service: name, limit: 100 });
    this.learnUsers(rows);
    json(res, 200, {
      name,
      type: s.type,
      events: rows.map((e) => this.render.uiEvent(e, this.users)),
      // From the start of the log: a death's uptime needs the spawn before it (as `history --deaths`).
      deaths: s.type === 'longrun' ? this.render.uiDeaths(this.reader.history({ service: name })).slice(-50) : [],
      lastSeq: rows.reduce((m, e) => Math.max(m, e.seq), this.lastSeq),
    });
  }

  /** Who asked for each change: read again when a change appears that is not known yet. */
  private learnUsers(rows: readonly EventRow[]): void {
    if (rows.some((e) => e.changeId !== null && !this.users.has(e.changeId))) this.users = this.reader.changeUsers();
  }

  private broadcast(event: string, data: unknown): void {
    this.broadcastRaw(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private broadcastRaw(chunk: string): void {
    for (const res of this.feeds) {
      if (res.writableLength > MAX_BACKLOG) {
        this.feeds.delete(res);
        res.destroy();
      } else res.write(chunk);
    }
  }
}

async function loadModel(live: string): Promise<CompiledModel> {
  const { liveCompiledPath, loadModel: load } = await import('./render/loadModel.js');
  return load(liveCompiledPath(live));
}

/** The page for `model`, its graph coloured by `statuses`; the state charts come from the real machines. */
async function drawPage(live: string, model: CompiledModel, statuses: ReadonlyMap<string, StatusView>): Promise<UiPage> {
  const [{ buildServiceGraph }, { graphToSvg }, { machineShape }, { shapeToSvg }, { MACHINES }, { uiPage }] = await Promise.all([
    import('./render/graphModel.js'),
    import('./render/graphHtml.js'),
    import('./render/statechart/machineShape.js'),
    import('./render/statechart/toSvg.js'),
    import('./statechart.js'),
    import('./render/uiPage.js'),
  ]);
  const states = new Map<string, NodeState>();
  for (const [name, s] of statuses) states.set(name, s.state);
  const graphSvg = graphToSvg(buildServiceGraph(model, [], states), { stateRoom: 'up-unready' });
  const charts = await Promise.all(['longrun', 'oneshot'].map(async (m) => shapeToSvg(machineShape(await MACHINES[m].load()))));
  return uiPage({ live, graphSvg, charts });
}

/** A whole-number parameter: `fallback` when absent, null when not a whole number. */
function intParam<T extends number | undefined>(params: URLSearchParams, key: string, fallback: T): number | T | null {
  const raw = params.get(key);
  if (raw === null || raw === '') return fallback;
  return /^\d{1,15}$/.test(raw) ? Number(raw) : null;
}

function send(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(body);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
