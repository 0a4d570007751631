// Load-time checks of `jobs:`: step kinds, names the SQL and templates read,
// batch settings, jobs that start jobs (without cycles), schedules (cron
// syntax, time zone, parameter values) and retry settings.
import type { DocPath } from './load.js';
import type { AppSpec, JobSpec, JobStepSpec, ParamSpec } from './spec.js';
import { parseCron } from './cron.js';
import { parseDuration } from './duration.js';
import { findSqlParams } from './sql-params.js';
import { checkStep, type EarlierStep, type StepCheckContext, type StepOwner } from './step-checks.js';
import { suggest, suggestionHint } from './suggest.js';
import { parseTemplate } from './template.js';

/** Names a batch step's SQL may read besides parameters and earlier steps. */
export const BATCH_NAMES = ['batch.first', 'batch.last', 'batch.rows'] as const;

/** Keys per chunk of a batch step without `size:`. */
export const DEFAULT_BATCH_SIZE = 1000;

export interface JobCheckContext extends StepCheckContext {
  /** Checks an allow list: declared roles, no wildcard, no duplicate. */
  checkAllow(allow: string[], path: DocPath): void;
}

/** Checks every job of the spec. */
export function checkJobs(context: JobCheckContext, spec: AppSpec): void {
  const jobs = spec.jobs ?? {};
  for (const [id, job] of Object.entries(jobs)) {
    const base = ['jobs', id];
    context.checkAllow(job.allow, [...base, 'allow']);
    checkRequired(context, base, job);
    checkSteps(context, base, id, job, jobs);
    if (job.schedule !== undefined) checkSchedule(context, base, job);
    if (job.retry?.backoff !== undefined && parseDuration(job.retry.backoff) === undefined) {
      context.report({ code: 'job-duration', path: [...base, 'retry', 'backoff'], message: `\`${job.retry.backoff}\` is not a valid duration for \`backoff:\``, hint: 'Write a whole number followed by s, m, h or d, such as `30s`, `5m` or `1h`.' });
    }
  }
  checkJobCycles(context, jobs);
}

function checkRequired(context: JobCheckContext, base: DocPath, job: JobSpec): void {
  const declared = Object.keys(job.params ?? {});
  (job.required ?? []).forEach((name, index) => {
    if (declared.includes(name)) return;
    context.report({ code: 'unknown-param', path: [...base, 'required', index], message: `required parameter \`${name}\` is not declared under \`params:\``, hint: suggestionHint(name, declared, 'Declared parameters') });
  });
}

function checkSteps(context: JobCheckContext, base: DocPath, id: string, job: JobSpec, jobs: Record<string, JobSpec>): void {
  const earlier = new Map<string, EarlierStep>();
  const allIds = new Set(job.steps.map((step) => step.id));
  const used = new Set<string>();
  job.steps.forEach((step, index) => {
    const path = [...base, 'steps', index];
    if (earlier.has(step.id)) {
      context.report({ code: 'duplicate-id', path: [...path, 'id'], message: `step id \`${step.id}\` is used twice in job \`${id}\``, hint: 'Give each step of a job its own id.' });
    }
    const kinds = [step.sql !== undefined ? 'sql' : undefined, step.request !== undefined ? 'request' : undefined, step.job !== undefined ? 'job' : undefined].filter((kind) => kind !== undefined);
    if (kinds.length === 0 && step.batch !== undefined) {
      context.report({ code: 'step-kind-missing', path, part: 'key', message: `batch step \`${step.id}\` has no \`sql:\` to run once per chunk`, hint: 'Add the statement each chunk runs, reading `:batch.first` and `:batch.last`, such as `sql: update t set done = 1 where id between :batch.first and :batch.last`.' });
    } else if (kinds.length !== 1) {
      context.report({
        code: 'step-kind-missing',
        path,
        part: 'key',
        message: kinds.length === 0 ? 'a job step has none of `sql:`, `request:` and `job:`' : `a job step has ${kinds.map((kind) => `\`${kind}:\``).join(' and ')}`,
        hint: 'Give each step exactly one of `sql:` (with a SQL data source), `request:` (with an HTTP data source) or `job:` (the id of a job to start).',
      });
    } else if (step.job !== undefined) {
      checkJobStep(context, path, step, job, jobs, used);
    } else {
      checkWorkStep(context, path, step, job, earlier, allIds, used);
    }
    earlier.set(step.id, { kind: step.request === undefined ? 'sql' : 'http', outputs: Object.keys(step.outputs ?? {}) });
  });
}

/** Checks a `sql:` step (with or without `batch:`) or a `request:` step. */
function checkWorkStep(context: JobCheckContext, path: DocPath, step: JobStepSpec, job: JobSpec, earlier: Map<string, EarlierStep>, allIds: Set<string>, used: Set<string>): void {
  for (const key of ['params'] as const) {
    if (step[key] !== undefined) context.report({ code: 'step-option-mismatch', path: [...path, key], part: 'key', message: `\`${key}:\` gives the parameters of a started job and applies to \`job:\` steps only`, hint: 'SQL and requests read the job\'s own parameters directly; remove `params:`.' });
  }
  if (step.datasource === undefined) {
    context.report({ code: 'step-kind-missing', path, part: 'key', message: `step \`${step.id}\` has no \`datasource:\``, hint: 'Name the data source the step runs on.' });
    return;
  }
  if (step.batch !== undefined) {
    if (step.sql === undefined) {
      context.report({ code: 'step-option-mismatch', path: [...path, 'batch'], part: 'key', message: '`batch:` walks rows for a SQL statement and applies to `sql:` steps only', hint: 'Add the `sql:` that runs once per chunk, or remove `batch:`.' });
      return;
    }
    if (step.expect !== undefined) {
      context.report({ code: 'step-option-mismatch', path: [...path, 'expect'], part: 'key', message: '`expect:` does not apply to a batch step, whose statement runs once per chunk', hint: 'Remove `expect:`, or check the counts in a later step.' });
    }
    checkBatchQuery(context, [...path, 'batch', 'query'], step.batch.query, job, used);
  }
  // Batch names outside a batch step get their own message below.
  const owner: StepOwner = { noun: 'job', params: job.params, extraNames: BATCH_NAMES };
  const stepSpec = { id: step.id, datasource: step.datasource, sql: step.sql, request: step.request, expect: step.expect, outputs: step.outputs };
  checkStep(context, path, stepSpec, owner, earlier, allIds, used, false);
  if (step.batch === undefined && step.sql !== undefined) {
    for (const occurrence of findSqlParams(step.sql)) {
      if (!occurrence.name.startsWith('batch.')) continue;
      const sqlPath = [...path, 'sql'];
      context.report({ code: 'template-unknown-scope', path: sqlPath, at: context.inValue(sqlPath, occurrence.offset, step.sql), message: `\`:${occurrence.name}\` is only known in a batch step`, hint: 'Add `batch: { query, key }` to the step so it runs once per chunk, or remove the reference.' });
    }
  }
}

/** Checks that the walk query reads only the job's parameters and the user's identity. */
function checkBatchQuery(context: JobCheckContext, path: DocPath, sql: string, job: JobSpec, used: Set<string>): void {
  const declared = Object.keys(job.params ?? {});
  for (const occurrence of findSqlParams(sql)) {
    const at = context.inValue(path, occurrence.offset, sql);
    const [scope, field] = occurrence.name.split('.');
    if (field === undefined) {
      if (declared.includes(scope)) {
        used.add(scope);
        continue;
      }
      const near = suggest(scope, declared);
      context.report({ code: 'sql-undeclared-param', path, at, message: `\`:${occurrence.name}\` names parameter \`${scope}\`, which the job does not declare under \`params:\``, hint: near !== undefined ? `Did you mean \`${near}\`?` : `Declare it, for example \`params: { ${scope}: { type: string } }\`.` });
      continue;
    }
    if (scope === 'user' && ['id', 'email', 'name'].includes(field) && occurrence.name.split('.').length === 2) continue;
    context.report({ code: 'template-unknown-scope', path, at, message: `\`:${occurrence.name}\` is not a value the batch query can read`, hint: 'The query that lists the rows to walk runs before the chunks, so it reads only the job\'s parameters (`:name`) and `:user.id`, `:user.email` or `:user.name`.' });
  }
}

/** Checks a `job:` step: the started job exists and gets its required parameters, and templates read declared parameters of this job. */
function checkJobStep(context: JobCheckContext, path: DocPath, step: JobStepSpec, job: JobSpec, jobs: Record<string, JobSpec>, used: Set<string>): void {
  for (const key of ['datasource', 'batch', 'expect', 'outputs'] as const) {
    if (step[key] !== undefined) context.report({ code: 'step-option-mismatch', path: [...path, key], part: 'key', message: `\`${key}:\` does not apply to a \`job:\` step, which starts another job`, hint: `Remove \`${key}:\`.` });
  }
  if (!context.checkRef('job', 'jobs', step.job!, jobs, [...path, 'job'])) return;
  const target = jobs[step.job!];
  const targetParams = Object.keys(target.params ?? {});
  const own = Object.keys(job.params ?? {});
  for (const [name, value] of Object.entries(step.params ?? {})) {
    if (!targetParams.includes(name)) {
      context.report({ code: 'unknown-param', path: [...path, 'params', name], part: 'key', message: `\`${name}\` is not a parameter of job \`${step.job}\``, hint: suggestionHint(name, targetParams, `Parameters of \`${step.job}\``) });
      continue;
    }
    if (typeof value !== 'string') continue;
    const where = [...path, 'params', name];
    const parsed = parseTemplate(value);
    for (const error of parsed.errors) context.report({ code: 'template-syntax', path: where, at: context.inValue(where, error.offset, value), message: error.message, hint: 'Write `{{ params.<name> }}`.' });
    for (const placeholder of parsed.placeholders) {
      const [scope, field, ...rest] = placeholder.path;
      const at = context.inValue(where, placeholder.offset, value);
      if (scope === 'params' && field !== undefined && rest.length === 0 && own.includes(field)) {
        used.add(field);
        continue;
      }
      if (scope === 'params' && field !== undefined && rest.length === 0) {
        context.report({ code: 'sql-undeclared-param', path: where, at, message: `\`{{ ${placeholder.path.join('.')} }}\` names parameter \`${field}\`, which the job does not declare under \`params:\``, hint: suggestionHint(field, own, 'Declared parameters') });
        continue;
      }
      context.report({ code: 'template-unknown-scope', path: where, at, message: `\`{{ ${placeholder.path.join('.')} }}\` is not a known value here`, hint: 'A `job:` step passes this job\'s parameters on as `{{ params.<name> }}`.' });
    }
  }
  for (const name of target.required ?? []) {
    if (step.params !== undefined && Object.hasOwn(step.params, name)) continue;
    context.report({ code: 'job-params-missing', path: [...path, 'job'], message: `job \`${step.job}\` requires parameter \`${name}\`, which this step does not give`, hint: `Add it under the step's \`params:\`, such as \`params: { ${name}: '{{ params.${name} }}' }\`.` });
  }
}

function checkSchedule(context: JobCheckContext, base: DocPath, job: JobSpec): void {
  const schedule = job.schedule!;
  const path = [...base, 'schedule'];
  const parsed = parseCron(schedule.cron, schedule.timeZone);
  if ('problems' in parsed) {
    for (const problem of parsed.problems) {
      const zoneProblem = problem.part === 'timeZone';
      const where = zoneProblem ? [...path, 'timeZone'] : [...path, 'cron'];
      context.report({
        code: zoneProblem ? 'schedule-time-zone' : 'schedule-cron',
        path: where,
        ...(zoneProblem ? {} : { at: context.inValue(where, problem.offset, schedule.cron) }),
        message: problem.message,
        hint: zoneProblem ? 'Write an IANA time zone name such as `Europe/Berlin`, `America/New_York` or `UTC`.' : 'Write five fields, minute hour day-of-month month day-of-week, such as `0 2 * * *` (02:00 every day) or `*/15 8-18 * * MON-FRI`, or a macro such as `@daily`.',
      });
    }
  }
  const declared = job.params ?? {};
  for (const [name, value] of Object.entries(schedule.params ?? {})) {
    const param = declared[name];
    if (param === undefined) {
      context.report({ code: 'unknown-param', path: [...path, 'params', name], part: 'key', message: `\`${name}\` is not a parameter of this job`, hint: suggestionHint(name, Object.keys(declared), 'Declared parameters') });
      continue;
    }
    const problem = valueProblem(param, value);
    if (problem !== undefined) context.report({ code: 'schedule-param-invalid', path: [...path, 'params', name], message: `scheduled value ${JSON.stringify(value)} of \`${name}\` ${problem}`, hint: 'Give a value that the parameter\'s declaration accepts.' });
  }
  for (const name of job.required ?? []) {
    if (schedule.params !== undefined && Object.hasOwn(schedule.params, name)) continue;
    context.report({ code: 'job-params-missing', path: [...path, 'cron'], message: `the job requires parameter \`${name}\`, which the schedule does not give`, hint: `Add it under \`schedule.params:\`, such as \`params: { ${name}: ... }\`, or make it optional.` });
  }
}

/** The first way a scheduled value breaks its parameter's declaration, in words; undefined when it fits. Formats and patterns are checked again when the run starts. */
function valueProblem(param: ParamSpec, value: string | number | boolean): string | undefined {
  switch (param.type) {
    case 'string':
      if (typeof value !== 'string') return 'is not a string';
      if (param.enum !== undefined && !param.enum.includes(value)) return `is not one of ${param.enum.map((item) => JSON.stringify(item)).join(', ')}`;
      return undefined;
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? undefined : 'is not a whole number';
    case 'number':
      return typeof value === 'number' ? undefined : 'is not a number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'is not true or false';
    default:
      return 'cannot be given by a schedule (lists are not supported there)';
  }
}

/** Reports each loop of jobs that start each other once, because such a loop would run forever. */
function checkJobCycles(context: JobCheckContext, jobs: Record<string, JobSpec>): void {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): void => {
    state.set(id, 'open');
    stack.push(id);
    jobs[id].steps.forEach((step, index) => {
      if (step.job === undefined || !Object.hasOwn(jobs, step.job)) return;
      if (state.get(step.job) === 'open') {
        const cycle = [...stack.slice(stack.indexOf(step.job)), step.job];
        context.report({ code: 'job-cycle', path: ['jobs', id, 'steps', index, 'job'], message: `jobs start each other in a loop: ${cycle.map((name) => `\`${name}\``).join(' → ')}`, hint: 'Remove one of the `job:` steps so a run ends.' });
        return;
      }
      if (!state.has(step.job)) visit(step.job);
    });
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of Object.keys(jobs)) if (!state.has(id)) visit(id);
}
