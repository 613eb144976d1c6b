import { compileElementFilter, matchesElement } from './element-filter.js';
import { booleanFromString, entryFromValueFilter, removeOfAbsentTargetSucceeds } from './entra-quirks.js';
import { invalidPath, invalidValue, noTarget } from './errors.js';
import type { SubAttributeTypes } from './filter-ast.js';
import { parseScimFilter } from './filter-parser.js';
import type { PatchPath } from './paths.js';
import { isObject, text, type PatchOperation } from './patch.js';

/**
 * PATCH of a multi-valued complex attribute (RFC 7644 §3.5.2.1–3): emails, phoneNumbers, addresses. The list is the
 * user's as read; operations change it in place:
 * - `emails[type eq "work"].value` (a value filter and a sub-attribute) sets the sub-attribute of every matching
 *   entry, creating the entry from the filter when none matches (entra-quirks.ts, quirk 4);
 * - `emails[type eq "work"]` with an object sets those sub-attributes; `remove` of it removes the entries;
 * - `emails` alone: `replace` replaces the list, `add` merges entries (same value and type, or for addresses the
 *   same type, is the same entry), `remove` clears it or removes the listed values.
 * Setting primary on one entry makes every other entry non-primary (§3.5.2).
 */
export type Entry = Record<string, string | boolean>;

export interface EntriesSpec {
  subs: SubAttributeTypes;
  matchBy: 'value' | 'type';
}

export function applyEntries(
  list: Entry[],
  spec: EntriesSpec,
  op: PatchOperation['op'],
  p: PatchPath,
  value: unknown,
  rawPath: string,
): Entry[] {
  const sub = p.sub === undefined ? undefined : canonicalSub(spec, p.sub, rawPath);
  const filter =
    p.filter === undefined ? undefined : compileElementFilter(parseScimFilter(p.filter), spec.subs);
  const matches = (e: Entry) => filter === undefined || matchesElement(filter, e, spec.subs);

  if (op === 'remove') {
    if (filter === undefined && sub === undefined) {
      if (value === undefined || value === null) return [];
      // Remove by value list (Entra's style for members, accepted for entries too).
      const key = (e: Entry) => String(e[spec.matchBy] ?? '').toLowerCase();
      const gone = new Set(entries(spec, value, rawPath).map(key));
      return list.filter((e) => !gone.has(key(e)));
    }
    if (sub === undefined || sub === spec.matchBy) {
      // An entry without its value is no entry: removing `emails[…].value` removes the entry.
      const kept = list.filter((e) => !matches(e));
      if (kept.length === list.length && filter !== undefined && !removeOfAbsentTargetSucceeds) {
        throw noTarget(`${rawPath} matches nothing`);
      }
      return kept;
    }
    for (const e of list) if (matches(e)) delete e[sub];
    return list;
  }

  if (filter !== undefined) {
    let selected = list.filter(matches);
    if (selected.length === 0) {
      const created = entryFromValueFilter(filter);
      if (!created) throw noTarget(`${rawPath} matches no entry, and its filter cannot describe a new one`);
      const entry = toEntry(spec, created, rawPath);
      list.push(entry);
      selected = [entry];
    }
    for (const e of selected) {
      if (sub !== undefined) setSub(spec, e, sub, value, rawPath);
      else {
        if (!isObject(value)) throw invalidValue(`${rawPath} needs an object value`);
        Object.assign(e, toEntry(spec, value, rawPath));
      }
    }
    settlePrimary(list, selected);
    return list;
  }

  if (sub !== undefined) {
    throw invalidPath(
      `${rawPath}: say which entry with a value filter, e.g. ${p.attr}[type eq "work"].${sub}`,
    );
  }
  const incoming = value === null ? [] : entries(spec, value, rawPath);
  if (op === 'replace') {
    settlePrimary(incoming, incoming);
    return incoming;
  }
  const touched: Entry[] = [];
  for (const e of incoming) {
    const same = list.find((x) => identity(spec, x) === identity(spec, e));
    if (same) Object.assign(same, e);
    else list.push(e);
    touched.push(same ?? e);
  }
  settlePrimary(list, touched);
  return list;
}

/** What makes two entries the same entry: value and type (case-insensitive value), or the type alone. */
function identity(spec: EntriesSpec, e: Entry): string {
  const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : '');
  return spec.matchBy === 'value' ? `${lower(e.value)}\u0000${String(e.type ?? '')}` : lower(e.type);
}

/** §3.5.2: setting primary on one entry makes every other entry of the attribute non-primary. */
function settlePrimary(list: Entry[], touched: Entry[]): void {
  const chosen = touched.filter((e) => e.primary === true).at(-1);
  if (!chosen) return;
  for (const e of list) if (e !== chosen && e.primary === true) e.primary = false;
}

function canonicalSub(spec: EntriesSpec, sub: string, path: string): string {
  const name = Object.keys(spec.subs).find((k) => k.toLowerCase() === sub.toLowerCase());
  if (!name) throw invalidPath(`${path}: ${sub} is not a sub-attribute this directory stores`);
  return name;
}

function setSub(spec: EntriesSpec, e: Entry, sub: string, value: unknown, path: string): void {
  if (value === null || value === undefined) {
    delete e[sub];
    return;
  }
  if (spec.subs[sub] === 'boolean') {
    const v = booleanFromString(value);
    if (typeof v !== 'boolean') throw invalidValue(`${path} must be a boolean`);
    e[sub] = v;
  } else {
    const v = text(value, path);
    if (v === undefined) delete e[sub];
    else e[sub] = v;
  }
}

/** An entry built from the allow-listed keys of `o` only (sub-attributes not stored are ignored). */
function toEntry(spec: EntriesSpec, o: Record<string, unknown>, path: string): Entry {
  const e: Entry = {};
  for (const [k, v] of Object.entries(o)) {
    const name = Object.keys(spec.subs).find((s) => s.toLowerCase() === k.toLowerCase());
    if (name) setSub(spec, e, name, v, `${path}.${name}`);
  }
  return e;
}

function entries(spec: EntriesSpec, value: unknown, path: string): Entry[] {
  const items = Array.isArray(value) ? value : [value];
  return items.map((item, i) => {
    if (!isObject(item)) throw invalidValue(`${path}[${i}] must be an object`);
    return toEntry(spec, item, path);
  });
}
