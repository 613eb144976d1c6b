import { patchOpName, pathlessEntries } from './entra-quirks.js';
import { invalidSyntax, invalidValue, noTarget } from './errors.js';

/**
 * The PatchOp message (RFC 7644 §3.5.2) and what every PATCH applier shares. A PatchOp becomes the directory's own
 * change shapes, by resource type: patch-user.ts (UserChanges, applied by modifyUser to the user it read, so a retry
 * on a concurrent write re-applies the operations; multi-valued entries in patch-entries.ts) and patch-group.ts
 * (GroupChanges: attributes plus membership inserts/deletes). Nothing there writes: every operation is checked
 * before the one service call, so a PATCH that fails changes nothing. Only allow-listed keys are ever copied from a
 * request.
 */
export interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  path?: string | undefined;
  value?: unknown;
}

export const maxOperations = 1000;

/** Reads a PatchOp message (§3.5.2): `{"schemas":[…PatchOp], "Operations":[{op, path?, value?}, …]}`. */
export function parsePatchRequest(body: unknown): PatchOperation[] {
  if (!isObject(body)) throw invalidSyntax('the body must be a PatchOp object');
  const opsKey = Object.keys(body).find((k) => k.toLowerCase() === 'operations');
  const ops = opsKey === undefined ? undefined : body[opsKey];
  if (!Array.isArray(ops)) throw invalidSyntax('a PatchOp needs an "Operations" list');
  if (ops.length > maxOperations) throw invalidValue(`at most ${maxOperations} operations in one PATCH`);
  return ops.map((raw, i) => {
    if (!isObject(raw)) throw invalidSyntax(`Operations[${i}] must be an object`);
    const fields = lowerKeys(raw);
    const op = patchOpName(fields.get('op'));
    if (!op) throw invalidSyntax(`Operations[${i}].op must be add, replace or remove`);
    const path = fields.get('path');
    if (path !== undefined && path !== null && typeof path !== 'string') {
      throw invalidSyntax(`Operations[${i}].path must be a string`);
    }
    return {
      op,
      path: typeof path === 'string' && path.trim() !== '' ? path : undefined,
      value: fields.get('value'),
    };
  });
}

/**
 * The (path, value) pairs an operation stands for: its own, or for a path-less add/replace one per key of its
 * value (entra-quirks.ts, quirk 3). A path-less remove has no target (§3.5.2.2).
 */
export function targets(op: PatchOperation, extensionUrns: readonly string[]): Array<[string, unknown]> {
  if (op.path !== undefined) return [[op.path, op.value]];
  if (op.op === 'remove') throw noTarget('remove needs a path');
  if (!isObject(op.value)) throw invalidValue(`${op.op} without a path needs an object value`);
  // `schemas` in a partial resource names its schemas; it is not an attribute to change.
  return pathlessEntries(op.value, extensionUrns).filter(([k]) => k.toLowerCase() !== 'schemas');
}

/** A string value, or undefined for null/absent (clear). */
export function text(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidValue(`${path} must be a string`);
  return value;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function lowerKeys(o: Record<string, unknown>): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const [k, v] of Object.entries(o)) m.set(k.toLowerCase(), v);
  return m;
}
