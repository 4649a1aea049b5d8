import { z } from '@hono/zod-openapi';

/** `limit` and `offset` query parameters of every listing. */
export const PageQuery = {
  limit: z.coerce.number().int().min(1).max(500).default(50).openapi({ example: 50 }),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0).openapi({ example: 0 }),
};

/** `true`/`false` as a query parameter. */
export const QueryBoolean = z.enum(['true', 'false']).transform((value) => value === 'true');

/** The paging facts of a listing answer. */
export const PageInfo = {
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
};
