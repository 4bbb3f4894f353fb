// Expands the paths a user gave (files and directories, recursively) into a sorted list of files.
import fs from 'node:fs/promises';
import path from 'node:path';

export interface CollectedPaths {
  files: string[];
  /** Paths that do not exist or cannot be read: "path: reason". */
  missing: { file: string; error: string }[];
}

/** Hidden entries (.DS_Store, .git, ...) inside directories are skipped; a hidden file named explicitly is not. */
export async function collectPaths(inputs: string[]): Promise<CollectedPaths> {
  const files: string[] = [];
  const missing: { file: string; error: string }[] = [];

  async function walk(dir: string): Promise<void> {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) files.push(p);
      else if (e.isSymbolicLink()) {
        const st = await fs.stat(p).catch(() => undefined);
        if (st?.isFile()) files.push(p);
      }
    }
  }

  for (const input of inputs) {
    try {
      const st = await fs.stat(input);
      if (st.isDirectory()) await walk(input);
      else files.push(input);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      missing.push({ file: input, error: code === 'ENOENT' ? 'no such file or directory' : String(code ?? err) });
    }
  }
  return { files, missing };
}
