import fc from 'fast-check';
import { BSONRegExp, ObjectId, type Document, type IndexDescription, type Sort } from 'mongodb';

/**
 * Generators for test/db/typed-semantics.test.ts: documents that obey `typedValidator`, and queries over their
 * fields that use every condition ferretdb/_patch's typed_filter.go translates into SQL and many it leaves to
 * FerretDB. Each generated filter says whether the translator must push it down exactly (`exact`): true only
 * when every condition in it is one the translator translates exactly. (A filter with other conditions may still
 * be exact, e.g. `x AND false`; the test asserts nothing then.)
 */

/** The validator of the typed collection: every kind of typed field, required or optional, nullable or not. */
export const typedValidator = {
  $jsonSchema: {
    bsonType: 'object',
    required: ['_id', 'name'],
    properties: {
      _id: { bsonType: 'string' },
      name: { bsonType: 'string', description: 'required, never null' },
      title: { bsonType: ['string', 'null'] },
      code: { bsonType: ['string', 'null'] },
      kind: { bsonType: 'string', enum: ['user', 'group', 'service'], description: 'optional, never null' },
      born: { bsonType: ['date', 'null'] },
      active: { bsonType: ['bool', 'null'] },
      tags: { bsonType: ['array', 'null'], items: { bsonType: 'string' } },
    },
  },
};

/** Indexes of both collections (the typed one builds them from the typed fields: NULLS FIRST, GIN for tags). */
export const indexes: IndexDescription[] = [
  { key: { name: 1 }, name: 'name_1' },
  { key: { title: 1, _id: 1 }, name: 'title_1__id_1' },
  { key: { code: -1 }, name: 'code_-1' },
  { key: { kind: 1, name: -1 }, name: 'kind_1_name_-1' },
  { key: { born: -1 }, name: 'born_-1' },
  { key: { active: 1, title: 1 }, name: 'active_1_title_1' },
  { key: { tags: 1 }, name: 'tags_1' },
];

type StringField = 'name' | 'title' | 'code' | 'kind';
const stringFields: StringField[] = ['name', 'title', 'code', 'kind'];
const untypedFields = ['n', 'misc'];
/** Fields a sort may name; the typed collection sorts by the first six (and `_id`) in PostgreSQL. */
export const typedSortFields = ['name', 'title', 'code', 'kind', 'born', 'active'];
const sortFields = [...typedSortFields, 'tags', 'n'];
/** Fields a counting `$group` may group by (the typed collection groups by the first five in PostgreSQL). */
const groupFields = ['name', 'title', 'kind', 'born', 'active', 'code', 'tags', 'n'];

/**
 * Strings that are hard to get right in SQL: LIKE's wildcards and escape character, regular expressions'
 * punctuation, quotes, newlines (also a final one: a regular expression's `$`), non-ASCII, code points around the
 * surrogate gap and the last one, strings that are prefixes of each other, ObjectId-looking hex strings.
 */
export const specialStrings = [
  '',
  'a',
  'ab',
  'abc',
  'abcd',
  'abd',
  'b',
  'B',
  'Abc',
  'ABC',
  '%',
  'a%',
  '%a',
  'a%b',
  '_',
  'a_b',
  'a_',
  '\\',
  'a\\b',
  '\\%',
  '\\_',
  'x\ny',
  'abc\n',
  '\n',
  'a\r\nb',
  '\t',
  ' ',
  'a b',
  'a.b',
  'a*b',
  'a+b',
  '(a)',
  '[a]',
  '{1}',
  'a|b',
  '^a',
  'a$',
  '$',
  '^',
  '?',
  "O'Brien",
  "'",
  '"q"',
  'é',
  'éa',
  'e\u0301',
  'É',
  'ß',
  '日本',
  '日本語',
  '😀',
  '😀x',
  'x😀',
  '\u{10FFFF}',
  '\u{10FFFF}a',
  '\uD7FF',
  '\uD7FFa',
  '\uE000',
  '\uFFFD',
  'ÿ',
  '~',
  'z',
  'zz',
  '507f1f77bcf86cd799439011',
  '507f1f77bcf86cd79943901',
  '507f1f77bcf86cd799439012',
  '507F1F77BCF86CD799439011',
  'user',
  'group',
  'service',
  'null',
  'true',
  '0',
];

const kinds = ['user', 'group', 'service'];

/** Strings PostgreSQL can store (no U+0000) and BSON carries unchanged (no lone surrogates). */
const storable = (s: string) => !s.includes('\0') && !/\p{Cs}/u.test(s);

/** A small alphabet makes random strings that equal, prefix and contain each other. */
const smallAlphabet = fc.constantFrom('a', 'b', 'c', '%', '_', '\\', '\n', '.', '$', 'é', '😀', '\uD7FF');

export const storedString: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...specialStrings) },
  { weight: 2, arbitrary: fc.string({ unit: smallAlphabet, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 5 }).filter(storable) },
);

export const specialDates = [
  new Date(0),
  new Date(-1),
  new Date(1),
  new Date('1969-07-20T20:17:40Z'),
  new Date('2000-01-01T00:00:00Z'),
  new Date('2000-01-01T00:00:00.001Z'),
  new Date('2024-02-29T12:34:56.789Z'),
  new Date('0001-01-01T00:00:00Z'),
  new Date('9999-12-31T23:59:59.999Z'),
];

const date: fc.Arbitrary<Date> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...specialDates) },
  {
    weight: 1,
    arbitrary: fc.date({
      min: new Date('1900-01-01T00:00:00Z'),
      max: new Date('2100-01-01T00:00:00Z'),
      noInvalidDate: true,
    }),
  },
);

const hexIds = ['507f1f77bcf86cd799439011', '507f1f77bcf86cd799439012', '000000000000000000000000'];

const missing = Symbol('missing');
type Maybe<T> = T | null | typeof missing;

function optional<T>(arb: fc.Arbitrary<T>, nullable = true): fc.Arbitrary<Maybe<T>> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(missing) },
    { weight: nullable ? 2 : 0, arbitrary: fc.constant(null) },
    { weight: 5, arbitrary: arb },
  );
}

/** A document the validator accepts (without `_id`: the test numbers them). */
export const documentArb: fc.Arbitrary<Document> = fc
  .record({
    name: storedString,
    title: optional(storedString),
    code: optional(storedString),
    kind: optional(fc.constantFrom(...kinds), false),
    born: optional(date),
    active: optional(fc.boolean()),
    tags: optional(fc.array(storedString, { maxLength: 4 })),
    n: optional(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(1.5, -0.5)), false),
    misc: optional(
      fc.oneof(
        storedString,
        fc.integer({ min: 0, max: 3 }),
        fc.boolean(),
        date,
        fc.constantFrom(...hexIds).map((h) => new ObjectId(h)),
        fc.array(storedString, { maxLength: 2 }),
        storedString.map((a) => ({ a })),
      ),
    ),
  })
  .map((d) => Object.fromEntries(Object.entries(d).filter(([, v]) => v !== missing)));

/** A generated filter, and whether the translator must push it down exactly. */
export interface Gen {
  filter: Document;
  exact: boolean;
}

const gen = (filter: Document, exact: boolean): Gen => ({ filter, exact });

/** Values of every other type, and arrays and documents, for a typed field's conditions. */
const otherValues: unknown[] = [
  0,
  1,
  -1,
  1.5,
  true,
  false,
  new Date(0),
  new ObjectId('507f1f77bcf86cd799439011'),
  [],
  ['a'],
  ['a', 'b'],
  {},
  { a: 1 },
];

/** Regular expressions' special characters, which a literal pattern escapes. */
const special = /[.^$*+?()[\]{}|\\]/g;
/** Every ASCII punctuation character (escaping any of them is allowed, and means the character). */
const punctuation = /[!-/:-@[-`{-~]/g;

/** A regular expression for a literal string: contained, a prefix, a suffix or the whole string. */
function literalRegex(s: string, anchor: 'none' | 'start' | 'end' | 'both', escapeAll: boolean): string {
  const body = s.replace(escapeAll ? punctuation : special, '\\$&');
  return (
    (anchor === 'start' || anchor === 'both' ? '^' : '') +
    body +
    (anchor === 'end' || anchor === 'both' ? '$' : '')
  );
}

/** Pieces of stored strings, so that patterns match some documents. */
const patternText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: storedString },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom(...specialStrings), fc.nat(), fc.nat()).map(([s, a, b]) => {
      const cps = [...s];
      const i = a % (cps.length + 1);
      return cps.slice(i, i + (b % (cps.length - i + 1))).join('');
    }),
  },
);

interface Pattern {
  pattern: string;
  options: string;
  /** the translator makes it a LIKE (string fields only) */
  literal: boolean;
}

const nonLiteralPatterns = [
  'a.c',
  '^a.',
  'b|c',
  '[a-c]',
  'a+',
  '^$',
  '\\d',
  'é.',
  '\\n',
  '^.*$',
  '\\Qa',
  'ab?',
];

const pattern: fc.Arbitrary<Pattern> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record({
        text: patternText,
        anchor: fc.constantFrom('none', 'start', 'end', 'both'),
        escapeAll: fc.boolean(),
        options: fc.constantFrom('', '', '', 's', 'i', 'm', 'si'),
      })
      .map(({ text, anchor, escapeAll, options }) => ({
        pattern: literalRegex(text, anchor, escapeAll),
        options,
        literal: !/[im]/.test(options),
      })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ pattern: fc.constantFrom(...nonLiteralPatterns), options: fc.constantFrom('', 'i') })
      .map((p) => ({ ...p, literal: false })),
  },
);

type Kind = 'string' | 'date' | 'bool' | 'stringArray' | 'none';

function kindOf(field: string): Kind {
  if ((stringFields as string[]).includes(field)) return 'string';
  if (field === 'born') return 'date';
  if (field === 'active') return 'bool';
  if (field === 'tags') return 'stringArray';
  return 'none';
}

/** A value of the field's own type. */
function ownValue(kind: Kind, field: string): fc.Arbitrary<unknown> {
  switch (kind) {
    case 'string':
      return field === 'kind' ? fc.oneof(fc.constantFrom(...kinds), storedString) : storedString;
    case 'date':
      return date;
    case 'bool':
      return fc.boolean();
    case 'stringArray':
      return fc.oneof(storedString, fc.array(storedString, { maxLength: 3 }));
    case 'none':
      return fc.oneof(storedString, fc.integer({ min: -3, max: 3 }), fc.constant(1.5));
  }
}

/** A plain value for a condition (not a regular expression): mostly the field's type, also null and others. */
function value(kind: Kind, field: string): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: ownValue(kind, field) },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 2, arbitrary: fc.constantFrom(...otherValues, 'a', new Date('2000-01-01T00:00:00Z')) },
  );
}

/** Whether the translator answers a regular expression on a field of this kind exactly. */
const regexExact = (kind: Kind, p: Pattern) => kind === 'string' && p.literal;

/** One condition on one field: `{field: ...}`. */
function condition(field: string): fc.Arbitrary<Gen> {
  const kind = kindOf(field);
  const typed = kind !== 'none';
  const ordered = kind === 'string' || kind === 'date' || kind === 'bool';
  const v = value(kind, field);
  const re = pattern.map((p) => ({ p, re: new BSONRegExp(p.pattern, p.options) }));
  const inList = fc.array(
    fc.oneof(
      { weight: 4, arbitrary: v.map((x) => ({ x, exact: typed })) },
      { weight: 1, arbitrary: re.map(({ p, re }) => ({ x: re, exact: regexExact(kind, p) })) },
    ),
    { maxLength: 4 },
  );
  const cmp = fc.constantFrom('$gt', '$gte', '$lt', '$lte');

  const translated: fc.Arbitrary<Gen>[] = [
    // equality: `field: v`, `{$eq: v}` (a regular expression after $eq matches only a stored regular expression)
    v.map((x) => gen({ [field]: x }, typed)),
    v.map((x) => gen({ [field]: { $eq: x } }, typed)),
    re.map(({ re }) => gen({ [field]: { $eq: re } }, typed)),
    v.map((x) => gen({ [field]: { $ne: x } }, typed)),
    fc.tuple(cmp, v).map(([op, x]) => gen({ [field]: { [op]: x } }, ordered)),
    fc
      .tuple(fc.constantFrom('$gt', '$gte'), v, fc.constantFrom('$lt', '$lte'), v)
      .map(([lo, a, hi, b]) => gen({ [field]: { [lo]: a, [hi]: b } }, ordered)),
    inList.map((xs) =>
      gen(
        { [field]: { $in: xs.map((e) => e.x) } },
        xs.every((e) => e.exact),
      ),
    ),
    inList.map((xs) =>
      gen(
        { [field]: { $nin: xs.map((e) => e.x) } },
        xs.every((e) => e.exact),
      ),
    ),
    fc.boolean().map((b) => gen({ [field]: { $exists: b } }, true)),
    // regular expressions: `field: /re/`, `{$regex: "re", $options}`, `{$regex: /re/}`, `{$not: /re/}`
    re.map(({ p, re }) => gen({ [field]: re }, regexExact(kind, p))),
    pattern.map((p) =>
      gen(
        { [field]: p.options === '' ? { $regex: p.pattern } : { $regex: p.pattern, $options: p.options } },
        regexExact(kind, p),
      ),
    ),
    re.map(({ p, re }) => gen({ [field]: { $regex: re } }, regexExact(kind, p))),
    re.map(({ p, re }) => gen({ [field]: { $not: re } }, regexExact(kind, p))),
    // $not of operators
    fc.tuple(cmp, v).map(([op, x]) => gen({ [field]: { $not: { [op]: x } } }, ordered)),
    inList.map((xs) =>
      gen(
        { [field]: { $not: { $in: xs.map((e) => e.x) } } },
        xs.every((e) => e.exact),
      ),
    ),
    v.map((x) => gen({ [field]: { $not: { $eq: x } } }, typed)),
  ];
  const leftToFerretDB: fc.Arbitrary<Gen>[] = [
    fc
      .constantFrom('string', 'null', 'date', 'bool', 'array', 2, 10)
      .map((t) => gen({ [field]: { $type: t } }, false)),
    fc.nat({ max: 3 }).map((n) => gen({ [field]: { $size: n } }, false)),
    fc
      .array(ownValue(kind, field), { minLength: 1, maxLength: 2 })
      .map((xs) => gen({ [field]: { $all: xs } }, false)),
    fc
      .oneof(
        v.map((x) => ({ $eq: x })),
        re.map(({ re }) => ({ $regex: re })),
        v.map((x) => ({ $gte: x })),
      )
      .map((m) => gen({ [field]: { $elemMatch: m } }, false)),
  ];
  return fc.oneof(
    ...translated.map((arbitrary) => ({ weight: 3, arbitrary })),
    ...leftToFerretDB.map((arbitrary) => ({ weight: 1, arbitrary })),
  );
}

const isOperators = (v: unknown): v is Document =>
  typeof v === 'object' &&
  v !== null &&
  v.constructor === Object &&
  Object.keys(v).length > 0 &&
  Object.keys(v).every((k) => k.startsWith('$'));

/** One condition, or two on the same field: `{field: {$op1: .., $op2: ..}}` (or their $and). */
function conditions(field: string): fc.Arbitrary<Gen> {
  return fc.oneof(
    { weight: 3, arbitrary: condition(field) },
    {
      weight: 1,
      arbitrary: fc.tuple(condition(field), condition(field)).map(([a, b]) => {
        const x = a.filter[field] as unknown;
        const y = b.filter[field] as unknown;
        const merged =
          isOperators(x) &&
          isOperators(y) &&
          !Object.keys(x).some((k) => k in y) &&
          !('$options' in x || '$options' in y);
        return merged
          ? gen({ [field]: { ...x, ...y } }, a.exact && b.exact)
          : gen({ $and: [a.filter, b.filter] }, a.exact && b.exact);
      }),
    },
  );
}

/** The field of a condition: mostly typed ones. */
const field = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...stringFields, 'born', 'active', 'tags') },
  { weight: 1, arbitrary: fc.constantFrom(...untypedFields) },
);

/** Filters: conditions, several at the top level, and nested $and, $or, $nor. */
export const filterArb: fc.Arbitrary<Gen> = fc.letrec<{ filter: Gen }>((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: field.chain(conditions) },
    {
      weight: 2,
      arbitrary: fc
        .uniqueArray(field, { minLength: 2, maxLength: 3 })
        .chain((fields) => fc.tuple(...fields.map(conditions)))
        .map((parts) =>
          gen(
            Object.assign({}, ...parts.map((p) => p.filter)),
            parts.every((p) => p.exact),
          ),
        ),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom('$and', '$or', '$nor'),
          fc.array(tie('filter'), { minLength: 1, maxLength: 3 }),
        )
        .map(([op, parts]) =>
          gen(
            { [op]: parts.map((p) => p.filter) },
            parts.every((p) => p.exact),
          ),
        ),
    },
    { weight: 1, arbitrary: fc.constant(gen({}, true)) },
  ),
})).filter;

/** A query: filter, sort (always ending with `_id`, so that the order is one), skip, limit, a field to group by. */
export interface QueryCase {
  filter: Gen;
  sort: Sort | undefined;
  /** every sort field is typed: the typed collection sorts in PostgreSQL */
  typedSort: boolean;
  skip: number;
  limit: number;
  groupBy: string;
}

export const queryArb: fc.Arbitrary<QueryCase> = fc
  .record({
    filter: filterArb,
    sort: fc.option(
      fc.tuple(
        fc.uniqueArray(fc.constantFrom(...sortFields), { maxLength: 2 }),
        fc.array(fc.constantFrom(1, -1), { minLength: 3, maxLength: 3 }),
      ),
      { freq: 2 },
    ),
    skip: fc.oneof(
      { weight: 3, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 8 }) },
    ),
    limit: fc.oneof(
      { weight: 2, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 12 }) },
    ),
    groupBy: fc.constantFrom(...groupFields),
  })
  .map(({ filter, sort, skip, limit, groupBy }) => ({
    filter,
    sort:
      sort === null
        ? undefined
        : (Object.fromEntries([...sort[0], '_id'].map((f, i) => [f, sort[1][i]!])) as Sort),
    typedSort: sort === null || sort[0].every((f) => typedSortFields.includes(f)),
    skip,
    limit,
    groupBy,
  }));
