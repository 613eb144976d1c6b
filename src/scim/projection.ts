import { splitAttrPath } from './paths.js';
import type { ScimResource } from './presenters.js';
import { resourceSchemas, type ResourceKind } from './urns.js';

/**
 * `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9): which attributes a response carries. `id` and
 * `schemas` are always returned (RFC 7643 §3.1 "returned: always"). Names are case-insensitive; paths this resource
 * type does not have are ignored.
 */
type Mask = Map<string, Mask | true>;

export interface Projection {
  include?: Mask | undefined;
  exclude?: Mask | undefined;
}

const always = new Set(['id', 'schemas']);

export function parseProjection(
  attributes: string | undefined,
  excludedAttributes: string | undefined,
  kind: ResourceKind,
): Projection {
  return { include: mask(attributes, kind), exclude: mask(excludedAttributes, kind) };
}

function mask(list: string | undefined, kind: ResourceKind): Mask | undefined {
  if (list === undefined || list.trim() === '') return undefined;
  const root: Mask = new Map();
  for (const raw of list.split(',')) {
    const p = splitAttrPath(raw, kind);
    if (!p) continue;
    const core = p.schema === resourceSchemas[kind][0];
    const segments = [...(core ? [] : [p.schema.toLowerCase()]), p.attr, p.sub].filter(
      (s): s is string => s !== undefined && s !== '',
    );
    let node = root;
    segments.forEach((seg, i) => {
      const last = i === segments.length - 1;
      const existing = node.get(seg);
      if (existing === true) return;
      if (last) node.set(seg, true);
      else {
        const next = existing ?? new Map();
        node.set(seg, next);
        node = next;
      }
    });
  }
  return root;
}

/** Does the response need this top-level attribute (e.g. members, which costs queries)? */
export function wantsAttribute(proj: Projection, name: string): boolean {
  const key = name.toLowerCase();
  if (proj.include && !proj.include.has(key)) return false;
  if (proj.exclude && proj.exclude.get(key) === true) return false;
  return true;
}

export function project(resource: ScimResource, proj: Projection): ScimResource {
  let out: Record<string, unknown> = resource;
  if (proj.include) out = pick(out, proj.include, true);
  if (proj.exclude) out = drop(out, proj.exclude, true);
  const result = out as ScimResource;
  // An extension whose attributes were all left out is no longer among the resource's schemas.
  result.schemas = resource.schemas.filter((s, i) => i === 0 || Object.hasOwn(result, s));
  return result;
}

function pick(o: Record<string, unknown>, m: Mask, top: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const rule = m.get(k.toLowerCase());
    if ((top && always.has(k)) || rule === true) out[k] = v;
    else if (rule && v !== null && typeof v === 'object') {
      const sub = Array.isArray(v)
        ? v
            .map((e) => pick(e as Record<string, unknown>, rule, false))
            .filter((e) => Object.keys(e).length > 0)
        : pick(v as Record<string, unknown>, rule, false);
      if (Array.isArray(sub) ? sub.length > 0 : Object.keys(sub).length > 0) out[k] = sub;
    }
  }
  return out;
}

function drop(o: Record<string, unknown>, m: Mask, top: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const rule = m.get(k.toLowerCase());
    if (rule === undefined || (top && always.has(k))) out[k] = v;
    else if (rule !== true && v !== null && typeof v === 'object') {
      const sub = Array.isArray(v)
        ? v.map((e) => drop(e as Record<string, unknown>, rule, false))
        : drop(v as Record<string, unknown>, rule, false);
      out[k] = sub;
    }
  }
  return out;
}
