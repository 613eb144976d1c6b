import { invalidPath } from './errors.js';
import { resourceSchemas, type ResourceKind } from './urns.js';

/**
 * Attribute paths (RFC 7644 §3.10 and the PATH rule of §3.5.2):
 *
 *   attrPath  = [URI ":"] ATTRNAME *1subAttr        e.g. name.givenName, urn:…:enterprise:2.0:User:department
 *   valuePath = attrPath "[" valFilter "]"          e.g. emails[type eq "work"]
 *   PATH      = attrPath / valuePath [subAttr]      e.g. emails[type eq "work"].value
 *
 * Attribute names are case-insensitive (RFC 7643 §2.1), so paths are keyed in lower case. A core-schema URN prefix
 * is dropped; an extension URN prefix is kept ("urn:…:enterprise:2.0:user:department"), because extension
 * attributes live under their schema in a resource.
 */
export interface AttrPath {
  /** The schema URN the attribute belongs to (canonical spelling). */
  schema: string;
  /** Lower-case attribute name; '' when the path is an extension URN alone (the whole extension). */
  attr: string;
  /** Lower-case sub-attribute, if any. */
  sub?: string | undefined;
  /** Lookup key: attr for the core schema, `<lower-case urn>:<attr>` for an extension. */
  key: string;
}

const nameRe = /^[a-z_$][\w$-]*$/i;

/** Splits an attribute path; undefined when it is not one this resource type could have. */
export function splitAttrPath(raw: string, kind: ResourceKind): AttrPath | undefined {
  if (typeof raw !== 'string') return undefined;
  const lower = raw.trim().toLowerCase();
  const schemas = resourceSchemas[kind];
  let schema = schemas[0]!;
  let rest = lower;
  if (lower.startsWith('urn:')) {
    const match = [...schemas]
      .sort((a, b) => b.length - a.length)
      .find((s) => lower === s.toLowerCase() || lower.startsWith(`${s.toLowerCase()}:`));
    if (!match) return undefined;
    schema = match;
    rest = lower.slice(match.length + 1);
    if (rest === '') {
      if (match === schemas[0]) return undefined;
      return { schema, attr: '', key: match.toLowerCase() };
    }
  }
  const parts = rest.split('.');
  if (parts.length > 2 || !parts.every((p) => nameRe.test(p))) return undefined;
  const [attr, sub] = parts as [string, string | undefined];
  const key = schema === schemas[0] ? attr : `${schema.toLowerCase()}:${attr}`;
  return { schema, attr, sub, key };
}

export interface PatchPath extends AttrPath {
  /** The text inside [ ] of a value path, if any. */
  filter?: string | undefined;
}

/** Parses a PATCH path (§3.5.2). Throws invalidPath when it is not a well-formed path of this resource type. */
export function parsePatchPath(raw: unknown, kind: ResourceKind): PatchPath {
  if (typeof raw !== 'string' || raw.trim() === '') throw invalidPath('the path is empty');
  if (raw.length > 1024) throw invalidPath('the path is too long');
  const text = raw.trim();
  const open = indexOutsideQuotes(text, '[');
  if (open === -1) {
    const p = splitAttrPath(text, kind);
    if (!p) throw invalidPath(`${text} is not an attribute path of a ${kind}`);
    return p;
  }
  const close = indexOutsideQuotes(text, ']', open);
  if (close === -1) throw invalidPath(`${text}: unbalanced [ ]`);
  const head = splitAttrPath(text.slice(0, open), kind);
  const after = text.slice(close + 1);
  if (
    !head ||
    head.sub !== undefined ||
    head.attr === '' ||
    (after !== '' && !/^\.[a-z_$][\w$-]*$/i.test(after))
  ) {
    throw invalidPath(`${text} is not an attribute path of a ${kind}`);
  }
  const filter = text.slice(open + 1, close);
  if (filter.trim() === '') throw invalidPath(`${text}: empty value filter`);
  return { ...head, filter, sub: after === '' ? undefined : after.slice(1).toLowerCase() };
}

function indexOutsideQuotes(s: string, ch: string, from = 0): number {
  let quoted = false;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ch) return i;
  }
  return -1;
}
