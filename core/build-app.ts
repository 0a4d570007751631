// The spec pipeline: load -> include -> validate -> compile.
import type { Diagnostic } from './diagnostics.js';
import { compile } from './compile.js';
import { resolveIncludes, type AppFileSet, type SpecFile } from './includes.js';
import { loadYaml, type LoadedDocument } from './load.js';
import type { AppModel } from './model.js';
import { validateSpec } from './validate.js';

/** A spec file's name, as shown in diagnostics, and its text, with the other files of its folder that it may include. */
export interface AppSource extends AppFileSet {
  file: string;
  text: string;
}

export interface BuildResult {
  model?: AppModel;
  diagnostics: Diagnostic[];
  /** The merged document with its position table, once loading and includes succeeded; later checks place their diagnostics with it. */
  loaded?: LoadedDocument;
  /** Every file the build read: the main spec first, then included YAML and SQL files. */
  sources: SpecFile[];
}

/** Runs a spec through every stage; stops before compiling when a stage reports an error. Warnings are kept either way. */
export function buildApp(source: AppSource): BuildResult {
  const main: SpecFile = { path: '', file: source.file, text: source.text };
  const { loaded: document, diagnostics: loadProblems } = loadYaml(source.file, source.text);
  if (document === undefined) return { diagnostics: loadProblems, sources: [main] };

  const { loaded, diagnostics: includeProblems, included } = resolveIncludes(document, source);
  const sources = [main, ...included];
  if (loaded === undefined) return { diagnostics: includeProblems, sources };

  const { validated, diagnostics } = validateSpec(loaded);
  const all = [...includeProblems, ...diagnostics];
  if (validated === undefined) return { diagnostics: all, loaded, sources };

  return { model: compile(validated.spec, contentOf(sources)), diagnostics: all, loaded, sources };
}

/**
 * Returns the text the content hash covers: the main spec alone for a
 * single-file app (so its hash is the sha256 of app.yaml), else followed by
 * each included file's relative path and text.
 */
export function contentOf(sources: SpecFile[]): string {
  let text = sources[0]?.text ?? '';
  for (const source of sources.slice(1)) text += `\0${source.path}\0${source.text}`;
  return text;
}
