import { z } from 'zod';
import { errors } from '@strapi/utils';
import { DomainError, isDomainError } from '../domain';

/** Parses a request part with a zod schema; the first problem becomes a 400 naming its field. */
export const parse = <T extends z.ZodTypeAny>(schema: T, input: unknown): z.infer<T> => {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field =
    issue.path.join('.') || (issue.code === 'unrecognized_keys' ? (issue as { keys: string[] }).keys.join(', ') : 'body');
  throw new DomainError(field, `${field}: ${issue.message}`);
};

/** Query-string pagination: page ≥ 1, 1 ≤ pageSize ≤ 100. */
export const pagination = {
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
};

/** An ISO 8601 date-time (or date) in a query string or body. */
export const isoDate = z
  .string()
  .refine((v) => !Number.isNaN(new Date(v).getTime()), 'must be an ISO 8601 date such as 2026-01-31T00:00:00Z')
  .transform((v) => new Date(v));

/** A record a URL names that does not exist is a 404, whatever field the domain blamed. */
export const notFoundAs404 = (error: unknown, fields: string[]): unknown => {
  if (isDomainError(error) && (error as DomainError).code === 'not_found' && fields.includes((error as DomainError).field)) {
    return new errors.NotFoundError((error as DomainError).message);
  }
  return error;
};
