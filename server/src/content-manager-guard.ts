import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';

/**
 * The Content Manager's own routes, for the plugin's content types only, refuse what Strapi's
 * Content Manager (5.54.0) answers with a 500 or checks too late (found by `npm run faults`,
 * hostile scenario):
 * - a JSON body nested deeper than MAX_DEPTH (its sanitiser runs out of stack);
 * - `_q` given as an array or an object (it expects one string);
 * - `sort` on a field the model does not have (the relations routes throw on it);
 * - the relations routes called by an admin who may not read, create or update the type (500, or
 *   a 400 telling which fields are relations, before any permission check).
 * Each is answered 400 naming the parameter, or 403. Other content types are left as they are.
 */
const MAX_DEPTH = 32;
const PREFIX = 'plugin::subscriptions.';
const ACTIONS = ['read', 'create', 'update'].map((a) => `plugin::content-manager.explorer.${a}`);

const deeperThan = (value: unknown, max: number): boolean => {
  // Iterative: the point is not to recurse on hostile input.
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(current as Record<string, unknown>)) stack.push([child, depth + 1]);
  }
  return false;
};

/** The field names a `sort` parameter names: "a:desc,b", ["a:asc"], { a: 'desc' }, [{ a: 'asc' }]. */
const sortFields = (sort: unknown): string[] | null => {
  if (sort === undefined) return [];
  if (typeof sort === 'string') return sort.split(',').map((part) => part.split(':')[0].trim()).filter(Boolean);
  if (Array.isArray(sort)) {
    const parts = sort.map(sortFields);
    return parts.some((p) => p === null) ? null : parts.flat() as string[];
  }
  if (typeof sort === 'object' && sort !== null) return Object.keys(sort);
  return null;
};

export const contentManagerGuard = (strapi: Core.Strapi) => async (ctx: any, next: () => Promise<unknown>) => {
  const uid = ctx.params?.model;
  if (typeof uid !== 'string' || !uid.startsWith(PREFIX)) return next();
  const model = strapi.contentTypes[uid as keyof typeof strapi.contentTypes] as { attributes: Record<string, any> } | undefined;
  if (!model) return next();
  const relations = ctx.path.includes('/content-manager/relations/');

  if (relations) {
    const ability = ctx.state?.userAbility;
    if (!ability || !ACTIONS.some((action) => ability.can(action, uid))) {
      throw new errors.ForbiddenError(`you may not read, create or update ${uid}`);
    }
  }
  if (deeperThan(ctx.request.body, MAX_DEPTH)) {
    throw new errors.ValidationError(`body: nested more than ${MAX_DEPTH} levels deep`);
  }
  if (ctx.query._q !== undefined && typeof ctx.query._q !== 'string') {
    throw new errors.ValidationError('_q must be one search string');
  }
  // On the relations routes `sort` is on the target of the relation field.
  let sorted = model;
  if (relations) {
    const target = model.attributes[ctx.params.targetField]?.target;
    sorted = (target && (strapi.getModel(target) as typeof model)) || model;
  }
  const fields = sortFields(ctx.query.sort);
  const known = new Set(['id', 'documentId', 'createdAt', 'updatedAt', 'publishedAt', 'locale', ...Object.keys(sorted.attributes)]);
  const unknown = fields === null ? ['(not a field list)'] : fields.filter((f) => !known.has(f.split('.')[0]));
  if (unknown.length > 0) throw new errors.ValidationError(`sort: no field ${unknown.join(', ')}`);
  return next();
};

/** Adds the guard to the Content Manager's collection-type and relations routes. */
export const registerContentManagerGuard = (strapi: Core.Strapi) => {
  const plugin = strapi.plugin('content-manager') as unknown as { routes?: Record<string, { routes?: any[] }> };
  const guard = contentManagerGuard(strapi);
  for (const group of Object.values(plugin?.routes ?? {})) {
    for (const route of group?.routes ?? []) {
      if (typeof route.path !== 'string' || !/^\/(collection-types|relations)\//.test(route.path)) continue;
      route.config = route.config ?? {};
      route.config.middlewares = [...(route.config.middlewares ?? []), guard];
    }
  }
};
