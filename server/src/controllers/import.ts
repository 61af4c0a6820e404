import fs from 'fs';
import type { Core } from '@strapi/strapi';
import { z } from 'zod';
import { errors } from '@strapi/utils';
import { getService } from '../utils/plugin';
import { rethrowAsHttp } from '../utils/errors';
import { adminCause } from '../utils/cause';
import { parse } from '../utils/validation';
import { CsvError } from '../utils/csv';
import { ImportFileError } from '../services/import';
import type { ImportResponse } from '../contract';

/** The largest CSV body one request may carry; larger files go in parts (the admin page does) or through the service. */
export const IMPORT_MAX_BYTES = 2 * 1024 * 1024;

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');
const importQuery = z
  .object({
    dryRun: flag.default(true),
    sendWelcome: flag.default(false),
    firstRow: z.coerce.number().int().min(1).default(1),
    report: z.enum(['refused']).optional(),
  })
  .strict();

const tooLarge = () =>
  new errors.PayloadTooLargeError(`body: the CSV is limited to ${IMPORT_MAX_BYTES / 1024 / 1024} MB per request; send the file in parts (firstRow=…) or use the import service`);

/**
 * The request's CSV, within the limit: the `file` of a multipart form (the admin page's parts),
 * the body as the body parser read it (text/csv), else streamed from the request.
 */
async function* bodyOf(ctx: any): AsyncGenerator<string | Buffer> {
  const files = ctx.request.files?.file;
  const file = Array.isArray(files) ? files[0] : files;
  if (file?.filepath) {
    try {
      if (Number(file.size) > IMPORT_MAX_BYTES) throw tooLarge();
      yield* fs.createReadStream(file.filepath) as AsyncIterable<Buffer>;
    } finally {
      fs.promises.unlink(file.filepath).catch(() => undefined);
    }
    return;
  }
  const parsed = ctx.request.body;
  if (typeof parsed === 'string') {
    if (Buffer.byteLength(parsed) > IMPORT_MAX_BYTES) throw tooLarge();
    yield parsed;
    return;
  }
  if (ctx.req.readableEnded) return;
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > IMPORT_MAX_BYTES) throw tooLarge();
    yield chunk;
  }
}

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /** Dry run (default) or apply of a CSV import; `report=refused` answers the refused rows as CSV. */
  async run(ctx: any) {
    try {
      const type = String(ctx.get('content-type') ?? '');
      if (!/^(text\/csv|text\/plain|application\/octet-stream|multipart\/form-data)\b/i.test(type)) {
        throw new errors.ValidationError('body: send the CSV as text/csv', { errors: [{ path: ['body'], message: 'send the CSV as text/csv', name: 'ValidationError' }] });
      }
      const query = parse(importQuery, ctx.query);
      const cause = { ...adminCause(ctx) };
      cause.label = `${cause.label ?? 'admin'} (CSV import)`.slice(0, 255);
      const summary = await getService(strapi, 'import').run(bodyOf(ctx), {
        dryRun: query.dryRun,
        sendWelcome: query.sendWelcome,
        firstRow: query.firstRow,
        cause,
      });
      if (query.report === 'refused') {
        ctx.set('Content-Type', 'text/csv; charset=utf-8');
        ctx.set('Content-Disposition', 'attachment; filename="import-refused-rows.csv"');
        ctx.body = getService(strapi, 'import').refusedCsv(summary.refusedRows);
        return;
      }
      ctx.body = { data: summary } satisfies ImportResponse;
    } catch (error) {
      if (error instanceof ImportFileError || error instanceof CsvError) {
        const path = error instanceof ImportFileError ? error.column : 'body';
        throw new errors.ValidationError(error.message, { errors: [{ path: [path], message: error.message, name: 'ValidationError' }] });
      }
      rethrowAsHttp(error);
    }
  },
});
