// Building chart series from query rows and formatting chart and stat values (ui/chart-data.ts).
import { describe, expect, it } from 'vitest';
import { buildChartData, formatValue, statChange, toChartNumber } from '../../ui/chart-data.js';
import type { ClientChart } from '../../ui/client-spec.js';

function chartOf(overrides: Partial<ClientChart>): ClientChart {
  return { type: 'chart', query: 'q', params: {}, chartType: 'line', x: 'month', y: ['revenue'], stacked: false, xFormat: 'text', yFormat: 'number', height: 280, hiddenSeries: 0, ...overrides };
}

describe('buildChartData', () => {
  it('keeps nulls as gaps', () => {
    const data = buildChartData(chartOf({}), [{ month: 'Jan', revenue: 1 }, { month: 'Feb', revenue: null }, { month: 'Mar', revenue: 3 }]);
    expect(data.labels).toEqual(['Jan', 'Feb', 'Mar']);
    expect(data.series[0].data).toEqual([1, null, 3]);
  });

  it('reads decimal text and rejects other text', () => {
    const data = buildChartData(chartOf({}), [{ month: 'Jan', revenue: '12.50' }, { month: 'Feb', revenue: 'n/a' }, { month: 'Mar', revenue: '' }]);
    expect(data.series[0].data).toEqual([12.5, null, null]);
  });

  it('draws one series per y column', () => {
    const data = buildChartData(chartOf({ y: ['revenue', 'cost'] }), [{ month: 'Jan', revenue: 1, cost: 2 }]);
    expect(data.series.map((s) => s.label)).toEqual(['revenue', 'cost']);
    expect(data.series[1].data).toEqual([2]);
  });

  it('pivots on a series column with gaps', () => {
    const rows = [
      { month: 'Jan', region: 'north', revenue: 1 },
      { month: 'Jan', region: 'south', revenue: 2 },
      { month: 'Feb', region: 'north', revenue: 3 },
      { month: 'Mar', region: 'south', revenue: 4 },
    ];
    const data = buildChartData(chartOf({ series: 'region' }), rows);
    expect(data.labels).toEqual(['Jan', 'Feb', 'Mar']);
    expect(data.series).toEqual([
      { label: 'north', data: [1, 3, null] },
      { label: 'south', data: [2, null, 4] },
    ]);
  });

  it('names a null series value', () => {
    const data = buildChartData(chartOf({ series: 'region' }), [{ month: 'Jan', region: null, revenue: 1 }]);
    expect(data.series[0].label).toBe('(none)');
  });

  it('sorts dates ascending', () => {
    const data = buildChartData(chartOf({ xFormat: 'date' }), [{ month: '2024-03-01', revenue: 3 }, { month: '2024-01-01', revenue: 1 }], 'en-US');
    expect(data.labels).toEqual(['Jan 1, 2024', 'Mar 1, 2024']);
    expect(data.series[0].data).toEqual([1, 3]);
  });

  it('keeps text x in query order', () => {
    const data = buildChartData(chartOf({}), [{ month: 'b', revenue: 2 }, { month: 'a', revenue: 1 }]);
    expect(data.labels).toEqual(['b', 'a']);
  });

  it('leaves null slices out of a pie', () => {
    const data = buildChartData(chartOf({ chartType: 'pie', x: 'region' }), [{ region: 'n', revenue: 5 }, { region: 's', revenue: null }]);
    expect(data.labels).toEqual(['n']);
    expect(data.series[0].data).toEqual([5]);
  });

  it('builds scatter points and drops rows without x', () => {
    const data = buildChartData(chartOf({ chartType: 'scatter', x: 'w', y: ['a'] }), [{ w: 1, a: 2 }, { w: null, a: 3 }, { w: '4', a: null }]);
    expect(data.series[0].data).toEqual([{ x: 1, y: 2 }, { x: 4, y: null }]);
  });
});

describe('formatValue', () => {
  it('formats currency', () => {
    expect(formatValue(1234.5, 'currency', 'EUR', { locale: 'en-US' })).toBe('€1,234.50');
  });

  it('reads percent as a fraction', () => {
    expect(formatValue(0.125, 'percent', undefined, { locale: 'en-US' })).toBe('12.5%');
  });

  it('shortens axis ticks', () => {
    expect(formatValue(12_500, 'number', undefined, { compact: true, locale: 'en-US' })).toBe('12.5K');
  });
});

describe('statChange', () => {
  it('returns the relative change', () => {
    expect(statChange(300, 240)).toEqual({ direction: 'up', difference: 60, ratio: 0.25 });
  });

  it('omits the ratio from zero', () => {
    expect(statChange(5, 0)).toEqual({ direction: 'up', difference: 5 });
  });

  it('reports a fall from a negative value', () => {
    expect(statChange(-20, -10)?.ratio).toBe(-1);
  });

  it('returns nothing without both values', () => {
    expect(statChange(null, 3)).toBeUndefined();
    expect(statChange(3, null)).toBeUndefined();
  });

  it('reports no change as flat', () => {
    expect(statChange(3, 3)?.direction).toBe('flat');
  });
});

describe('toChartNumber', () => {
  it('rejects infinities and non-numbers', () => {
    expect(toChartNumber(Number.POSITIVE_INFINITY)).toBeNull();
    expect(toChartNumber(true)).toBeNull();
    expect(toChartNumber({})).toBeNull();
  });
});
