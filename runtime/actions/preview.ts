// Previews an action: its SQL runs in a transaction that is always rolled
// back, and the result says how many rows it would change and, with
// `preview: { table, key }`, shows up to 10 of those rows before and after.
// For actions with steps, only the SQL steps before the first HTTP step run.
import type { ActionModel, SqlStepModel } from '../../core/model.js';
import { compileSql } from '../../core/sql-params.js';
import type { StepScope } from '../../core/step-templates.js';
import type { Datasource, WriteTransaction } from '../datasources/datasource.js';
import type { BindValue, CellValue } from '../datasources/values.js';
import { initialScope, runSqlStep, withTransactions, type StepContext } from './run-steps.js';

/** Most changed rows a preview shows. */
export const PREVIEW_SAMPLE_LIMIT = 10;

type Row = Record<string, CellValue>;

/** The body of a preview response. */
export interface PreviewResult {
  /** Rows the previewed statements would change, summed over the steps. */
  changes: number;
  /** Up to 10 changed rows of the preview table: `before` is null for an inserted row, `after` null for a deleted one. */
  sample: Array<{ key: CellValue; before: Row | null; after: Row | null }>;
  /** Rows each previewed step would change; only for actions with steps. */
  steps?: Array<{ id: string; changes: number }>;
  /** Steps a preview does not run (HTTP steps and all after them); only when there are some. */
  notPreviewed?: string[];
  /** Says which steps were left out and why; only when some were. */
  note?: string;
}

const SAVEPOINT = 'opsdeck_preview';

/** The SQL steps a preview runs: the action's statement as one step, or the SQL steps before the first HTTP step. */
export function previewSteps(action: ActionModel): { steps: SqlStepModel[]; skipped: string[] } {
  if (action.steps === undefined) {
    const step: SqlStepModel = { kind: 'sql', id: action.id, datasource: action.datasource!, sql: action.sql!, spec: { sql: action.spec.sql ?? '' }, paramsSchema: action.paramsSchema, expectRows: action.spec.expect?.rows };
    return { steps: [singleSteps.get(action) ?? remember(action, step)], skipped: [] };
  }
  const firstHttp = action.steps.findIndex((step) => step.kind === 'http');
  const until = firstHttp === -1 ? action.steps.length : firstHttp;
  return { steps: action.steps.slice(0, until) as SqlStepModel[], skipped: action.steps.slice(until).map((step) => step.id) };
}

// One step object per single-statement action, so the binding layer's per-statement cache applies.
const singleSteps = new WeakMap<ActionModel, SqlStepModel>();
function remember(action: ActionModel, step: SqlStepModel): SqlStepModel {
  singleSteps.set(action, step);
  return step;
}

/** Runs the preview; raises ExpectationFailed like a real run would, and any database error. */
export async function previewAction(action: ActionModel, context: StepContext): Promise<PreviewResult> {
  const { steps, skipped } = previewSteps(action);
  const preview = action.preview ?? {};
  const target = preview.table === undefined ? undefined : steps.find((step) => step.id === (preview.step ?? steps[0]?.id));
  const scope = initialScope(context);
  const result: PreviewResult = { changes: 0, sample: [] };
  const perStep: Array<{ id: string; changes: number }> = [];

  await withTransactions(steps, context.sql, 'rollback', async (transactions) => {
    for (const step of steps) {
      const tx = transactions.get(step.datasource)!;
      const source = context.sql.get(step.datasource)!;
      if (step === target) {
        result.sample = await sampleChanges(step, tx, source, scope, context, preview.table!, preview.key!);
        // The savepoint undid the step so its rows could be read as they were; run it again for the steps after it.
      }
      const ran = await runSqlStep(step, tx, source, scope, context.identity);
      perStep.push({ id: step.id, changes: ran.changes });
    }
  });

  result.changes = perStep.reduce((sum, step) => sum + step.changes, 0);
  if (action.steps !== undefined) result.steps = perStep;
  if (skipped.length > 0) {
    result.notPreviewed = skipped;
    result.note = `Only the SQL steps before the first HTTP step were previewed; ${skipped.join(', ')} ${skipped.length === 1 ? 'is' : 'are'} not run by a preview, because HTTP calls cannot be rolled back.`;
  }
  return result;
}

/**
 * Reads the rows a single-statement action with `preview: { table, key }`
 * would change, before and after, inside `tx` and leaves `tx` as it was, so
 * the caller can then run the statement for real and audit the sample.
 * Returns undefined for other actions.
 */
export async function sampleActionChanges(action: ActionModel, tx: WriteTransaction, source: Datasource, context: StepContext): Promise<PreviewResult['sample'] | undefined> {
  const preview = action.preview;
  if (action.steps !== undefined || preview?.table === undefined || preview.key === undefined) return undefined;
  const [step] = previewSteps(action).steps;
  return sampleChanges(step, tx, source, initialScope(context), context, preview.table, preview.key);
}

/**
 * Runs the step under a savepoint with `RETURNING <key>` to learn which rows
 * it changes, reads those rows after, rolls back to the savepoint and reads
 * them before. Leaves the transaction as it was before the step.
 */
async function sampleChanges(step: SqlStepModel, tx: WriteTransaction, source: Datasource, scope: StepScope, context: StepContext, table: string, key: string): Promise<PreviewResult['sample']> {
  const keyColumn = source.quoteIdentifier(key);
  const tableName = table.split('.').map((part) => source.quoteIdentifier(part)).join('.');
  const returning = /\breturning\b/i.test(step.spec.sql) ? '' : ` RETURNING ${keyColumn}`;

  await tx.run(`SAVEPOINT ${SAVEPOINT}`, []);
  const changed = await runWith(step, returning, tx, source, { ...scope, steps: { ...scope.steps } }, context);
  const keys = [...new Set(changed.map((row) => row[key]))].filter((value): value is string | number => typeof value === 'string' || typeof value === 'number').slice(0, PREVIEW_SAMPLE_LIMIT);
  const read = async (): Promise<Map<CellValue, Row>> => {
    if (keys.length === 0) return new Map();
    const placeholders = keys.map((_, index) => source.placeholder(index + 1)).join(', ');
    const rows = (await tx.run(`SELECT * FROM ${tableName} WHERE ${keyColumn} IN (${placeholders})`, keys as BindValue[])).rows;
    return new Map(rows.map((row) => [row[key], row]));
  };
  const after = await read();
  await tx.run(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`, []);
  const before = await read();
  await tx.run(`RELEASE SAVEPOINT ${SAVEPOINT}`, []);
  return keys.map((value) => ({ key: value, before: before.get(value) ?? null, after: after.get(value) ?? null }));
}

/** Runs a step's SQL with `suffix` appended (after a trailing semicolon is dropped) and returns its rows. */
async function runWith(step: SqlStepModel, suffix: string, tx: WriteTransaction, source: Datasource, scope: StepScope, context: StepContext): Promise<Row[]> {
  if (suffix === '') return (await runSqlStep(step, tx, source, scope, context.identity)).rows;
  let variant = variants.get(step);
  if (variant === undefined) {
    const sql = step.spec.sql.trim().replace(/;\s*$/, '') + suffix;
    variant = { ...step, sql: compileSql(sql), spec: { sql }, expectRows: undefined };
    variants.set(step, variant);
  }
  return (await runSqlStep(variant, tx, source, scope, context.identity)).rows;
}

// Each step with RETURNING appended, built once, so the binding layer's per-statement cache applies.
const variants = new WeakMap<SqlStepModel, SqlStepModel>();
