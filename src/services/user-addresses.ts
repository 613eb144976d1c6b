import { InvalidInputError } from '../domain/errors.js';
import { addressParts, type Address } from '../domain/types.js';
import { limits, optionalBoolean, optionalText } from './validate.js';

/**
 * Addresses (RFC 7643 §4.1.2): every part optional. An address with no text part (what is left after a client
 * removed its last part, e.g. SCIM `remove addresses[type eq "work"].locality`) is no address and is dropped; at
 * most one address is primary.
 */
export function addresses(value: unknown, path: string): Address[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InvalidInputError(`${path} must be a list`, path);
  if (value.length > limits.multiValued) {
    throw new InvalidInputError(`${path} has at most ${limits.multiValued} entries`, path);
  }
  const out: Address[] = [];
  value.forEach((item: unknown, i) => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      throw new InvalidInputError(`${path}[${i}] must be an object`, path);
    }
    const o = item as Record<string, unknown>;
    const a: Address = {};
    const type = optionalText(o.type, `${path}.type`, 64);
    if (type !== undefined) a.type = type;
    for (const part of addressParts) {
      const v = optionalText(o[part], `${path}.${part}`);
      if (v !== undefined) a[part] = v;
    }
    const primary = optionalBoolean(o.primary, `${path}.primary`);
    if (primary !== undefined) a.primary = primary;
    if (addressParts.some((p) => a[p] !== undefined)) out.push(a);
  });
  if (out.filter((e) => e.primary === true).length > 1) {
    throw new InvalidInputError(`${path}: at most one entry may be primary`, path);
  }
  return out;
}
