// Position tables for an app split across files: each merged entry keeps
// pointing at the file and line it came from.
import type { DocPath, Located, Position, PositionTable } from './load.js';

/** Positions inside a file whose whole text is one value, such as an SQL file named by `sql: { file }`. */
export class TextPositions implements PositionTable {
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  has(path: DocPath): boolean {
    return path.length === 0;
  }

  locate(): Located {
    return { line: 1, col: 1 };
  }

  locateInValue(_path: DocPath, offset: number): Located {
    return positionOf(this.#text, offset);
  }
}

/** Returns the 1-based line and column of `offset` in `text`. */
export function positionOf(text: string, offset: number): Position {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lineStart = before.lastIndexOf('\n') + 1;
  let line = 1;
  for (let index = before.indexOf('\n'); index !== -1; index = before.indexOf('\n', index + 1)) line++;
  return { line, col: before.length - lineStart + 1 };
}

interface Mount {
  file: string;
  positions: PositionTable;
  /** Number of leading path segments the mounted table does not have, such as `['queries', 'q1', 'sql']` for an SQL file. */
  strip: number;
}

/**
 * Maps document paths of the merged spec to the file they came from. An
 * entry from an included file (`['queries', 'customers']`) or an SQL file
 * (`['queries', 'customers', 'sql']`) covers its own subtree. The main file
 * covers every other path.
 */
export class MergedPositions implements PositionTable {
  readonly #main: PositionTable;
  readonly #mounts = new Map<string, Mount>();
  #deepest = 0;

  constructor(main: PositionTable) {
    this.#main = main;
  }

  /**
   * Routes lookups of `prefix` and everything under it to `positions`. With
   * `strip`, that many leading segments are removed before the lookup, for a
   * table whose own root is the value at `prefix`.
   */
  mount(prefix: DocPath, file: string, positions: PositionTable, strip = 0): void {
    this.#mounts.set(JSON.stringify(prefix), { file, positions, strip });
    this.#deepest = Math.max(this.#deepest, prefix.length);
  }

  has(path: DocPath): boolean {
    const mount = this.#find(path);
    return mount === undefined ? this.#main.has(path) : mount.positions.has(path.slice(mount.strip));
  }

  locate(path: DocPath, part: 'key' | 'value' = 'value'): Located {
    const mount = this.#find(path);
    if (mount === undefined) return this.#main.locate(path, part);
    return { ...mount.positions.locate(path.slice(mount.strip), part), file: mount.file };
  }

  locateInValue(path: DocPath, offset: number, value: string): Located {
    const mount = this.#find(path);
    if (mount === undefined) return this.#main.locateInValue(path, offset, value);
    return { ...mount.positions.locateInValue(path.slice(mount.strip), offset, value), file: mount.file };
  }

  /** Returns the mount with the longest prefix of `path`. */
  #find(path: DocPath): Mount | undefined {
    for (let length = Math.min(path.length, this.#deepest); length > 0; length--) {
      const mount = this.#mounts.get(JSON.stringify(path.slice(0, length)));
      if (mount !== undefined) return mount;
    }
    return undefined;
  }
}
