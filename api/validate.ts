/**
 * The API's argument checks: a wrong type or value is refused before
 * anything is sent, as the CLI refuses a bad option, with exit code 100 and
 * the option named.
 */
import { EXIT } from '../machines/errors.js';
import { S6rcError } from './errors.js';

/** A list of service names. */
export function checkNames(value: unknown, option: string): string[] {
  if (!Array.isArray(value) || !value.every((n) => typeof n === 'string' && n !== '')) {
    throw new S6rcError(EXIT.usage, `option ${option} expects an array of service names, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A non-negative integer (ms, a verbosity). */
export function checkCount(value: unknown, option: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new S6rcError(EXIT.usage, `option ${option} expects a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** ms since the epoch from a number or a Date (history's `since`, `until`). */
export function checkTime(value: unknown, option: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new S6rcError(EXIT.usage, `option ${option} expects a Date or ms since the epoch, got ${JSON.stringify(value)}`);
  return ms;
}
