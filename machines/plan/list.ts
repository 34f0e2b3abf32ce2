/**
 * What `list` and `listall` print (seed page: "Prints the selection" /
 * "computes the complete dependency tree of the selection").
 */
import type { CompiledModel } from '../model.js';
import { closeOverDependencies, closeOverDependents } from './closure.js';
import { selectionOf } from './plan.js';

export interface ListRequest {
  names: string[];
  all: boolean;
  /** `-d`: list inverts the selection; listall uses reverse dependencies. */
  down: boolean;
  /** `-e`: leave services marked essential out. */
  hideEssentials?: boolean;
}

const shown = (model: CompiledModel, request: ListRequest) => (name: string) => !request.hideEssentials || !model.services.get(name)!.essential;

/** `list`: the selection, or with `-d` every other atomic, in database order. */
export function listSelection(model: CompiledModel, live: ReadonlySet<string>, request: ListRequest): string[] {
  const selection = selectionOf(model, live, request.names, request.all);
  return model.atomics.filter((a) => selection.has(a) !== request.down).filter(shown(model, request));
}

/** `listall`: the closed selection (dependencies, or dependents with `-d`), in database order. */
export function listClosedSelection(model: CompiledModel, live: ReadonlySet<string>, request: ListRequest): string[] {
  const selection = selectionOf(model, live, request.names, request.all);
  const closed = request.down ? closeOverDependents(model, selection) : closeOverDependencies(model, selection);
  return model.atomics.filter((a) => closed.has(a)).filter(shown(model, request));
}
