import { parse as parseWithLibrary, type Filter as LibraryFilter } from 'scim2-parse-filter';
import type { CompareOp } from '../domain/filter.js';
import { bareFilterValue } from './entra-quirks.js';
import { invalidFilter } from './errors.js';
import type { ScimFilter } from './filter-ast.js';

/**
 * The filter grammar of RFC 7644 §3.4.2.2, parsed into a small AST of our own. `scim2-parse-filter` does the
 * parsing (attribute paths, operators, precedence, grouping, value paths); it is used as a parser only.
 *
 * Before the library sees the filter, every value is lifted out and replaced by a placeholder: quoted strings are
 * decoded here with JSON rules (the library doubles backslashes inside them), and a bare word after a comparison
 * operator is read as Entra's unquoted value (entra-quirks.ts). So every compared value in the tree is exactly what
 * the client meant.
 */
export const maxFilterLength = 4096;

const compareOps = new Set<string>(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);

export function parseScimFilter(text: string): ScimFilter {
  if (typeof text !== 'string' || text.trim() === '') throw invalidFilter('the filter is empty');
  if (text.length > maxFilterLength) {
    throw invalidFilter(`a filter has at most ${maxFilterLength} characters`);
  }
  const { rewritten, values } = liftValues(text);
  let parsed: LibraryFilter;
  try {
    parsed = parseWithLibrary(rewritten);
  } catch {
    throw invalidFilter('the filter does not follow the SCIM filter grammar (RFC 7644 §3.4.2.2)');
  }
  return convert(parsed, values, /\]\./.test(rewritten));
}

/** Replaces every compared value with a quoted placeholder `"<n>"`; returns the values in order. */
function liftValues(text: string): { rewritten: string; values: string[] } {
  const values: string[] = [];
  let out = '';
  let lastToken = '';
  let i = 0;
  const placeholder = (s: string) => {
    out += `"${values.length}"`;
    values.push(s);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) throw invalidFilter('the filter has an unterminated string');
      let decoded: unknown;
      try {
        decoded = JSON.parse(text.slice(i, j + 1));
      } catch {
        throw invalidFilter('the filter has an invalid string value');
      }
      placeholder(decoded as string);
      lastToken = '"';
      i = j + 1;
      continue;
    }
    if (/\s|[()[\]]/.test(c)) {
      out += c;
      if (!/\s/.test(c)) lastToken = c;
      i++;
      continue;
    }
    let j = i;
    while (j < text.length && !/[\s()[\]"]/.test(text[j]!)) j++;
    const word = text.slice(i, j);
    if (compareOps.has(lastToken)) {
      const bare = bareFilterValue(word);
      if ('literal' in bare) out += bare.literal;
      else placeholder(bare.string);
      lastToken = '"';
    } else {
      out += word;
      lastToken = word.toLowerCase();
    }
    i = j;
  }
  return { rewritten: out, values };
}

function convert(f: LibraryFilter, values: string[], hasSubAttrValuePath: boolean): ScimFilter {
  const value = (v: unknown): string | boolean | null => {
    if (typeof v === 'boolean' || v === null) return v;
    if (typeof v === 'string' && /^\d+$/.test(v) && Number(v) < values.length) return values[Number(v)]!;
    throw invalidFilter('the filter has an unsupported value');
  };
  const walk = (node: LibraryFilter): ScimFilter => {
    switch (node.op) {
      case 'and':
      case 'or': {
        const filters = (node as { filters: LibraryFilter[] }).filters;
        // `emails[type eq "work"].value eq "x"`: the library returns and(valuePath, compare on "emails.value");
        // it means one entry that matches both, so it becomes one value path.
        if (node.op === 'and' && hasSubAttrValuePath && filters.length === 2 && filters[0]!.op === '[]') {
          const vp = filters[0] as { attrPath: string; valFilter: LibraryFilter };
          const second = filters[1] as { attrPath?: string };
          const prefix = `${vp.attrPath}.`;
          if (typeof second.attrPath === 'string' && second.attrPath.startsWith(prefix)) {
            const inner = walk({
              ...filters[1]!,
              attrPath: second.attrPath.slice(prefix.length),
            } as LibraryFilter);
            return {
              op: 'valuePath',
              attrPath: vp.attrPath,
              filter: { op: 'and', filters: [walk(vp.valFilter), inner] },
            };
          }
        }
        return { op: node.op, filters: filters.map(walk) };
      }
      case 'not':
        return { op: 'not', filter: walk((node as { filter: LibraryFilter }).filter) };
      case 'pr':
        return { op: 'pr', attrPath: (node as { attrPath: string }).attrPath };
      case '[]': {
        const vp = node as { attrPath: string; valFilter: LibraryFilter };
        return { op: 'valuePath', attrPath: vp.attrPath, filter: walk(vp.valFilter) };
      }
      default: {
        const c = node as { op: string; attrPath: string; compValue: unknown };
        if (!compareOps.has(c.op)) throw invalidFilter(`operator ${c.op} is not supported`);
        return { op: 'compare', attrPath: c.attrPath, cmp: c.op as CompareOp, value: value(c.compValue) };
      }
    }
  };
  return walk(f);
}
