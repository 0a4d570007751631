// examples/specs-repo-ci.yml: the GitHub Actions workflow example for a specs repository.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../helpers/apps.js';

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  if?: string;
  env?: Record<string, string>;
}

interface Workflow {
  on: { pull_request?: unknown };
  jobs: Record<string, { 'runs-on': string; steps: Step[]; permissions?: Record<string, string> }>;
}

const workflow = parse(readFileSync(join(REPO_ROOT, 'examples', 'specs-repo-ci.yml'), 'utf8')) as Workflow;
const runs = (job: string): string[] => workflow.jobs[job].steps.flatMap((step) => (step.run === undefined ? [] : [step.run]));

describe('specs repo CI example', () => {
  test('runs on pull requests', () => {
    expect(workflow.on.pull_request).toBeDefined();
  });

  test('check job installs, validates, tests and diffs', () => {
    const commands = runs('check');
    expect(commands).toContain('npm ci');
    expect(commands).toContain('npx opsdeck validate . --format github --strict');
    expect(commands).toContain('npx opsdeck test . --reporter junit --output test-results.xml');
    expect(commands).toContain('npx opsdeck diff origin/${{ github.base_ref }} --format markdown > opsdeck-diff.md');
  });

  test('diff is posted as a PR comment', () => {
    const comment = workflow.jobs.check.steps.find((step) => step.run?.startsWith('gh pr comment'));
    expect(comment?.run).toContain('--body-file opsdeck-diff.md');
    expect(comment?.env?.GH_TOKEN).toBe('${{ github.token }}');
    expect(workflow.jobs.check.permissions?.['pull-requests']).toBe('write');
  });

  test('widened access fails a separate job', () => {
    expect(runs('check').some((command) => command.includes('--fail-on-widened-access'))).toBe(false);
    expect(runs('access-review')).toContain('npm ci');
    expect(runs('access-review')).toContain('npx opsdeck diff origin/${{ github.base_ref }} --fail-on-widened-access');
  });

  test('history is fetched for the base branch', () => {
    for (const job of ['check', 'access-review']) {
      const checkout = workflow.jobs[job].steps.find((step) => step.uses?.startsWith('actions/checkout@'));
      expect((checkout as { with?: { 'fetch-depth'?: number } })?.with?.['fetch-depth'], job).toBe(0);
    }
  });
});
