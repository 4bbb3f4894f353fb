// Expands the paths a user gave (files and directories, recursively) into a sorted list of files.
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * A file found: `path` to open it (bytes as the file system has them: a name that is not valid UTF-8 still opens)
 * and `display`, its name as text (invalid bytes shown as U+FFFD) for messages and the stored file name.
 */
export interface FoundFile {
  path: string | Buffer;
  display: string;
}

export interface CollectedPaths {
  files: FoundFile[];
  /** Paths that do not exist or cannot be read: "path: reason". */
  missing: { file: string; error: string }[];
}

/** Hidden entries (.DS_Store, .git, ...) inside directories are skipped; a hidden file named explicitly is not. */
export async function collectPaths(inputs: string[]): Promise<CollectedPaths> {
  const files: FoundFile[] = [];
  const missing: { file: string; error: string }[] = [];
  const SEP = Buffer.from(path.sep);

  // Names are read as bytes: decoding them as UTF-8 would make a name that is not valid UTF-8 unopenable.
  async function walk(dir: Buffer): Promise<void> {
    const entries = await fs.readdir(dir, { withFileTypes: true, encoding: 'buffer' });
    entries.sort((a, b) => Buffer.compare(a.name, b.name));
    for (const e of entries) {
      if (e.name[0] === 0x2e) continue; // '.'
      const p = Buffer.concat([dir, SEP, e.name]);
      const found = { path: p, display: p.toString('utf8') };
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) files.push(found);
      else if (e.isSymbolicLink()) {
        const st = await fs.stat(p).catch(() => undefined);
        if (st?.isFile()) files.push(found);
      }
    }
  }

  for (const input of inputs) {
    try {
      const st = await fs.stat(input);
      if (st.isDirectory()) await walk(Buffer.from(input.replace(/[\\/]+$/, '') || input));
      else files.push({ path: input, display: input });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      missing.push({ file: input, error: code === 'ENOENT' ? 'no such file or directory' : String(code ?? err) });
    }
  }
  return { files, missing };
}
