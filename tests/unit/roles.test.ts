import fc from 'fast-check';
import { decideRole, targetRole, type RoleGrant, type RoleInput } from '../../server/src/domain/roles';
import { at, plusDays, plusHours } from './support';

const NOW = at('2024-06-15T12:00:00.000Z');
const FALLBACK = 1; // "authenticated"
const OFFER_ROLES = [10, 20, 30];

const grant = (overrides: Partial<RoleGrant> & Pick<RoleGrant, 'roleId' | 'level'>): RoleGrant => ({
  status: 'active',
  startsAt: plusDays(NOW, -10),
  endsAt: plusDays(NOW, 20),
  cancelledAt: null,
  ...overrides,
});

const input = (overrides: Partial<RoleInput>): RoleInput => ({
  grants: [],
  currentRoleId: FALLBACK,
  fallbackRoleId: FALLBACK,
  offerRoleIds: OFFER_ROLES,
  now: NOW,
  ...overrides,
});

describe('targetRole', () => {
  it('no subscription → the fallback role', () => {
    expect(targetRole([], FALLBACK, NOW)).toBe(FALLBACK);
  });

  it('the active subscription with the highest offer level wins, whatever the order', () => {
    const low = grant({ roleId: 10, level: 1, endsAt: plusDays(NOW, 300) });
    const high = grant({ roleId: 20, level: 5, endsAt: plusDays(NOW, 1) });
    const mid = grant({ roleId: 30, level: 3, endsAt: null });
    expect(targetRole([low, high, mid], FALLBACK, NOW)).toBe(20);
    expect(targetRole([mid, low, high], FALLBACK, NOW)).toBe(20);
    expect(targetRole([high, mid, low], FALLBACK, NOW)).toBe(20);
  });

  it('an ended subscription never grants, even when a clock behind the one that ended it reads its end as ahead', () => {
    // Process A ended a grace period at its now (end = A's now); process B's clock is 20 s behind.
    const endedByA = plusHours(NOW, 20 / 3600);
    for (const status of ['expired', 'cancelled', 'refunded'] as const) {
      expect(targetRole([grant({ roleId: 20, level: 2, status, endsAt: endedByA })], FALLBACK, NOW)).toBe(FALLBACK);
    }
    // A pending subscription whose start passed grants (the scheduler has not activated it yet).
    expect(targetRole([grant({ roleId: 20, level: 2, status: 'pending', startsAt: plusHours(NOW, -1) })], FALLBACK, NOW)).toBe(20);
  });

  it('equal levels → the later end wins', () => {
    const short = grant({ roleId: 10, level: 2, endsAt: plusDays(NOW, 5) });
    const long = grant({ roleId: 20, level: 2, endsAt: plusDays(NOW, 6) });
    expect(targetRole([short, long], FALLBACK, NOW)).toBe(20);
    expect(targetRole([long, short], FALLBACK, NOW)).toBe(20);
  });

  it('equal levels → an open end beats any date', () => {
    const far = grant({ roleId: 10, level: 2, endsAt: at('2999-12-31T00:00:00.000Z') });
    const open = grant({ roleId: 20, level: 2, endsAt: null });
    expect(targetRole([far, open], FALLBACK, NOW)).toBe(20);
    expect(targetRole([open, far], FALLBACK, NOW)).toBe(20);
  });

  it('expired, cancelled-and-ended, refunded and pending subscriptions grant nothing', () => {
    const grants = [
      grant({ roleId: 10, level: 9, endsAt: plusHours(NOW, -1), status: 'expired' }),
      grant({ roleId: 20, level: 8, endsAt: NOW, cancelledAt: plusDays(NOW, -3) }), // ends exactly now
      grant({ roleId: 30, level: 7, status: 'refunded' }), // dates would still run
      grant({ roleId: 30, level: 6, startsAt: plusHours(NOW, 1), status: 'pending' }),
    ];
    expect(targetRole(grants, FALLBACK, NOW)).toBe(FALLBACK);
  });

  it('a low-level active subscription beats a higher-level one that is no longer active', () => {
    const grants = [
      grant({ roleId: 30, level: 9, status: 'refunded' }),
      grant({ roleId: 20, level: 8, endsAt: plusDays(NOW, -1) }),
      grant({ roleId: 10, level: 1 }),
    ];
    expect(targetRole(grants, FALLBACK, NOW)).toBe(10);
  });

  it('a cancelled subscription still running keeps granting its role', () => {
    expect(targetRole([grant({ roleId: 10, level: 1, cancelledAt: plusDays(NOW, -1) })], FALLBACK, NOW)).toBe(10);
  });

  it('an active subscription whose offer grants no role is ignored', () => {
    const grants = [grant({ roleId: null, level: 99 }), grant({ roleId: 10, level: 1 })];
    expect(targetRole(grants, FALLBACK, NOW)).toBe(10);
    expect(targetRole([grant({ roleId: null, level: 99 })], FALLBACK, NOW)).toBe(FALLBACK);
  });
});

describe('decideRole', () => {
  it('no active subscription → back to the fallback role', () => {
    expect(decideRole(input({ currentRoleId: 20 }))).toEqual({ change: true, roleId: FALLBACK, from: 20 });
  });

  it('an active subscription → its role', () => {
    expect(decideRole(input({ grants: [grant({ roleId: 20, level: 1 })] }))).toEqual({
      change: true,
      roleId: 20,
      from: FALLBACK,
    });
  });

  it('a member with no role at all is managed', () => {
    expect(decideRole(input({ currentRoleId: null }))).toEqual({ change: true, roleId: FALLBACK, from: null });
  });

  it('already right → unchanged', () => {
    expect(decideRole(input({ grants: [grant({ roleId: 20, level: 1 })], currentRoleId: 20 }))).toEqual({
      change: false,
      roleId: 20,
      reason: 'unchanged',
    });
    expect(decideRole(input({}))).toEqual({ change: false, roleId: FALLBACK, reason: 'unchanged' });
  });

  it('a role the plugin does not manage (not fallback, not an offer role) is left alone', () => {
    const editor = 99;
    expect(decideRole(input({ currentRoleId: editor, grants: [grant({ roleId: 20, level: 5 })] }))).toEqual({
      change: false,
      roleId: editor,
      reason: 'managed-elsewhere',
    });
    expect(decideRole(input({ currentRoleId: editor }))).toEqual({
      change: false,
      roleId: editor,
      reason: 'managed-elsewhere',
    });
  });

  it('highest level among several active subscriptions is applied', () => {
    const d = decideRole(
      input({ currentRoleId: 10, grants: [grant({ roleId: 10, level: 1 }), grant({ roleId: 30, level: 4 })] })
    );
    expect(d).toEqual({ change: true, roleId: 30, from: 10 });
  });
});

/* ---------- properties ---------- */

const grantArb: fc.Arbitrary<RoleGrant & { roleId: number | null; level: number }> = fc
  .record({
    roleId: fc.option(fc.constantFrom(...OFFER_ROLES), { nil: null, freq: 6 }),
    level: fc.integer({ min: 0, max: 4 }),
    status: fc.constantFrom('pending', 'active', 'expired', 'cancelled', 'refunded' as const),
    startH: fc.integer({ min: -500, max: 100 }),
    lengthH: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: null }),
    cancelled: fc.boolean(),
  })
  .map(({ roleId, level, status, startH, lengthH, cancelled }) => {
    const startsAt = plusHours(NOW, startH);
    return {
      roleId,
      level,
      status,
      startsAt,
      endsAt: lengthH === null ? null : plusHours(startsAt, lengthH),
      cancelledAt: cancelled ? startsAt : null,
    };
  });

/** Active now, read from the dates: not refunded, started, not ended. */
// README: a subscription grants its offer's role while it is active; an ended one (expired,
// cancelled, refunded) never grants again by itself, whatever its dates say at `now`.
const activeNow = (g: RoleGrant): boolean =>
  (g.status === 'active' || g.status === 'pending') &&
  g.startsAt.getTime() <= NOW.getTime() &&
  (g.endsAt === null || g.endsAt.getTime() > NOW.getTime());

describe('roles (property)', () => {
  it('targetRole is the fallback iff no active role-granting subscription, else a role of maximal level and latest end', () => {
    fc.assert(
      fc.property(fc.array(grantArb, { maxLength: 8 }), (grants) => {
        const role = targetRole(grants, FALLBACK, NOW);
        const candidates = grants.filter((g) => g.roleId !== null && activeNow(g));
        if (candidates.length === 0) {
          expect(role).toBe(FALLBACK);
          return;
        }
        const maxLevel = Math.max(...candidates.map((g) => g.level));
        const top = candidates.filter((g) => g.level === maxLevel);
        const end = (g: RoleGrant) => (g.endsAt === null ? Infinity : g.endsAt.getTime());
        const latest = Math.max(...top.map(end));
        const winners = top.filter((g) => end(g) === latest).map((g) => g.roleId);
        expect(winners).toContain(role);
      }),
      { numRuns: 500 }
    );
  });

  it('targetRole does not depend on the order of the subscriptions', () => {
    fc.assert(
      fc.property(
        fc.array(grantArb, { maxLength: 8 }).chain((grants) =>
          fc.tuple(fc.constant(grants), fc.shuffledSubarray(grants, { minLength: grants.length, maxLength: grants.length }))
        ),
        ([grants, shuffled]) => {
          expect(targetRole(shuffled, FALLBACK, NOW)).toBe(targetRole(grants, FALLBACK, NOW));
        }
      ),
      { numRuns: 500 }
    );
  });

  it('decideRole never touches an unmanaged role, and otherwise lands on targetRole', () => {
    fc.assert(
      fc.property(
        fc.array(grantArb, { maxLength: 6 }),
        fc.option(fc.constantFrom(FALLBACK, 10, 20, 30, 99, 100), { nil: null }),
        (grants, currentRoleId) => {
          const d = decideRole(input({ grants, currentRoleId }));
          const managed = currentRoleId === null || currentRoleId === FALLBACK || OFFER_ROLES.includes(currentRoleId);
          if (!managed) {
            expect(d).toEqual({ change: false, roleId: currentRoleId, reason: 'managed-elsewhere' });
            return;
          }
          const target = targetRole(grants, FALLBACK, NOW);
          expect(d.roleId).toBe(target);
          expect(d.change).toBe(target !== currentRoleId);
          if (d.change) expect(d.from).toBe(currentRoleId);
        }
      ),
      { numRuns: 500 }
    );
  });
});
