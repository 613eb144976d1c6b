import type { Schema, SchemaType } from 'mongoose';

type JsonSchema = Record<string, unknown>;

/**
 * The `$jsonSchema` validator of a mongoose schema's top-level fields: each field's BSON type (null allowed unless
 * required), string enums, and the required fields. Nested documents are typed "object", arrays "array" (of
 * strings when declared so); Mixed fields are left out.
 *
 * On MongoDB it keeps documents honest. On the embedded database it is what makes queries exact in PostgreSQL
 * (ferretdb/_patch: a typed field's conditions, sorts and counts are answered from its indexes), so it is set on
 * every collection at start-up.
 */
export function validatorOf(schema: Schema): { $jsonSchema: JsonSchema } {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [name, type] of Object.entries(schema.paths) as [string, SchemaType][]) {
    if (name.includes('.')) continue;
    const property = propertyOf(type);
    if (!property) continue;
    if (type.options.required === true) {
      required.push(name);
    } else {
      property.bsonType = [property.bsonType as string, 'null'];
      if (property.enum) property.enum = [...(property.enum as string[]), null];
    }
    properties[name] = property;
  }
  return { $jsonSchema: { bsonType: 'object', required, properties } };
}

function propertyOf(type: SchemaType): JsonSchema | undefined {
  switch (type.instance) {
    case 'String': {
      const values = (type as SchemaType & { enumValues?: string[] }).enumValues ?? [];
      return values.length > 0 ? { bsonType: 'string', enum: values } : { bsonType: 'string' };
    }
    case 'Boolean':
      return { bsonType: 'bool' };
    case 'Date':
      return { bsonType: 'date' };
    case 'Number':
      return { bsonType: 'number' };
    case 'Embedded':
      return { bsonType: 'object' };
    case 'Array': {
      const element = (type as SchemaType & { embeddedSchemaType?: SchemaType }).embeddedSchemaType;
      return element?.instance === 'String'
        ? { bsonType: 'array', items: { bsonType: 'string' } }
        : { bsonType: 'array' };
    }
    default:
      return undefined; // Mixed: anything
  }
}

/** Top-level string fields declared `substringSearch: true`: the embedded database keeps a trigram index on each. */
export function searchFieldsOf(schema: Schema): string[] {
  return Object.entries(schema.paths as Record<string, SchemaType>)
    .filter(
      ([name, type]) =>
        !name.includes('.') && (type.options as { substringSearch?: boolean }).substringSearch,
    )
    .map(([name]) => name);
}
