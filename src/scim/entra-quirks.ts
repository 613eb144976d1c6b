import type { Filter } from '../domain/filter.js';

/**
 * Every place where Microsoft Entra ID's provisioning service deviates from RFC 7643/7644, and what we do about it.
 * Nothing else in the SCIM folder knows about Entra. Each quirk has a test built from the request Entra really
 * sends (test/scim/entra-quirks.test.ts).
 *
 * Sources: Microsoft Learn, "Tutorial: Develop and plan provisioning for a SCIM endpoint in Microsoft Entra ID"
 * (use-scim-to-provision-users-and-groups) and "Known issues and resolutions with SCIM 2.0 protocol compliance of
 * the Microsoft Entra user provisioning service" (application-provisioning-config-problem-scim-compatibility).
 */

/**
 * Quirk 1 — PATCH op names in any case. RFC 7644 §3.5.2 spells them "add", "remove", "replace"; Entra sends
 * "Add", "Replace", "Remove" (the docs say: "Don't require a case-sensitive match on structural elements in SCIM,
 * in particular PATCH op operation values").
 */
export function patchOpName(op: unknown): 'add' | 'replace' | 'remove' | undefined {
  if (typeof op !== 'string') return undefined;
  const lower = op.trim().toLowerCase();
  return lower === 'add' || lower === 'replace' || lower === 'remove' ? lower : undefined;
}

/**
 * Quirk 2 — booleans as strings. Without the aadOptscim062020 flag Entra disables a user with
 * `{"op":"Replace","path":"active","value":"False"}`; RFC 7643 §2.3.2 wants a JSON boolean. "True"/"False" in any
 * case become booleans; any other string stays a string (and fails validation as not a boolean). Applied wherever
 * a boolean is read (PATCH values, create and replace bodies).
 */
export function booleanFromString(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const lower = value.trim().toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : value;
}

/**
 * Quirk 3 — path-less replace whose value object is keyed by attribute paths. With the aadOptscim062020 flag Entra
 * sends `{"op":"replace","value":{"displayName":"…","name.givenName":"…",
 * "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"…"}}`. RFC 7644 §3.5.2.3 wants the
 * value to be a partial resource (`{"name":{"givenName":…}}`); a key here is therefore read as a PATCH path (which
 * also covers the RFC's own shape: a plain attribute name is a path too). A key that is exactly an extension schema
 * URN holding an object (the RFC shape for extensions) expands to one path per sub-key.
 */
export function pathlessEntries(
  value: Record<string, unknown>,
  extensionUrns: readonly string[],
): Array<[path: string, value: unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const [key, v] of Object.entries(value)) {
    const ext = extensionUrns.find((u) => u.toLowerCase() === key.toLowerCase());
    if (ext && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [sub, subValue] of Object.entries(v as Record<string, unknown>)) {
        out.push([`${ext}:${sub}`, subValue]);
      }
    } else {
      out.push([key, v]);
    }
  }
  return out;
}

/**
 * Quirk 4 — a value-filter path whose filter matches nothing creates the entry. Entra sets a user's first work
 * e-mail or mobile number with `{"op":"Add"|"Replace","path":"emails[type eq \"work\"].value","value":"…"}`.
 * RFC 7644 §3.5.2.3 answers a replace that matches nothing with 400 noTarget; Entra expects the entry to be created
 * from the filter's equality conditions (type "work") plus the value. Only `and`-ed `eq` conditions can describe a
 * new entry; for any other filter this returns undefined (and the caller answers noTarget).
 */
export function entryFromValueFilter(filter: Filter<string>): Record<string, unknown> | undefined {
  const entry: Record<string, unknown> = {};
  const collect = (f: Filter<string>): boolean => {
    if (f.kind === 'and') return f.filters.every(collect);
    if (f.kind === 'compare' && f.op === 'eq' && f.value !== null) {
      entry[f.field] = f.value;
      return true;
    }
    return false;
  };
  return collect(filter) ? entry : undefined;
}

/**
 * Quirk 5 — member lists in PATCH values. Entra adds members as `{"op":"Add","path":"members","value":[{"$ref":null,
 * "value":"<id>"}]}` and, without the aadOptscim062020 flag, REMOVES them the same way:
 * `{"op":"Remove","path":"members","value":[{"value":"<id>"}]}` (RFC 7644 §3.5.2.2 defines remove by path filter
 * only, `members[value eq "<id>"]`, which Entra sends with the flag; both are accepted). `$ref` may be null and
 * `display` may be present: only `value` is read. A single object instead of a list is accepted too. Returns
 * undefined when the value is not such a list.
 */
export function memberIdsFromValue(value: unknown): string[] | undefined {
  const items = Array.isArray(value)
    ? value
    : value !== null && typeof value === 'object'
      ? [value]
      : undefined;
  if (!items) return undefined;
  const ids: string[] = [];
  for (const item of items) {
    const id =
      item !== null && typeof item === 'object' && !Array.isArray(item)
        ? (item as Record<string, unknown>).value
        : undefined;
    if (typeof id !== 'string' || id.trim() === '') return undefined;
    ids.push(id.trim());
  }
  return ids;
}

/**
 * Quirk 6 — unquoted filter values. Microsoft's own example of the matching query is
 * `GET /Users?filter=externalId eq jyoung`; RFC 7644 §3.4.2.2 requires `"jyoung"`. A bare word after a comparison
 * operator is read as a string, unless it is `true`, `false` or `null` (in any case). Bare numbers are read as
 * strings too, keeping their text ("007"): this directory has no numeric attributes.
 */
export function bareFilterValue(word: string): { literal: 'true' | 'false' | 'null' } | { string: string } {
  const lower = word.toLowerCase();
  if (lower === 'true' || lower === 'false' || lower === 'null') return { literal: lower };
  return { string: word };
}

/**
 * Quirk 7 — removing what is not there succeeds. Entra retries and replays membership removals, and removes
 * attributes it believes are set. A remove whose target is absent (a non-member, an e-mail entry that is not
 * there) changes nothing and answers success rather than RFC 7644 §3.5.2.2's optional 400 noTarget, which would
 * count as a failed operation towards quarantine.
 */
export const removeOfAbsentTargetSucceeds = true;

/**
 * Quirk 8 — group PATCH answers 204. The Entra docs: "Update to the group PATCH request should yield an HTTP 204 No
 * Content in the response. Returning a body with a list of all the members isn't advisable." (RFC 7644 §3.5.2
 * allows 200 with the resource or 204.) A client that asks for attributes gets 200 with the group.
 */
export const groupPatchStatus = 204;

/**
 * Quirk 9 — create and replace bodies carry attributes nobody mapped, many of them null. Entra's create-user
 * example sends `"addresses":null,"phoneNumbers":null,"title":null,"department":null,"manager":null,"roles":[]`,
 * `"name":{"formatted":…}` and a `meta` object; its create-group example lists the schema
 * `http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group`. In POST and PUT bodies, attributes
 * this directory does not store and schema URNs it does not know are ignored (never stored), and null means
 * "absent" (RFC 7643 §2.5: unassigned attributes and null are equivalent).
 */
export function isAbsent(value: unknown): boolean {
  return value === undefined || value === null;
}

/**
 * Quirk 10 — the manager as a bare id. Entra's default mapping sends the enterprise `manager` as the manager's id
 * string: `{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
 * "value":"<id>"}` (and in a path-less value, `"urn:…:User:manager":"<id>"`); RFC 7643 §4.3 makes manager a complex
 * attribute, `{"value":"<id>"}`, which is accepted as well. A string given where a reference attribute is expected is
 * read as its `value`. (Microsoft's tutorial shows the body shape `"urn:…:User":{"Manager":"123456"}`; reported as
 * non-compliant in MicrosoftDocs/azure-docs#69234 and #73842. Entra sends the manager in a PATCH of its own after
 * the create, and again on later cycles: an unchanged manager costs no extra read.)
 */
export function referenceFromString(value: unknown): unknown {
  return typeof value === 'string' ? { value } : value;
}
