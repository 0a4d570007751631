// Renders `chart` and `stat` components for the page view, which calls this for every component it does not draw itself.
import { html, type TemplateResult } from 'lit';
import type { ClientComponent, Row } from '../client-spec.js';
import type { BindingContext } from '../template.js';
import './chart-view.js';
import './stat-card.js';

/** Returns the element of a chart or stat component, or undefined for other kinds. */
export function renderChartComponent(component: ClientComponent, appId: string, refreshCount: number, selections: Record<string, Row | undefined> = {}, bindings: BindingContext = {}): TemplateResult | undefined {
  if (component.type === 'chart') return html`<od-chart data-chart=${component.query} .appId=${appId} .chart=${component} .selections=${selections} .bindings=${bindings} .refreshCount=${refreshCount}></od-chart>`;
  if (component.type === 'stat') return html`<od-stat data-stat=${component.value} .appId=${appId} .stat=${component} .selections=${selections} .bindings=${bindings} .refreshCount=${refreshCount}></od-stat>`;
  return undefined;
}
