import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';

/**
 * A feature's routes, typed from their JSON Schemas. Responses may hold Dates where the
 * schema says `format: date-time`: the serializer writes them as ISO strings.
 */
export type RoutePlugin = FastifyPluginAsyncJsonSchemaToTs<{
  SerializerSchemaOptions: {
    deserialize: [{ pattern: { type: 'string'; format: 'date-time' }; output: Date | string }];
  };
}>;
