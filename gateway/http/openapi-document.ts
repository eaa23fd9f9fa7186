import { z } from 'zod';
import { ERROR_HTTP_STATUS, type ServerErrorCode as ErrorCode } from '../../protocol/error-codes';
import { errorSchema } from '../routes/response-schemas';
import type { Router } from './router';

type Json = Record<string, unknown>;

/** JSON Schema of what a client sends (input side: "12" and 12 are both ids) or receives. */
const jsonSchema = (schema: z.ZodType, io: 'input' | 'output'): Json =>
  z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any', reused: 'inline' }) as Json;

const strip = ({ $schema: _drop, ...rest }: Json): Json => rest;

const ALWAYS: readonly ErrorCode[] = ['RATE_LIMITED', 'INTERNAL'];

/**
 * The OpenAPI 3.1 document of every documented route (CONTRACT §4), generated from the schemas the
 * routes validate with and the one error table, so it cannot drift from the code.
 */
export function buildOpenApiDocument(router: Router, info: { title: string; version: string }): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const { method, pattern, doc } of router.list()) {
    if (!doc) continue;
    const path = pattern.replace(/:([A-Za-z]+)/g, '{$1}');
    const parameters: Json[] = [];
    for (const [name, schema] of Object.entries(doc.params ?? {}))
      parameters.push({ name, in: 'path', required: true, schema: strip(jsonSchema(schema, 'input')) });
    if (doc.query) {
      const q = jsonSchema(doc.query, 'input') as { properties?: Record<string, Json>; required?: string[] };
      for (const [name, schema] of Object.entries(q.properties ?? {}))
        parameters.push({ name, in: 'query', required: (q.required ?? []).includes(name), schema });
    }
    const responses: Record<string, Json> = {
      [String(doc.ok.status)]: doc.ok.schema
        ? { description: 'success', content: { 'application/json': { schema: strip(jsonSchema(doc.ok.schema, 'output')) } } }
        : doc.ok.contentType
          ? { description: 'success', content: { [doc.ok.contentType]: { schema: { type: 'string' } } } }
          : { description: 'success, no body' },
    };
    for (const code of [...doc.errors, ...ALWAYS]) {
      const status = String(ERROR_HTTP_STATUS[code]);
      const entry = (responses[status] ??= { description: '', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }) as {
        description: string;
      };
      entry.description = entry.description ? `${entry.description}, ${code}` : code;
    }
    (paths[path] ??= {})[method.toLowerCase()] = {
      summary: doc.summary,
      description: `Who: ${doc.who}.`,
      ...(doc.who === 'anyone' ? {} : { security: [{ bearer: [] }] }),
      ...(parameters.length ? { parameters } : {}),
      ...(doc.body ? { requestBody: { required: true, content: { 'application/json': { schema: strip(jsonSchema(doc.body, 'input')) } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { ...info, description: 'Office Hours REST API (CONTRACT §4). Errors are {"error":{"code","message"}}; every response carries x-request-id.' },
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: strip(jsonSchema(errorSchema, 'output')) },
    },
  };
}
