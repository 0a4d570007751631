// Cron schedules: parse errors with their offsets, every grammar form, the
// day-of-month/day-of-week rule, and slots across daylight-saving changes.
// Expected DST slots come from a small model in this file that takes the 2026
// transitions as constants and does not use Intl.
import { describe, expect, test } from 'vitest';
import { isKnownTimeZone, nextSlot, parseCron, previousSlot, type CronProblem, type CronSchedule, type CronSlot } from '../../core/cron.js';

function schedule(expression: string, timeZone = 'UTC'): CronSchedule {
  const result = parseCron(expression, timeZone);
  if ('problems' in result) throw new Error(`unexpected problems: ${JSON.stringify(result.problems)}`);
  return result.schedule;
}

function problems(expression: string, timeZone = 'UTC'): CronProblem[] {
  const result = parseCron(expression, timeZone);
  if ('schedule' in result) throw new Error(`"${expression}" parsed, expected problems`);
  return result.problems;
}

function range(from: number, to: number, step = 1): number[] {
  const values: number[] = [];
  for (let value = from; value <= to; value += step) values.push(value);
  return values;
}

const show = (slot: CronSlot): string => `${slot.id} ${slot.at.toISOString()}`;

/** Returns every slot with from < at <= to, walking slot by slot. */
function walk(s: CronSchedule, from: string, to: string): CronSlot[] {
  const end = new Date(to);
  const slots: CronSlot[] = [];
  for (let slot = nextSlot(s, new Date(from)); slot.at <= end; slot = nextSlot(s, slot)) slots.push(slot);
  return slots;
}

describe('parse errors', () => {
  test.each([
    ['75 * * * *', 'minute field "75" is out of range 0-59', 0],
    ['  0 24 * * *', 'hour field "24" is out of range 0-23', 4],
    ['0 0 0 * *', 'day-of-month field "0" is out of range 1-31', 4],
    ['0 0 32 * *', 'day-of-month field "32" is out of range 1-31', 4],
    ['0 0 * 13 *', 'month field "13" is out of range 1-12', 6],
    ['0 0 * * 8', 'day-of-week field "8" is out of range 0-7', 8],
    ['0 0 * FOO *', 'month field "FOO" is not a number 1-12 or a name JAN-DEC', 6],
    ['0 0 * * MON-FRX', 'day-of-week field "FRX" is not a number 0-7 or a name SUN-SAT', 12],
    ['0 x * * *', 'hour field "x" is not a number 0-23', 2],
    ['0 0 * * JAN', 'day-of-week field "JAN" is not a number 0-7 or a name SUN-SAT', 8],
    ['0 0 1 MON *', 'month field "MON" is not a number 1-12 or a name JAN-DEC', 6],
    ['0 0 * * * *', 'expected 5 fields (minute hour day-of-month month day-of-week), got 6', 10],
    ['0 0 * *', 'expected 5 fields (minute hour day-of-month month day-of-week), got 4', 7],
    ['', 'expected 5 fields (minute hour day-of-month month day-of-week), got 0', 0],
    ['   ', 'expected 5 fields (minute hour day-of-month month day-of-week), got 0', 0],
    ['*/0 * * * *', 'minute field step "0" is out of range 1-59', 2],
    ['0 */24 * * *', 'hour field step "24" is out of range 1-23', 4],
    ['0 0 * * */7', 'day-of-week field step "7" is out of range 1-6', 10],
    ['*/x * * * *', 'minute field step "x" in "*/x" is not a whole number; use 1-59', 2],
    ['*/ * * * *', 'minute field step "" in "*/" is not a whole number; use 1-59', 2],
    ['1/2/3 * * * *', 'minute field step "2/3" in "1/2/3" is not a whole number; use 1-59', 2],
    ['5-2 * * * *', 'minute field range "5-2" runs backwards; start with the smaller value, or use a list such as 5-59,0-2', 0],
    ['0 22-2 * * *', 'hour field range "22-2" runs backwards; start with the smaller value, or use a list such as 22-23,0-2', 2],
    ['1,,2 * * * *', 'minute field "1,,2" has an empty list item; remove the extra ","', 2],
    ['1, * * * *', 'minute field "1," has an empty list item; remove the extra ","', 2],
    ['0 -5 * * *', 'hour field "-5" is missing a value; write a number 0-23, a range a-b or *', 2],
    ['0 1-2-3 * * *', 'hour field "2-3" is not a number 0-23', 4],
    ['0 0 30 2 *', 'day-of-month field "30" names no day that month field "2" has, so the schedule would never fire', 4],
    ['0 0 31 APR,JUN,SEP,NOV *', 'day-of-month field "31" names no day that month field "APR,JUN,SEP,NOV" has, so the schedule would never fire', 4],
    ['@reboot', 'unknown macro "@reboot"; use one of @hourly @daily @midnight @weekly @monthly @yearly @annually or 5 fields (minute hour day-of-month month day-of-week)', 0],
    [' @daily 5', 'macro "@daily" is a whole schedule and takes no fields; remove "5" and what follows', 8],
  ])('%j: %s at %i', (expression, message, offset) => {
    expect(problems(expression)).toEqual([{ message, offset }]);
  });

  test('every bad field is reported', () => {
    expect(problems('75 25 1,0 * 1-9')).toEqual([
      { message: 'minute field "75" is out of range 0-59', offset: 0 },
      { message: 'hour field "25" is out of range 0-23', offset: 3 },
      { message: 'day-of-month field "0" is out of range 1-31', offset: 8 },
      { message: 'day-of-week field "9" is out of range 0-7', offset: 14 },
    ]);
  });

  test('unknown zone suggests closest name', () => {
    expect(problems('0 0 * * *', 'Europe/Berln')).toEqual([
      { message: 'unknown time zone "Europe/Berln"; use an IANA name such as Europe/Berlin', offset: 0, part: 'timeZone' },
    ]);
    expect(problems('0 0 * * *', 'America/NewYork')[0].message).toBe('unknown time zone "America/NewYork"; use an IANA name such as America/New_York');
    expect(problems('0 0 * * *', 'Mars/Olympus_Mons')[0].message).toBe('unknown time zone "Mars/Olympus_Mons"; use an IANA name such as Europe/Berlin');
    expect(problems('0 0 * * *', '+01:00')[0].part).toBe('timeZone');
  });

  test('zone and field problems together', () => {
    expect(problems('61 * * * *', '')).toEqual([
      { message: 'minute field "61" is out of range 0-59', offset: 0 },
      { message: 'unknown time zone ""; use an IANA name such as Europe/Berlin', offset: 0, part: 'timeZone' },
    ]);
  });
});

describe('isKnownTimeZone', () => {
  test.each([
    ['Europe/Berlin', true],
    ['America/New_York', true],
    ['Australia/Lord_Howe', true],
    ['UTC', true],
    ['Europe/Berln', false],
    ['', false],
    ['+01:00', false],
    ['-05:00', false],
    ['Not a zone', false],
  ])('%j is %s', (zone, known) => {
    expect(isKnownTimeZone(zone)).toBe(known);
  });
});

describe('grammar', () => {
  test('star, number, range, list, steps', () => {
    const s = schedule('5,10-12,*/20 */6 1-10/3 2/5 *');
    expect(s.minutes).toEqual([0, 5, 10, 11, 12, 20, 40]);
    expect(s.hours).toEqual([0, 6, 12, 18]);
    expect(s.daysOfMonth).toEqual([1, 4, 7, 10]);
    expect(s.months).toEqual([2, 7, 12]);
    expect(s.daysOfWeek).toEqual(range(0, 6));
    expect(s.dayRule).toBe('day-of-month');
    expect(s.source).toBe('5,10-12,*/20 */6 1-10/3 2/5 *');
    expect(s.timeZone).toBe('UTC');
  });

  test('every field at its star', () => {
    const s = schedule('* * * * *');
    expect([s.minutes, s.hours, s.daysOfMonth, s.months, s.daysOfWeek]).toEqual([range(0, 59), range(0, 23), range(1, 31), range(1, 12), range(0, 6)]);
    expect(s.dayRule).toBe('every-day');
  });

  test('names in any case', () => {
    const s = schedule('0 0 * jan,Mar-MAY,oct/1 mon-WED,fri,Sun');
    expect(s.months).toEqual([1, 3, 4, 5, 10, 11, 12]);
    expect(s.daysOfWeek).toEqual([0, 1, 2, 3, 5]);
    expect(schedule('0 0 * JAN-DEC/3 *').months).toEqual([1, 4, 7, 10]);
  });

  test('day-of-week 7 is Sunday', () => {
    expect(schedule('0 0 * * 7').daysOfWeek).toEqual([0]);
    expect(schedule('0 0 * * 5-7').daysOfWeek).toEqual([0, 5, 6]);
    expect(schedule('0 0 * * 0,7').daysOfWeek).toEqual([0]);
    expect(schedule('0 0 * * */2').daysOfWeek).toEqual([0, 2, 4, 6]);
    expect(schedule('0 0 * * 1/2').daysOfWeek).toEqual([1, 3, 5]);
  });

  test.each([
    ['@hourly', [0], range(0, 23), range(1, 31), range(1, 12), range(0, 6), 'every-day'],
    ['@daily', [0], [0], range(1, 31), range(1, 12), range(0, 6), 'every-day'],
    ['@midnight', [0], [0], range(1, 31), range(1, 12), range(0, 6), 'every-day'],
    ['@weekly', [0], [0], range(1, 31), range(1, 12), [0], 'day-of-week'],
    ['@monthly', [0], [0], [1], range(1, 12), range(0, 6), 'day-of-month'],
    ['@yearly', [0], [0], [1], [1], range(0, 6), 'day-of-month'],
    ['@ANNUALLY', [0], [0], [1], [1], range(0, 6), 'day-of-month'],
  ])('macro %s', (macro, minutes, hours, daysOfMonth, months, daysOfWeek, dayRule) => {
    const s = schedule(` ${macro} `);
    expect({ minutes: s.minutes, hours: s.hours, daysOfMonth: s.daysOfMonth, months: s.months, daysOfWeek: s.daysOfWeek, dayRule: s.dayRule }).toEqual({
      minutes,
      hours,
      daysOfMonth,
      months,
      daysOfWeek,
      dayRule,
    });
  });

  test('any whitespace separates fields', () => {
    expect(schedule('\t1  2\t3 4   5 ').minutes).toEqual([1]);
  });
});

describe('day-of-month and day-of-week', () => {
  // In April 2026 the 13th is a Monday. Fridays are the 3rd, 10th, 17th and 24th.
  const april = (expression: string): string[] => walk(schedule(expression), '2026-03-31T12:00Z', '2026-04-30T12:00Z').map((slot) => slot.id);

  test('both restricted: either matches', () => {
    expect(april('0 0 13 * FRI')).toEqual(['2026-04-03T00:00', '2026-04-10T00:00', '2026-04-13T00:00', '2026-04-17T00:00', '2026-04-24T00:00']);
    // A step is not a bare star, so it restricts too.
    expect(april('0 0 */10 * MON')).toEqual(['2026-04-01T00:00', '2026-04-06T00:00', '2026-04-11T00:00', '2026-04-13T00:00', '2026-04-20T00:00', '2026-04-21T00:00', '2026-04-27T00:00']);
  });

  test('one restricted: it decides alone', () => {
    expect(april('0 0 13 * *')).toEqual(['2026-04-13T00:00']);
    expect(april('0 0 * * FRI')).toEqual(['2026-04-03T00:00', '2026-04-10T00:00', '2026-04-17T00:00', '2026-04-24T00:00']);
  });

  test('the 31st skips short months', () => {
    expect(walk(schedule('0 0 31 * *'), '2026-01-01T00:00Z', '2026-12-31T23:59Z').map((slot) => slot.id.slice(0, 10))).toEqual([
      '2026-01-31',
      '2026-03-31',
      '2026-05-31',
      '2026-07-31',
      '2026-08-31',
      '2026-10-31',
      '2026-12-31',
    ]);
  });
});

describe('UTC', () => {
  test('next and previous slots', () => {
    const hourly = schedule('0 * * * *');
    expect(show(nextSlot(hourly, new Date('2026-06-01T10:20:00Z')))).toBe('2026-06-01T11:00 2026-06-01T11:00:00.000Z');
    expect(show(nextSlot(hourly, new Date('2026-06-01T11:00:00Z')))).toBe('2026-06-01T12:00 2026-06-01T12:00:00.000Z');
    expect(show(previousSlot(hourly, new Date('2026-06-01T11:00:00Z'))!)).toBe('2026-06-01T11:00 2026-06-01T11:00:00.000Z');
    expect(show(previousSlot(hourly, new Date('2026-06-01T10:59:59.999Z'))!)).toBe('2026-06-01T10:00 2026-06-01T10:00:00.000Z');
    // 2026-12-05 is a Saturday.
    expect(show(nextSlot(schedule('@weekly'), new Date('2026-12-05T08:00Z')))).toBe('2026-12-06T00:00 2026-12-06T00:00:00.000Z');
    expect(show(nextSlot(schedule('@yearly'), new Date('2026-12-31T23:59:59.999Z')))).toBe('2027-01-01T00:00 2027-01-01T00:00:00.000Z');
    expect(show(nextSlot(schedule('59 23 31 12 *'), new Date('2026-12-31T23:59Z')))).toBe('2027-12-31T23:59 2027-12-31T23:59:00.000Z');
  });

  test('February 29 in leap years only', () => {
    const leap = schedule('0 12 29 2 *');
    expect(walk(leap, '2026-01-01T00:00Z', '2037-01-01T00:00Z').map(show)).toEqual([
      '2028-02-29T12:00 2028-02-29T12:00:00.000Z',
      '2032-02-29T12:00 2032-02-29T12:00:00.000Z',
      '2036-02-29T12:00 2036-02-29T12:00:00.000Z',
    ]);
    expect(nextSlot(leap, new Date('2096-03-01T00:00Z')).id).toBe('2104-02-29T12:00');
    expect(previousSlot(leap, new Date('2029-02-28T00:00Z'))?.id).toBe('2028-02-29T12:00');
    // The last one is more than a year back.
    expect(previousSlot(leap, new Date('2029-03-02T00:00Z'))).toBeUndefined();
  });

  test('previousSlot looks back one year', () => {
    const yearly = schedule('@yearly');
    expect(previousSlot(yearly, new Date('2026-12-31T23:59Z'))?.id).toBe('2026-01-01T00:00');
    expect(previousSlot(yearly, new Date('2027-01-01T00:00Z'))?.id).toBe('2027-01-01T00:00');
    // The month field limits both day fields: January 1 or a Monday in January.
    expect(previousSlot(schedule('0 0 1 1 MON'), new Date('2026-12-31T00:00Z'))?.id).toBe('2026-01-26T00:00');
  });
});

describe('guards', () => {
  const s = schedule('0 * * * *');
  test('invalid dates and ids rejected', () => {
    expect(() => nextSlot(s, new Date('nope'))).toThrow(RangeError);
    expect(() => previousSlot(s, new Date(Number.NaN))).toThrow(/must be a valid date within years 1-9999/);
    expect(() => nextSlot(s, { id: '2026-02-30T10:00', at: new Date() })).toThrow(
      'invalid cron slot id "2026-02-30T10:00"; pass a slot returned by nextSlot or previousSlot, whose id is a wall time YYYY-MM-DDTHH:MM',
    );
    expect(() => previousSlot(s, { id: '2026-01-01 10:00', at: new Date() })).toThrow(RangeError);
  });
});

// ---- Daylight-saving changes ---------------------------------------------

/** One offset change of a zone: the instant, and the offsets before and after it in minutes east of UTC. */
interface Change {
  zone: string;
  at: string;
  before: number;
  after: number;
}

const CHANGES: Record<string, Change> = {
  'Berlin spring': { zone: 'Europe/Berlin', at: '2026-03-29T01:00:00Z', before: 60, after: 120 },
  'Berlin fall': { zone: 'Europe/Berlin', at: '2026-10-25T01:00:00Z', before: 120, after: 60 },
  'New York spring': { zone: 'America/New_York', at: '2026-03-08T07:00:00Z', before: -300, after: -240 },
  'New York fall': { zone: 'America/New_York', at: '2026-11-01T06:00:00Z', before: -240, after: -300 },
  'Lord Howe fall': { zone: 'Australia/Lord_Howe', at: '2026-04-04T15:00:00Z', before: 660, after: 630 },
  'Lord Howe spring': { zone: 'Australia/Lord_Howe', at: '2026-10-03T15:30:00Z', before: 630, after: 660 },
};

const DAY = 86_400_000;
const MINUTE = 60_000;

/**
 * Lists the slots that core/cron.ts promises, computed from the change alone. Each matching
 * wall minute fires at its first occurrence, or at the change when it falls in the gap.
 */
function modelSlots(change: Change, matches: (hour: number, minute: number) => boolean, from: number, to: number): string[] {
  const changeMs = Date.parse(change.at);
  const expected: string[] = [];
  const firstWall = Math.floor((from + Math.min(change.before, change.after) * MINUTE) / MINUTE) * MINUTE - DAY;
  const lastWall = to + Math.max(change.before, change.after) * MINUTE + DAY;
  for (let wall = firstWall; wall <= lastWall; wall += MINUTE) {
    const date = new Date(wall);
    if (!matches(date.getUTCHours(), date.getUTCMinutes())) continue;
    const occurrences = [wall - change.before * MINUTE, wall - change.after * MINUTE].filter((at, index) => (index === 0 ? at < changeMs : at >= changeMs));
    const fires = occurrences.length > 0 ? Math.min(...occurrences) : changeMs;
    if (fires > from && fires <= to) expected.push(`${date.toISOString().slice(0, 16)} ${new Date(fires).toISOString()}`);
  }
  return expected;
}

const EXPRESSIONS: Record<string, (hour: number, minute: number) => boolean> = {
  '30 2 * * *': (hour, minute) => hour === 2 && minute === 30,
  '0 * * * *': (_hour, minute) => minute === 0,
  '*/15 1-3 * * *': (hour, minute) => hour >= 1 && hour <= 3 && minute % 15 === 0,
};

describe.each(Object.entries(CHANGES))('%s', (_name, change) => {
  const changeMs = Date.parse(change.at);
  const from = changeMs - DAY;
  const to = changeMs + DAY;

  test.each(Object.keys(EXPRESSIONS))('%s: each slot once around it', (expression) => {
    const s = schedule(expression, change.zone);
    const slots = walk(s, new Date(from).toISOString(), new Date(to).toISOString());
    const ids = slots.map((slot) => slot.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(slots.map(show)).toEqual(modelSlots(change, EXPRESSIONS[expression], from, to));

    for (let i = 0; i < slots.length; i++) {
      const sameInstant = slots.filter((slot) => slot.at.getTime() === slots[i].at.getTime());
      // By date: the first of the slots sharing an instant comes next, the last is the previous one.
      expect(nextSlot(s, new Date(slots[i].at.getTime() - 1))).toEqual(sameInstant[0]);
      expect(previousSlot(s, slots[i].at)).toEqual(sameInstant[sameInstant.length - 1]);
      // By slot: the neighbours in the walk.
      if (i > 0) expect(previousSlot(s, slots[i])).toEqual(slots[i - 1]);
      if (i > 0) expect(slots[i].at.getTime()).toBeGreaterThanOrEqual(slots[i - 1].at.getTime());
    }
  });
});

describe('daylight-saving slots named one by one', () => {
  const around = (expression: string, zone: string, from: string, to: string): string[] => walk(schedule(expression, zone), from, to).map(show);

  test('Berlin 02:30 in gap fires at 03:00', () => {
    expect(around('30 2 * * *', 'Europe/Berlin', '2026-03-27T01:00Z', '2026-03-31T01:00Z')).toEqual([
      '2026-03-27T02:30 2026-03-27T01:30:00.000Z',
      '2026-03-28T02:30 2026-03-28T01:30:00.000Z',
      '2026-03-29T02:30 2026-03-29T01:00:00.000Z',
      '2026-03-30T02:30 2026-03-30T00:30:00.000Z',
      '2026-03-31T02:30 2026-03-31T00:30:00.000Z',
    ]);
  });

  test('Berlin repeated 02:30 fires first', () => {
    expect(around('30 2 * * *', 'Europe/Berlin', '2026-10-23T01:00Z', '2026-10-27T01:00Z')).toEqual([
      '2026-10-24T02:30 2026-10-24T00:30:00.000Z',
      '2026-10-25T02:30 2026-10-25T00:30:00.000Z',
      '2026-10-26T02:30 2026-10-26T01:30:00.000Z',
    ]);
  });

  test('New York 02:30 across both changes', () => {
    expect(around('30 2 * * *', 'America/New_York', '2026-03-06T07:00Z', '2026-03-10T07:00Z')).toEqual([
      '2026-03-06T02:30 2026-03-06T07:30:00.000Z',
      '2026-03-07T02:30 2026-03-07T07:30:00.000Z',
      '2026-03-08T02:30 2026-03-08T07:00:00.000Z',
      '2026-03-09T02:30 2026-03-09T06:30:00.000Z',
      '2026-03-10T02:30 2026-03-10T06:30:00.000Z',
    ]);
    expect(around('30 2 * * *', 'America/New_York', '2026-10-30T06:00Z', '2026-11-03T06:00Z')).toEqual([
      '2026-10-30T02:30 2026-10-30T06:30:00.000Z',
      '2026-10-31T02:30 2026-10-31T06:30:00.000Z',
      '2026-11-01T02:30 2026-11-01T07:30:00.000Z',
      '2026-11-02T02:30 2026-11-02T07:30:00.000Z',
    ]);
  });

  test('New York hourly across both changes', () => {
    // In spring, 02:00 does not exist and fires with 03:00. In fall, 01:00 occurs twice and fires once.
    expect(around('0 * * * *', 'America/New_York', '2026-03-08T05:30Z', '2026-03-08T08:30Z')).toEqual([
      '2026-03-08T01:00 2026-03-08T06:00:00.000Z',
      '2026-03-08T02:00 2026-03-08T07:00:00.000Z',
      '2026-03-08T03:00 2026-03-08T07:00:00.000Z',
      '2026-03-08T04:00 2026-03-08T08:00:00.000Z',
    ]);
    expect(around('0 * * * *', 'America/New_York', '2026-11-01T03:30Z', '2026-11-01T08:30Z')).toEqual([
      '2026-11-01T00:00 2026-11-01T04:00:00.000Z',
      '2026-11-01T01:00 2026-11-01T05:00:00.000Z',
      '2026-11-01T02:00 2026-11-01T07:00:00.000Z',
      '2026-11-01T03:00 2026-11-01T08:00:00.000Z',
    ]);
  });

  test('Berlin quarter hours across both changes', () => {
    // Gap slots fire at the gap end. Repeated slots fire at their first occurrence.
    expect(around('*/15 1-3 * * *', 'Europe/Berlin', '2026-03-29T00:40Z', '2026-03-29T01:20Z')).toEqual([
      '2026-03-29T01:45 2026-03-29T00:45:00.000Z',
      '2026-03-29T02:00 2026-03-29T01:00:00.000Z',
      '2026-03-29T02:15 2026-03-29T01:00:00.000Z',
      '2026-03-29T02:30 2026-03-29T01:00:00.000Z',
      '2026-03-29T02:45 2026-03-29T01:00:00.000Z',
      '2026-03-29T03:00 2026-03-29T01:00:00.000Z',
      '2026-03-29T03:15 2026-03-29T01:15:00.000Z',
    ]);
    expect(around('*/15 1-3 * * *', 'Europe/Berlin', '2026-10-24T23:40Z', '2026-10-25T02:20Z')).toEqual([
      '2026-10-25T01:45 2026-10-24T23:45:00.000Z',
      '2026-10-25T02:00 2026-10-25T00:00:00.000Z',
      '2026-10-25T02:15 2026-10-25T00:15:00.000Z',
      '2026-10-25T02:30 2026-10-25T00:30:00.000Z',
      '2026-10-25T02:45 2026-10-25T00:45:00.000Z',
      '2026-10-25T03:00 2026-10-25T02:00:00.000Z',
      '2026-10-25T03:15 2026-10-25T02:15:00.000Z',
    ]);
  });

  test('repeated hour skips fired slots', () => {
    const s = schedule('*/15 1-3 * * *', 'America/New_York');
    // 06:10Z is the second 01:10 in New York. Slots 01:15 to 01:45 fired during the first one.
    expect(show(nextSlot(s, new Date('2026-11-01T06:10:00Z')))).toBe('2026-11-01T02:00 2026-11-01T07:00:00.000Z');
    expect(show(previousSlot(s, new Date('2026-11-01T06:10:00Z'))!)).toBe('2026-11-01T01:45 2026-11-01T05:45:00.000Z');
  });

  test('Lord Howe 30-minute changes', () => {
    expect(around('*/15 1-3 * * *', 'Australia/Lord_Howe', '2026-10-03T14:40Z', '2026-10-03T16:00Z')).toEqual([
      '2026-10-04T01:15 2026-10-03T14:45:00.000Z',
      '2026-10-04T01:30 2026-10-03T15:00:00.000Z',
      '2026-10-04T01:45 2026-10-03T15:15:00.000Z',
      '2026-10-04T02:00 2026-10-03T15:30:00.000Z',
      '2026-10-04T02:15 2026-10-03T15:30:00.000Z',
      '2026-10-04T02:30 2026-10-03T15:30:00.000Z',
      '2026-10-04T02:45 2026-10-03T15:45:00.000Z',
      '2026-10-04T03:00 2026-10-03T16:00:00.000Z',
    ]);
    expect(around('*/15 1-3 * * *', 'Australia/Lord_Howe', '2026-04-04T14:10Z', '2026-04-04T15:50Z')).toEqual([
      '2026-04-05T01:15 2026-04-04T14:15:00.000Z',
      '2026-04-05T01:30 2026-04-04T14:30:00.000Z',
      '2026-04-05T01:45 2026-04-04T14:45:00.000Z',
      '2026-04-05T02:00 2026-04-04T15:30:00.000Z',
      '2026-04-05T02:15 2026-04-04T15:45:00.000Z',
    ]);
  });
});

describe('nextSlot and previousSlot agree', () => {
  const cases: [string, string][] = [
    ['*/15 1-3 * * *', 'Europe/Berlin'],
    ['30 2 * * *', 'America/New_York'],
    ['0 0 13 * FRI', 'Australia/Lord_Howe'],
    ['7 */5 * JAN,JUL,OCT *', 'UTC'],
    ['0,30 * * * *', 'Australia/Lord_Howe'],
  ];
  test.each(cases)('%s in %s at many instants', (expression, zone) => {
    const s = schedule(expression, zone);
    const anchors = Object.values(CHANGES).map((change) => Date.parse(change.at));
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let i = 0; i < 200; i++) {
      // Half near a change, half anywhere in 2026.
      const ms = i % 2 === 0 ? anchors[i % anchors.length] + Math.round((random() - 0.5) * 6 * 3_600_000) : Date.UTC(2026, 0, 1) + Math.round(random() * 365 * DAY);
      const at = new Date(ms);
      const next = nextSlot(s, at);
      const previous = previousSlot(s, at);
      expect(next.at.getTime()).toBeGreaterThan(ms);
      expect(previous).toBeDefined();
      expect(previous!.at.getTime()).toBeLessThanOrEqual(ms);
      expect(nextSlot(s, previous!)).toEqual(next);
      expect(previousSlot(s, next)).toEqual(previous);
      expect(previousSlot(s, new Date(next.at.getTime() - 1))).toEqual(previous);
    }
  });
});
