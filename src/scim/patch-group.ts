import type { GroupChanges, GroupInput } from '../services/groups.js';
import { compileElementFilter } from './element-filter.js';
import { memberIdsFromValue } from './entra-quirks.js';
import { invalidPath, invalidValue, mutability } from './errors.js';
import { parseScimFilter } from './filter-parser.js';
import { parsePatchPath } from './paths.js';
import { targets, text, type PatchOperation } from './patch.js';
import { groupSchema } from './schema.js';

/** Group PATCH (RFC 7644 §3.5.2): displayName, externalId and members; never reads or rewrites a member list. */

/** Attributes a client may read but never write (RFC 7643 §3.1). */
const readOnly = new Set(['id', 'meta', 'schemas']);

/** The group's single-valued attributes (schema.ts): lower-case name → directory field. */
const attributes = new Map(
  groupSchema.attributes
    .filter((a) => !a.multiValued && a.type !== 'complex')
    .map((a) => [a.name.toLowerCase(), a.field as 'displayName' | 'externalId']),
);

/** Every PATCH path a Group accepts (for the discovery consistency test). */
export const groupPatchPaths: string[] = [...attributes.keys(), 'members'];

/**
 * Folds the operations into one GroupChanges, in order: a later operation on the same member wins (add then remove
 * = not a member). Member changes stay inserts and deletes; `replace` of members is the service's replaceMembers.
 */
export function applyGroupPatch(ops: readonly PatchOperation[]): GroupChanges {
  const set: Partial<GroupInput> = {};
  let touchedAttributes = false;
  let base: Set<string> | undefined;
  let removeAll = false;
  const add = new Set<string>();
  const remove = new Set<string>();

  const addIds = (ids: string[]) => {
    for (const id of ids) {
      if (base) base.add(id);
      else {
        remove.delete(id);
        add.add(id);
      }
    }
  };
  const removeIds = (ids: string[]) => {
    for (const id of ids) {
      if (base) base.delete(id);
      else {
        add.delete(id);
        if (!removeAll) remove.add(id);
      }
    }
  };

  const apply = (op: PatchOperation['op'], rawPath: string, value: unknown) => {
    const p = parsePatchPath(rawPath, 'Group');
    if (readOnly.has(p.key)) throw mutability(`${rawPath} is read-only`);
    if (p.key === 'members') {
      if (p.sub !== undefined)
        throw invalidPath(`${rawPath}: change members as a whole or by members[value eq "…"]`);
      if (p.filter !== undefined) {
        if (op !== 'remove')
          throw invalidPath(`${rawPath}: a member filter can only be used to remove members`);
        removeIds(memberIdsFromFilter(p.filter));
        return;
      }
      if (op === 'remove' && (value === undefined || value === null)) {
        base = undefined;
        add.clear();
        remove.clear();
        removeAll = true;
        return;
      }
      const ids = value === null ? [] : memberIdsFromValue(value);
      if (!ids) throw invalidValue(`${rawPath} needs a list of {"value": "<user id>"}`);
      if (op === 'add') addIds(ids);
      else if (op === 'remove') removeIds(ids);
      else {
        base = new Set(ids);
        add.clear();
        remove.clear();
        removeAll = false;
      }
      return;
    }
    if (p.filter !== undefined || p.sub !== undefined)
      throw invalidPath(`${rawPath} is not a path of a Group`);
    const field = attributes.get(p.key);
    if (!field) throw invalidPath(`${rawPath} is not an attribute this directory stores`);
    set[field] = op === 'remove' ? undefined : text(value, rawPath);
    touchedAttributes = true;
  };

  for (const op of ops) for (const [path, value] of targets(op, [])) apply(op.op, path, value);
  return {
    ...(touchedAttributes ? { set } : {}),
    ...(base ? { replaceMembers: [...base] } : {}),
    ...(removeAll ? { removeAllMembers: true } : {}),
    ...(add.size > 0 ? { addMembers: [...add] } : {}),
    ...(remove.size > 0 ? { removeMembers: [...remove] } : {}),
  };
}

/** `members[value eq "a"]`, or several ids or-ed: the user ids to remove. */
function memberIdsFromFilter(filterText: string): string[] {
  const f = compileElementFilter(parseScimFilter(filterText), { value: 'string' });
  const ids: string[] = [];
  const collect = (x: typeof f) => {
    if (x.kind === 'or') x.filters.forEach(collect);
    else if (x.kind === 'compare' && x.op === 'eq' && typeof x.value === 'string') ids.push(x.value);
    else throw invalidPath('only members[value eq "<id>"] (or several, joined with or) can select members');
  };
  collect(f);
  return ids;
}
