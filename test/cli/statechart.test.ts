import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createActor, createMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { longrunMachine } from '../../machines/longrun.js';
import { orchestratorMachine } from '../../machines/orchestrator.js';
import { machineShape } from '../../cli/render/statechart/machineShape.js';
import { s6rc } from '../helpers/cli.js';

const VIS = resolve(__dirname, '../../visualizations');
const EXT = { stately: 'stately.ts', mermaid: 'mmd', dot: 'dot' } as const;

describe('s6rc statechart', () => {
  for (const name of ['longrun', 'oneshot', 'orchestrator']) {
    for (const format of ['stately', 'mermaid', 'dot'] as const) {
      it(`visualizations/${name}.${EXT[format]} matches the machine (regenerate all: npm run visualizations)`, () => {
        const r = s6rc(['statechart', '--format', format, name]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(r.stdout).toBe(readFileSync(join(VIS, `${name}.${EXT[format]}`), 'utf8'));
      });
    }
  }

  it('walks the real machine: every state, event, guard and action of the definition appears', () => {
    const shape = machineShape(longrunMachine);
    expect(shape.states.slice(1).map((s) => s.key)).toEqual(['down', 'starting', 'up-unready', 'ready', 'stopping', 'failed']);
    const ready = shape.states.find((s) => s.key === 'ready')!;
    expect(ready.transitions.filter((t) => t.event === 'run.exited').map((t) => t.guard)).toEqual(['and(restarts, hasFinish)', 'restarts', 'and(limitReached, hasFinish)', 'limitReached', 'hasFinish', null]);
    const exported = s6rc(['statechart', 'longrun']).stdout;
    for (const a of shape.actions) expect(exported).toContain(`'${a}'`);
    for (const s of shape.states.slice(1)) for (const t of s.transitions) if (t.guard) expect(exported).toContain(`guard: '${t.guard}'`);
  });

  it('the stately export is a createMachine call that xstate itself accepts, with the same states and transitions', () => {
    const source = readFileSync(join(VIS, 'orchestrator.stately.ts'), 'utf8');
    const body = source.slice(source.indexOf('createMachine(') + 'createMachine('.length, source.lastIndexOf(');'));
    const config = new Function(`return (${body});`)();
    const rebuilt = createMachine(config);
    const a = machineShape(rebuilt);
    const b = machineShape(orchestratorMachine);
    const strip = (s: typeof a) => s.states.map((x) => ({ id: x.id, entry: x.entry, transitions: x.transitions }));
    expect(strip(a)).toEqual(strip(b));
    // And it runs: with the named guards stubbed, PLANNED leaves `reconciling`.
    const actor = createActor(rebuilt.provide({ guards: { downPhaseSettled: () => true, upPhaseSettled: () => false } as never })).start();
    actor.send({ type: 'PLANNED' });
    expect(actor.getSnapshot().value).toBe('starting-wanted');
    actor.stop();
  });

  it('mermaid and dot name every state and transition event', () => {
    const mmd = readFileSync(join(VIS, 'longrun.mmd'), 'utf8');
    expect(mmd.startsWith('stateDiagram-v2\n')).toBe(true);
    expect(mmd).toContain('state "up-unready" as longrun_up_unready');
    expect(mmd).toContain('longrun_up_unready --> longrun_ready : readiness.notified / recordReady, stopReadiness, cancelUpTimer');
    const dot = readFileSync(join(VIS, 'longrun.dot'), 'utf8');
    expect(dot).toContain('"longrun.ready" -> "longrun.stopping" [label="down / setWantedDown, signalRun, startKillTimer"];');
  });

  it('refuses unknown machines and formats with exit 100', () => {
    const r = s6rc(['statechart', 'nosuch']);
    expect(r.code).toBe(100);
    expect(r.stderr).toMatch(/^s6rc: fatal: unknown machine nosuch \(expected longrun, oneshot, orchestrator\)/);
    expect(s6rc(['statechart', '--format', 'png', 'longrun']).code).toBe(100);
    expect(s6rc(['statechart']).code).toBe(100);
  });
});
