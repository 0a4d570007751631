// Load-time checks of multi-step actions: unique step ids, step kinds that
// match their data sources, references to parameters and earlier steps in SQL
// and in request templates, request paths that stay under the base URL, and
// preview settings. Called by the semantic checker for each action with `steps:`,
// and for the request of each query that reads an HTTP API.
import type { DiagnosticInput, DocPath, Position } from './load.js';
import type { ActionSpec, AppSpec, FailureStepSpec, HttpRequestSpec, QuerySpec, StepSpec } from './spec.js';
import { findSqlParams } from './sql-params.js';
import { parsePathTemplate, requestTemplates } from './step-templates.js';
import { suggest, suggestionHint } from './suggest.js';

/** Callbacks and data the step checks take from the semantic checker. */
export interface StepCheckContext {
  spec: AppSpec;
  report(input: DiagnosticInput): void;
  inValue(path: DocPath, offset: number, value: string): Position;
  /** Reports an undeclared id; returns true when it is declared. */
  checkRef(kind: string, plural: string, name: string, declared: Record<string, unknown>, path: DocPath): boolean;
}

const IDENTITY = ['id', 'email', 'name'];
const CONTROL = /[\u0000-\u001f\u007f]/;

export interface EarlierStep {
  kind: 'sql' | 'http';
  outputs: string[];
}

/** What owns the steps being checked: an action or a job, with its parameters and any extra names its SQL may read (such as `batch.first`). */
export interface StepOwner {
  noun: 'action' | 'job';
  params?: Record<string, unknown>;
  extraNames?: readonly string[];
}

/** Checks `steps:` and `onFailure:` of one action; `used` receives each parameter the steps read. */
export function checkActionSteps(context: StepCheckContext, base: DocPath, action: ActionSpec, used: Set<string>): void {
  const steps = action.steps ?? [];
  const owner: StepOwner = { noun: 'action', params: action.params };
  const earlier = new Map<string, EarlierStep>();
  const allIds = new Set(steps.map((step) => step.id));
  steps.forEach((step, index) => {
    const path = [...base, 'steps', index];
    if (earlier.has(step.id)) {
      context.report({ code: 'duplicate-id', path: [...path, 'id'], message: `step id \`${step.id}\` is used twice in action \`${String(base[1])}\``, hint: 'Give each step of an action its own id.' });
    }
    checkStep(context, path, step, owner, earlier, allIds, used, false);
    earlier.set(step.id, { kind: step.request === undefined ? 'sql' : 'http', outputs: Object.keys(step.outputs ?? {}) });
  });
  if (action.onFailure !== undefined) checkStep(context, [...base, 'onFailure'], action.onFailure, owner, earlier, allIds, used, true);
  checkPreview(context, base, action);
}

/** Checks one SQL or HTTP step: its kind against its data source, and every name its SQL or request templates read. */
export function checkStep(context: StepCheckContext, path: DocPath, step: StepSpec | FailureStepSpec, owner: StepOwner, earlier: Map<string, EarlierStep>, allIds: Set<string>, used: Set<string>, onFailure: boolean): void {
  const hasSql = step.sql !== undefined;
  const hasRequest = step.request !== undefined;
  if (hasSql === hasRequest) {
    context.report({ code: 'step-kind-missing', path, part: 'key', message: hasSql ? 'a step has both `sql:` and `request:`' : 'a step has neither `sql:` nor `request:`', hint: 'Give each step either `sql:` (with a SQL data source) or `request:` (with an HTTP data source).' });
    return;
  }
  if (!context.checkRef('datasource', 'datasources', step.datasource, context.spec.datasources, [...path, 'datasource'])) return;
  const kind = context.spec.datasources[step.datasource].kind;
  if (hasSql && kind === 'http') {
    context.report({ code: 'step-datasource-kind', path: [...path, 'datasource'], message: `the step runs SQL, but data source \`${step.datasource}\` is of kind http`, hint: 'Use a sqlite or postgres data source for `sql:` steps, or write the step as `request:`.' });
    return;
  }
  if (hasRequest && kind !== 'http') {
    context.report({ code: 'step-datasource-kind', path: [...path, 'datasource'], message: `the step sends an HTTP request, but data source \`${step.datasource}\` is of kind ${kind}`, hint: 'Use a data source of `kind: http` for `request:` steps, or write the step as `sql:`.' });
    return;
  }
  if (hasRequest && step.expect !== undefined) {
    context.report({ code: 'step-option-mismatch', path: [...path, 'expect'], part: 'key', message: '`expect:` counts changed rows and applies to SQL steps only', hint: 'Remove `expect:` from the HTTP step; a response status of 400 or more already fails the step.' });
  }
  if (hasSql && step.outputs !== undefined) {
    context.report({ code: 'step-option-mismatch', path: [...path, 'outputs'], part: 'key', message: '`outputs:` maps an HTTP response and applies to HTTP steps only', hint: 'Remove `outputs:`; later steps read a SQL step\'s RETURNING columns, `changes` and `lastInsertId` directly.' });
  }

  const resolve = (name: string, at: Position, where: DocPath, shown: string): void => checkName(context, name, at, where, shown, owner, earlier, allIds, used, onFailure);
  if (step.sql !== undefined) {
    const sqlPath = [...path, 'sql'];
    for (const occurrence of findSqlParams(step.sql)) {
      const name = occurrence.name.includes('.') || occurrence.name === 'failedStep' ? occurrence.name : `params.${occurrence.name}`;
      resolve(name, context.inValue(sqlPath, occurrence.offset, step.sql), sqlPath, `:${occurrence.name}`);
    }
    return;
  }
  checkRequest(context, [...path, 'request'], step.request!, resolve);
  checkHeaderOverlap(context, [...path, 'request'], step.request!, step.datasource);
}

/** Reports request headers that a data source header of the same name (compared without case) would replace. */
function checkHeaderOverlap(context: StepCheckContext, path: DocPath, request: HttpRequestSpec, datasource: string): void {
  const source = context.spec.datasources[datasource] as { headers?: Record<string, string> } | undefined;
  const fixed = new Set(Object.keys(source?.headers ?? {}).map((name) => name.toLowerCase()));
  for (const name of Object.keys(request.headers ?? {})) {
    if (!fixed.has(name.toLowerCase())) continue;
    context.report({ code: 'http-header-fixed', path: [...path, 'headers', name], part: 'key', message: `header \`${name}\` is set by data source \`${datasource}\`, which always sends its own value`, hint: 'Remove the header from the request; data source headers such as credentials cannot be changed by a step or query.' });
  }
}

function checkRequest(context: StepCheckContext, path: DocPath, request: HttpRequestSpec, resolve: (name: string, at: Position, where: DocPath, shown: string) => void): void {
  const pathPath = [...path, 'path'];
  const parsed = parsePathTemplate(request.path);
  for (const error of parsed.errors) {
    context.report({ code: 'template-syntax', path: pathPath, at: context.inValue(pathPath, error.offset, request.path), message: `\`{${error.text}}\` in the path is not a parameter name`, hint: 'Write `{name}` for a parameter or `{steps.<id>.<field>}` for an earlier step\'s output.' });
  }
  const fixed = request.path.replace(/\{[^{}]*\}/g, 'x');
  const problem = !fixed.startsWith('/') ? 'does not start with `/`'
    : fixed.split('/').some((segment) => segment === '..' || segment === '.') ? 'has a `.` or `..` segment'
    : /[?#\\]/.test(fixed) ? 'contains `?`, `#` or `\\`'
    : fixed.includes('//') ? 'contains `//`'
    : CONTROL.test(fixed) ? 'contains a control character' : undefined;
  if (problem !== undefined) {
    context.report({ code: 'http-path-invalid', path: pathPath, message: `request path \`${request.path}\` ${problem}, so it could leave the data source's base URL`, hint: 'Write a path such as `/tickets/{id}`; put query string values under `query:`.' });
  }
  for (const placeholder of parsed.placeholders) resolve(placeholder.name, context.inValue(pathPath, placeholder.offset, request.path), pathPath, `{${placeholder.name.replace(/^params\./, '')}}`);

  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (CONTROL.test(value)) context.report({ code: 'http-header-invalid', path: [...path, 'headers', name], message: `header \`${name}\` contains a line break or control character`, hint: 'Write the header value on one line.' });
  }
  for (const template of requestTemplates(request)) {
    const where = [...path, ...template.path];
    for (const error of template.parsed.errors) context.report({ code: 'template-syntax', path: where, at: context.inValue(where, error.offset, template.text), message: error.message, hint: 'Write `{{ params.<name> }}` or `{{ steps.<id>.<field> }}`.' });
    for (const placeholder of template.parsed.placeholders) {
      resolve(placeholder.path.join('.'), context.inValue(where, placeholder.offset, template.text), where, `{{ ${placeholder.path.join('.')} }}`);
    }
  }
}

/**
 * Checks the `request:` of a query on an HTTP data source: GET only, no body,
 * a path that stays under the base URL, and templates that read declared
 * parameters or identity values. `used` receives each parameter it reads.
 */
export function checkQueryRequest(context: StepCheckContext, base: DocPath, query: QuerySpec, used: Set<string>): void {
  const request = query.request!;
  const path = [...base, 'request'];
  if (request.method !== 'GET') {
    context.report({ code: 'query-method-invalid', path: [...path, 'method'], message: `query \`${String(base[1])}\` sends ${request.method}, but a query reads data with GET only`, hint: 'Write `method: GET`; a request that changes data belongs in a step of an action, where it is authorized and audited.' });
  }
  if (request.body !== undefined) {
    context.report({ code: 'query-method-invalid', path: [...path, 'body'], part: 'key', message: 'a query sends a GET request, which has no body', hint: 'Pass values in `query:` or in the path instead, and remove `body:`.' });
  }
  checkHeaderOverlap(context, path, request, query.datasource);
  const declared = Object.keys(query.params ?? {});
  checkRequest(context, path, request, (name, at, where, shown) => {
    const report = (code: string, message: string, hint: string): void => context.report({ code, path: where, at, message, hint });
    const parts = name.split('.');
    const [scope, field] = parts;
    if (parts.length === 2 && scope === 'params') {
      if (declared.includes(field)) {
        used.add(field);
        return;
      }
      const near = suggest(field, declared);
      report('sql-undeclared-param', `\`${shown}\` names parameter \`${field}\`, which the query does not declare under \`params:\``, near !== undefined ? `Did you mean \`${near}\`?` : `Declare it, for example \`params: { ${field}: { type: string } }\`.`);
      return;
    }
    if (parts.length === 2 && scope === 'user') {
      if (!IDENTITY.includes(field)) report('sql-unknown-identity', `\`${shown}\` is not an identity value`, 'The signed-in user offers `user.id`, `user.email` and `user.name`.');
      return;
    }
    report('template-unknown-scope', `\`${shown}\` is not a known value in a query`, 'Use a parameter (`{name}` in the path, `{{ params.<name> }}` elsewhere) or `{{ user.id }}`, `{{ user.email }}` or `{{ user.name }}`.');
  });
}

/** Checks one name a step reads: `params.<declared>`, `user.<field>`, `steps.<earlier id>.<field>` or, in onFailure, `failedStep`. */
function checkName(context: StepCheckContext, name: string, at: Position, path: DocPath, shown: string, owner: StepOwner, earlier: Map<string, EarlierStep>, allIds: Set<string>, used: Set<string>, onFailure: boolean): void {
  if (owner.extraNames?.includes(name)) return;
  const parts = name.split('.');
  const declared = Object.keys(owner.params ?? {});
  const report = (code: string, message: string, hint: string): void => context.report({ code, path, at, message, hint });
  if (parts.length === 1 && parts[0] === 'failedStep') {
    if (!onFailure) report('template-unknown-scope', `\`${shown}\` is only known in \`onFailure:\``, 'Use `failedStep` in the `onFailure:` step, where it holds the id of the step that failed.');
    return;
  }
  const [scope, id, field] = parts;
  if (scope === 'params' && parts.length === 2) {
    if (declared.includes(id)) {
      used.add(id);
      return;
    }
    const near = suggest(id, declared);
    report('sql-undeclared-param', `\`${shown}\` names parameter \`${id}\`, which the ${owner.noun} does not declare under \`params:\``, near !== undefined ? `Did you mean \`${near}\`?` : `Declare it, for example \`params: { ${id}: { type: string } }\`.`);
    return;
  }
  if (scope === 'user' && parts.length === 2) {
    if (!IDENTITY.includes(id)) report('sql-unknown-identity', `\`${shown}\` is not an identity value`, 'The signed-in user offers `user.id`, `user.email` and `user.name`.');
    return;
  }
  if (scope === 'steps' && parts.length === 3) {
    const step = earlier.get(id);
    if (step === undefined) {
      report(
        'step-unknown-ref',
        allIds.has(id) ? `\`${shown}\` reads step \`${id}\`, which runs later` : `\`${shown}\` names step \`${id}\`, which the ${owner.noun} does not have`,
        allIds.has(id) ? 'A step can read only the outputs of steps listed before it; move the step or the reference.' : suggestionHint(id, earlier.keys(), 'Earlier steps'),
      );
      return;
    }
    if (step.kind === 'http' && !step.outputs.includes(field)) {
      report('step-unknown-output', `\`${shown}\` reads output \`${field}\`, which step \`${id}\` does not declare`, suggestionHint(field, step.outputs, `Outputs of \`${id}\``) + ` Declare it under the step's \`outputs:\` as a JSON pointer, such as \`${field}: /${field}\`.`);
    }
    return;
  }
  report('template-unknown-scope', `\`${shown}\` is not a known value here`, 'Use a parameter (`params.<name>`, or `:name` in SQL), `user.email`, or `steps.<id>.<field>` of an earlier step.');
}

function checkPreview(context: StepCheckContext, base: DocPath, action: ActionSpec): void {
  const preview = action.preview;
  if (preview === undefined || typeof preview === 'boolean' || preview.step === undefined) return;
  const steps = action.steps ?? [];
  const firstHttp = steps.findIndex((step) => step.request !== undefined);
  const index = steps.findIndex((step) => step.id === preview.step);
  const path = [...base, 'preview', 'step'];
  if (index === -1) {
    context.report({ code: 'step-unknown-ref', path, message: `preview step \`${preview.step}\` is not a step of this action`, hint: suggestionHint(preview.step, steps.map((step) => step.id), 'Steps') });
  } else if (steps[index].sql === undefined || (firstHttp !== -1 && index > firstHttp)) {
    context.report({ code: 'preview-step-invalid', path, message: `preview step \`${preview.step}\` is not a SQL step before the first HTTP step, so a preview never runs it`, hint: 'Name a SQL step listed before the first `request:` step.' });
  }
}
