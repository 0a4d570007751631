// The version an app is served at, as people read it: the git commit of the
// checkout the app folder is in, or the content hash outside git.
import { execFile } from 'node:child_process';

/** Time limit of each git command; a slower git counts as no git. */
export const GIT_TIMEOUT_MS = 2000;

/** Length of the short commit hash in a spec version. */
export const SHORT_HASH_LENGTH = 12;

/**
 * Returns the spec version of the app in `appDir`: the short hash (12
 * characters) of the commit at HEAD, followed by `-dirty` when
 * `git status --porcelain` lists any file under the app folder (changed,
 * staged or untracked and not ignored). Outside a git checkout, in a
 * repository without commits, or when git is missing or times out, it
 * returns `contentHash`. Never rejects.
 */
export async function specVersionOf(appDir: string, contentHash: string): Promise<string> {
  const head = await git(appDir, ['rev-parse', '--verify', '--quiet', `--short=${SHORT_HASH_LENGTH}`, 'HEAD']);
  if (head === undefined || !/^[0-9a-f]+$/.test(head.trim())) return contentHash;
  const status = await git(appDir, ['status', '--porcelain', '--', '.']);
  // A status that fails after HEAD was read is unknown, and calling it dirty is the safe side.
  const dirty = status === undefined || status.trim() !== '';
  return `${head.trim()}${dirty ? '-dirty' : ''}`;
}

/** Runs git in `cwd`; resolves to its stdout, or undefined when git is missing, fails or times out. */
function git(cwd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    // GIT_OPTIONAL_LOCKS=0 stops `git status` from refreshing the index under its lock, so a reload does not make the author's own git commands fail on a held lock.
    const env = { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0' };
    try {
      execFile('git', args, { cwd, env, timeout: GIT_TIMEOUT_MS, encoding: 'utf8', maxBuffer: 1024 * 1024 }, (error, stdout) => {
        resolve(error === null ? stdout : undefined);
      });
    } catch {
      resolve(undefined);
    }
  });
}
