// Time axes of charts (ui/chart-time.ts), the time values buildChartData
// gives them, and the table of values behind a chart (ui/chart-values.ts).
import { describe, expect, it } from 'vitest';
import { buildChartData } from './chart-data.js';
import { chooseTimeStep, formatChartDate, formatTimeTick, timeTicks } from './chart-time.js';
import { chartValues } from './chart-values.js';
import type { ClientChart } from './client-spec.js';

const DAY = 86_400_000;
const utc = (text: string): number => Date.parse(`${text}T00:00:00Z`);

function chartOf(overrides: Partial<ClientChart>): ClientChart {
  return { type: 'chart', query: 'q', params: {}, chartType: 'line', x: 'day', y: ['amount'], stacked: false, xFormat: 'date', yFormat: 'number', height: 280, hiddenSeries: 0, ...overrides };
}

describe('chooseTimeStep', () => {
  it('picks days for two weeks', () => {
    expect(chooseTimeStep(utc('2024-01-01'), utc('2024-01-08'), 10, true)).toEqual({ unit: 'day', count: 1 });
  });

  it('picks weeks for two months', () => {
    expect(chooseTimeStep(utc('2024-01-01'), utc('2024-03-01'), 10, true)).toEqual({ unit: 'week', count: 1 });
  });

  it('picks months for a year', () => {
    expect(chooseTimeStep(utc('2024-01-01'), utc('2024-12-01'), 12, true)).toEqual({ unit: 'month', count: 1 });
  });

  it('picks no step finer than the data', () => {
    expect(chooseTimeStep(utc('2024-01-01'), utc('2024-04-01'), 10, true)).toEqual({ unit: 'week', count: 2 });
    expect(chooseTimeStep(utc('2024-01-01'), utc('2024-04-01'), 10, true, 29 * DAY)).toEqual({ unit: 'month', count: 1 });
  });

  it('never picks hours for calendar dates', () => {
    expect(chooseTimeStep(utc('2024-01-01'), utc('2024-01-02'), 10, true).unit).toBe('day');
  });

  it('picks hours for datetimes within a day', () => {
    expect(chooseTimeStep(utc('2024-01-01'), utc('2024-01-01') + 6 * 3_600_000, 10, false)).toEqual({ unit: 'hour', count: 1 });
  });
});

describe('timeTicks', () => {
  it('ticks on the first of each month', () => {
    const ticks = timeTicks(utc('2024-01-15'), utc('2024-05-20'), 6, true);
    expect(ticks.step).toEqual({ unit: 'month', count: 1 });
    expect(ticks.values.map((value) => new Date(value).toISOString().slice(0, 10))).toEqual(['2024-02-01', '2024-03-01', '2024-04-01', '2024-05-01']);
  });

  it('ticks weeks on Mondays', () => {
    const ticks = timeTicks(utc('2024-01-03'), utc('2024-02-20'), 10, true);
    expect(ticks.step.unit).toBe('week');
    for (const value of ticks.values) expect(new Date(value).getUTCDay()).toBe(1);
    expect(ticks.values[0]).toBe(utc('2024-01-08'));
  });

  it('keeps ticks inside the range', () => {
    const ticks = timeTicks(utc('2024-01-01'), utc('2024-01-05'), 10, true);
    expect(ticks.values).toEqual([0, 1, 2, 3, 4].map((offset) => utc('2024-01-01') + offset * DAY));
  });

  it('returns one tick for a single instant', () => {
    expect(timeTicks(utc('2024-01-01'), utc('2024-01-01'), 10, true).values).toEqual([utc('2024-01-01')]);
  });
});

describe('chart date formats', () => {
  it('formats calendar dates in UTC', () => {
    expect(formatChartDate(utc('2024-03-01'), true, 'en-US')).toBe('Mar 1, 2024');
  });

  it('formats datetimes with a time', () => {
    expect(formatChartDate(Date.parse('2024-03-01T14:30:00Z'), false, 'en-US')).toMatch(/Mar 1, 2024.*\d{1,2}:30/);
  });

  it('labels month ticks with the year', () => {
    expect(formatTimeTick(utc('2024-03-01'), { unit: 'month', count: 1 }, true, 'en-US')).toBe('Mar 2024');
    expect(formatTimeTick(utc('2024-03-04'), { unit: 'week', count: 1 }, true, 'en-US')).toBe('Mar 4');
  });
});

describe('buildChartData time axis', () => {
  it('gives epoch times to uneven dates', () => {
    const rows = [
      { day: '2024-01-10', amount: 3 },
      { day: '2024-01-01', amount: 1 },
      { day: '2024-01-02', amount: null },
    ];
    const data = buildChartData(chartOf({}), rows, 'en-US');
    expect(data.times).toEqual([utc('2024-01-01'), utc('2024-01-02'), utc('2024-01-10')]);
    expect(data.calendarDates).toBe(true);
    expect(data.labels).toEqual(['Jan 1, 2024', 'Jan 2, 2024', 'Jan 10, 2024']);
    expect(data.series[0].data).toEqual([1, null, 3]);
  });

  it('marks datetimes as not calendar dates', () => {
    const data = buildChartData(chartOf({}), [{ day: '2024-01-01 08:15:00', amount: 1 }, { day: '2024-01-01 20:00:00', amount: 2 }], 'en-US');
    expect(data.calendarDates).toBe(false);
    expect(data.times).toEqual([Date.parse('2024-01-01T08:15:00Z'), Date.parse('2024-01-01T20:00:00Z')]);
    expect(data.labels[0]).not.toBe(data.labels[1]);
  });

  it('keeps pivot gaps on a time axis', () => {
    const rows = [
      { day: '2024-01-01', region: 'n', amount: 1 },
      { day: '2024-01-05', region: 's', amount: 2 },
    ];
    const data = buildChartData(chartOf({ series: 'region' }), rows, 'en-US');
    expect(data.times).toEqual([utc('2024-01-01'), utc('2024-01-05')]);
    expect(data.series).toEqual([
      { label: 'n', data: [1, null] },
      { label: 's', data: [null, 2] },
    ]);
  });

  it('falls back to labels when a date does not parse', () => {
    const data = buildChartData(chartOf({}), [{ day: '2024-01-01', amount: 1 }, { day: 'soon', amount: 2 }], 'en-US');
    expect(data.times).toBeUndefined();
    expect(data.labels).toEqual(['Jan 1, 2024', 'soon']);
  });

  it('gives no time axis to pies or text', () => {
    expect(buildChartData(chartOf({ chartType: 'pie' }), [{ day: '2024-01-01', amount: 1 }]).times).toBeUndefined();
    expect(buildChartData(chartOf({ xFormat: 'text' }), [{ day: '2024-01-01', amount: 1 }]).times).toBeUndefined();
  });
});

describe('chartValues', () => {
  const rows = [
    { day: '2024-01-01', revenue: 1200, cost: null },
    { day: '2024-02-01', revenue: null, cost: 80 },
  ];
  const chart = chartOf({ y: ['revenue', 'cost'], yFormat: 'currency', currency: 'EUR' });

  it('formats values and keeps nulls', () => {
    const table = chartValues(chart, buildChartData(chart, rows, 'en-US'), new Set(), 'en-US');
    expect(table.columns).toEqual(['Day', 'Revenue', 'Cost']);
    expect(table.rows).toEqual([
      { label: 'Jan 1, 2024', values: ['€1,200.00', null] },
      { label: 'Feb 1, 2024', values: [null, '€80.00'] },
    ]);
  });

  it('leaves hidden series out', () => {
    const table = chartValues(chart, buildChartData(chart, rows, 'en-US'), new Set([0]), 'en-US');
    expect(table.columns).toEqual(['Day', 'Cost']);
    expect(table.rows[1].values).toEqual(['€80.00']);
  });

  it('leaves hidden pie slices out', () => {
    const pie = chartOf({ chartType: 'pie', x: 'region', y: ['revenue'], xFormat: 'text' });
    const data = buildChartData(pie, [{ region: 'n', revenue: 0.5 }, { region: 's', revenue: 2 }], 'en-US');
    const table = chartValues(pie, data, new Set([0]), 'en-US');
    expect(table.columns).toEqual(['Region', 'Revenue']);
    expect(table.rows).toEqual([{ label: 's', values: ['2'] }]);
  });

  it('lists scatter points', () => {
    const scatter = chartOf({ chartType: 'scatter', x: 'weight', y: ['amount'], xFormat: 'number' });
    const data = buildChartData(scatter, [{ weight: 1500, amount: 3 }, { weight: 2, amount: null }], 'en-US');
    expect(chartValues(scatter, data, new Set(), 'en-US').rows).toEqual([
      { label: '1,500', values: ['3'] },
      { label: '2', values: [null] },
    ]);
  });
});
