// The spec pipeline: load -> validate -> compile.
import type { Diagnostic } from './diagnostics.js';
import { compile } from './compile.js';
import { loadYaml } from './load.js';
import type { AppModel } from './model.js';
import { validateSpec } from './validate.js';

/** A spec file's name, as shown in diagnostics, and its text. */
export interface AppSource {
  file: string;
  text: string;
}

export interface BuildResult {
  model?: AppModel;
  diagnostics: Diagnostic[];
}

/** Runs a spec through every stage; stops before compiling when a stage reports an error. Warnings are kept either way. */
export function buildApp(source: AppSource): BuildResult {
  const { loaded, diagnostics: loadProblems } = loadYaml(source.file, source.text);
  if (loaded === undefined) return { diagnostics: loadProblems };

  const { validated, diagnostics } = validateSpec(loaded);
  if (validated === undefined) return { diagnostics };

  return { model: compile(validated.spec, source.text), diagnostics };
}
