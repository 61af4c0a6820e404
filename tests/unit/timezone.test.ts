/**
 * All date arithmetic is in UTC whatever the process time zone. Jest's sandbox cannot change
 * the zone of its own process, so the domain is run in child Node processes started with TZ set
 * (transpiling the TypeScript sources with @swc/core, as the Jest transform does).
 */
import { execFileSync } from 'child_process';
import path from 'path';
import { at, iso, plusDays, plusHours, plusMonthsUTC } from './support';

const ROOT = path.resolve(__dirname, '..', '..');
const DOMAIN = path.join(ROOT, 'server', 'src', 'domain', 'index.ts');

/** Runs in the child: computes a fixed set of results and prints them as JSON. */
const CHILD = `
const fs = require('fs');
const swc = require('@swc/core');
require.extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2020' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
const d = require(process.env.DOMAIN_ENTRY);
const at = (s) => new Date(s);
const out = {};
out.offset = new Date(Date.UTC(2024, 0, 15)).getTimezoneOffset();
out.zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
out.jan30plus1m = d.addPeriod(at('2024-01-30T23:00:00.000Z'), { amount: 1, period: 'months' }).toISOString();
out.feb29plus1mAnchor31 = d.addPeriod(at('2024-02-29T23:30:00.000Z'), { amount: 1, period: 'months' }, 31).toISOString();
out.mar31minus1m = d.subtractPeriod(at('2024-03-31T00:30:00.000Z'), { amount: 1, period: 'months' }).toISOString();
out.dstDay = d.addPeriod(at('2024-03-30T12:00:00.000Z'), { amount: 1, period: 'days' }).toISOString();
out.dstDayUS = d.addPeriod(at('2024-11-02T12:00:00.000Z'), { amount: 2, period: 'days' }).toISOString();
out.hours = d.addPeriod(at('2024-10-27T00:30:00.000Z'), { amount: 3, period: 'hours' }).toISOString();
out.dayOfMonth = d.dayOfMonth(at('2024-01-31T23:30:00.000Z'));
const sub = d.subscribe({ duration: 1, period: 'months' }, at('2024-01-31T23:30:00.000Z'));
out.anchor = sub.anchorDay;
out.chain = [sub.endsAt.toISOString()];
let s = sub;
for (const when of ['2024-02-15T00:00:00.000Z', '2024-03-15T00:00:00.000Z', '2024-04-15T00:00:00.000Z']) {
  s = d.renew(s, { duration: 1, period: 'months' }, at(when));
  out.chain.push(s.endsAt.toISOString());
}
process.stdout.write(JSON.stringify(out));
`;

const runIn = (tz: string): Record<string, unknown> => {
  const stdout = execFileSync(process.execPath, ['-e', CHILD], {
    cwd: ROOT,
    env: { ...process.env, TZ: tz, DOMAIN_ENTRY: DOMAIN },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(stdout) as Record<string, unknown>;
};

/** Expected values, from independent UTC arithmetic. */
const expected = () => {
  const start = at('2024-01-31T23:30:00.000Z');
  return {
    jan30plus1m: iso(plusMonthsUTC(at('2024-01-30T23:00:00.000Z'), 1)), // 29 Feb 23:00 UTC
    feb29plus1mAnchor31: iso(plusMonthsUTC(at('2024-02-29T23:30:00.000Z'), 1, 31)), // 31 Mar
    mar31minus1m: '2024-02-29T00:30:00.000Z',
    dstDay: iso(plusDays(at('2024-03-30T12:00:00.000Z'), 1)),
    dstDayUS: iso(plusDays(at('2024-11-02T12:00:00.000Z'), 2)),
    hours: iso(plusHours(at('2024-10-27T00:30:00.000Z'), 3)),
    dayOfMonth: 31,
    anchor: 31,
    chain: [1, 2, 3, 4].map((n) => iso(plusMonthsUTC(start, n, 31))),
  };
};

// Zones chosen so that the UTC instants above fall on another local day or across a DST change.
const ZONES = ['UTC', 'Pacific/Kiritimati', 'Pacific/Pago_Pago', 'America/St_Johns', 'Europe/Paris', 'America/New_York'];

describe('periods and lifecycle are computed in UTC regardless of the process time zone', () => {
  it.each(ZONES)('TZ=%s', (tz) => {
    const result = runIn(tz);
    expect(result.zone).toBe(tz === 'UTC' ? 'UTC' : tz); // the child really runs in that zone
    if (tz !== 'UTC') expect(result.offset).not.toBe(0);
    const { offset: _offset, zone: _zone, ...values } = result;
    expect(values).toEqual(expected());
  });
});
