import type { SubAttributeTypes } from './filter-ast.js';
import { enterpriseUserSchema, userSchema, type AttributeDef, type SchemaDef } from './schema.js';

/**
 * The User attribute model of schema.ts, indexed by attribute path: what filter.ts, the PATCH appliers, input.ts and
 * presenters.ts look attributes up in. Keys are lower case (RFC 7643 §2.1): `title`, `name.givenname`, and for the
 * enterprise extension `urn:…:enterprise:2.0:user:department` — the `key` of paths.ts.
 */
export type UserAttribute =
  /** A single-valued string or boolean held in one directory field. */
  | { kind: 'simple'; path: string; field: string; type: 'string' | 'boolean'; filterable: boolean }
  /**
   * A single-valued complex attribute (name, manager) or an extension as a whole: its sub-attributes are paths of
   * their own (`subs`: lower-case sub name → key). `reference` attributes take a bare id for their value
   * (entra-quirks.ts, quirk 10).
   */
  | { kind: 'complex'; path: string; subs: Map<string, string>; reference: boolean }
  /** A multi-valued complex attribute held as a list of entries (emails, phoneNumbers, addresses). */
  | {
      kind: 'entries';
      path: string;
      field: 'emails' | 'phoneNumbers' | 'addresses';
      subs: SubAttributeTypes;
      /** How an added entry finds the entry it updates: the same value (and type), or the same type. */
      matchBy: 'value' | 'type';
      filterable: boolean;
    }
  /** A read-only attribute computed from another (manager.$ref). */
  | { kind: 'computed'; path: string };

const index = new Map<string, UserAttribute>();

function scalar(a: AttributeDef): 'string' | 'boolean' {
  return a.type === 'boolean' ? 'boolean' : 'string';
}

function add(schema: SchemaDef, extension: boolean): void {
  const prefix = extension ? `${schema.id}:` : '';
  const keyOf = (name: string) => `${prefix}${name}`.toLowerCase();
  const extensionSubs = new Map<string, string>();
  for (const a of schema.attributes) {
    const key = keyOf(a.name);
    extensionSubs.set(a.name.toLowerCase(), key);
    if (a.multiValued) {
      const subs = Object.fromEntries((a.subAttributes ?? []).map((s) => [s.name, scalar(s)]));
      index.set(key, {
        kind: 'entries',
        path: `${prefix}${a.name}`,
        field: a.field as 'emails' | 'phoneNumbers' | 'addresses',
        subs,
        matchBy: 'value' in subs ? 'value' : 'type',
        filterable: a.filterable === true,
      });
    } else if (a.type === 'complex') {
      const subs = new Map<string, string>();
      for (const s of a.subAttributes ?? []) {
        const subKey = `${key}.${s.name.toLowerCase()}`;
        subs.set(s.name.toLowerCase(), subKey);
        index.set(
          subKey,
          s.computed
            ? { kind: 'computed', path: `${prefix}${a.name}.${s.name}` }
            : {
                kind: 'simple',
                path: `${prefix}${a.name}.${s.name}`,
                field: s.field!,
                type: scalar(s),
                filterable: s.filterable === true,
              },
        );
      }
      const reference = (a.subAttributes ?? []).some((s) => s.computed === 'location');
      index.set(key, { kind: 'complex', path: `${prefix}${a.name}`, subs, reference });
    } else {
      index.set(key, {
        kind: 'simple',
        path: `${prefix}${a.name}`,
        field: a.field!,
        type: scalar(a),
        filterable: a.filterable === true,
      });
    }
  }
  if (extension) {
    index.set(schema.id.toLowerCase(), {
      kind: 'complex',
      path: schema.id,
      subs: extensionSubs,
      reference: false,
    });
  }
}

add(userSchema, false);
add(enterpriseUserSchema, true);

/** The User attribute at a lower-case key, if this directory stores it. */
export function userAttribute(key: string): UserAttribute | undefined {
  return index.get(key);
}

/** Every User attribute path (lower-case keys). */
export function userAttributeKeys(): string[] {
  return [...index.keys()];
}

/** The extension schemas of a User, whose URNs may key a path-less PATCH value or a resource body. */
export const userExtensions: readonly SchemaDef[] = [enterpriseUserSchema];
