import type { CompareOp } from '../domain/filter.js';

/**
 * The SCIM filter tree (RFC 7644 §3.4.2.2) as filter-parser.ts produces it: attribute paths as written, values
 * exactly as the client meant them. A leaf module (it imports nothing of the SCIM folder), so that the parser, the
 * Entra quirks and the value-filter compiler can all name it without importing each other.
 */
export type ScimFilter =
  | { op: 'and' | 'or'; filters: ScimFilter[] }
  | { op: 'not'; filter: ScimFilter }
  | { op: 'compare'; attrPath: string; cmp: CompareOp; value: string | boolean | null }
  | { op: 'pr'; attrPath: string }
  | { op: 'valuePath'; attrPath: string; filter: ScimFilter };

/** Sub-attributes that may appear in a value filter, with their types (canonical names). */
export type SubAttributeTypes = Record<string, 'string' | 'boolean'>;
