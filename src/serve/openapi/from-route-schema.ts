/**
 * An OpenAPI operation's parameters and body from a route's own JSON schemas (fastify's
 * `schema` option, TypeBox objects): what the route validates is what the document says.
 */
import type { Json } from './common.js';

interface ObjectSchema {
  properties?: Record<string, Json>;
  required?: string[];
}

/** Plain JSON: TypeBox's symbol keys dropped, nothing shared with the route's own object. */
const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

function parametersOf(schema: unknown, where: 'query' | 'path'): Json[] {
  const { properties = {}, required = [] } = plain((schema ?? {}) as ObjectSchema);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.includes(name),
    schema: property,
    ...(property.type === 'boolean' && where === 'query' ? { description: 'true or false, in any case' } : {}),
  }));
}

/** Parameters (path, then query) and request body of a route schema; `bodyTypes` are the content types its body is read as. */
export function fromRouteSchema(schema: Record<string, unknown> | undefined, bodyTypes: string[] = ['application/json']): { parameters?: Json[]; requestBody?: Json } {
  if (!schema) return {};
  const parameters = [...parametersOf(schema.params, 'path'), ...parametersOf(schema.querystring, 'query')];
  const body = schema.body === undefined ? undefined : plain(schema.body) as Json;
  return {
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(body ? { requestBody: { required: true, content: Object.fromEntries(bodyTypes.map((type) => [type, { schema: body }])) } } : {}),
  };
}

/** The `{name}`s of an OpenAPI path. */
export const pathNames = (path: string): string[] => [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
