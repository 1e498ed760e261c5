import { mkdir, realpath } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

// Where a task's tools work: its own folder (`~/deskfleet/<task>` by default,
// the shell's working directory and where attachments land) and the roots the
// file tools are confined to. Paths are checked after resolving every
// symlink, so a link inside a root that points outside it does not pass.

export class OutsideRootsError extends Error {
  constructor(path: string, roots: readonly string[]) {
    super(`${path} is outside the folders this task's file tools may use (${roots.join(", ")})`);
    this.name = "OutsideRootsError";
  }
}

export type WorkspaceOptions = {
  /** The folder task folders are made in. Default `~/deskfleet`. */
  base?: string;
  /** More folders the file tools may reach besides the task's own (`--files-root`). */
  extraRoots?: readonly string[];
};

export class TaskWorkspace {
  readonly dir: string;
  readonly #roots: readonly string[];
  #realRoots: string[] | null = null;

  private constructor(dir: string, roots: readonly string[]) {
    this.dir = dir;
    this.#roots = roots;
  }

  /** The task's folder, made if missing. */
  static async open(taskId: string, options: WorkspaceOptions = {}): Promise<TaskWorkspace> {
    const base = resolve(expandHome(options.base ?? join("~", "deskfleet")));
    const dir = join(base, taskId.replace(/[^A-Za-z0-9_-]/g, "_"));
    await mkdir(dir, { recursive: true });
    return new TaskWorkspace(dir, [dir, ...(options.extraRoots ?? []).map((r) => resolve(expandHome(r)))]);
  }

  get roots(): readonly string[] {
    return this.#roots;
  }

  /**
   * The real path for `path` (relative to the task's folder), if it lies in a
   * root once every symlink is resolved; for a path that does not exist yet,
   * its nearest existing ancestor is what is resolved.
   */
  async resolve(path: string): Promise<string> {
    const wanted = resolve(this.dir, expandHome(path));
    const real = await realpathOfNearest(wanted);
    const roots = await this.#real();
    if (!roots.some((r) => real === r || real.startsWith(r.endsWith(sep) ? r : r + sep))) throw new OutsideRootsError(path, this.#roots);
    return real;
  }

  /** Like `resolve`, and makes the parent folders of a file about to be written. */
  async resolveForWrite(path: string): Promise<string> {
    const real = await this.resolve(path);
    await mkdir(dirname(real), { recursive: true });
    // The folders just made may not be links, but check again: a race could have put one there.
    return this.resolve(real);
  }

  /** How a path is shown to the model: relative to the task folder when inside it. */
  show(path: string): string {
    const rel = relative(this.dir, path);
    return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
  }

  async #real(): Promise<string[]> {
    this.#realRoots ??= await Promise.all(this.#roots.map((r) => realpath(r).catch(() => r)));
    return this.#realRoots;
  }
}

async function realpathOfNearest(path: string): Promise<string> {
  const missing: string[] = [];
  let at = path;
  for (;;) {
    try {
      return join(await realpath(at), ...missing.reverse());
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      const parent = dirname(at);
      if (parent === at) throw err;
      missing.push(at.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)));
      at = parent;
    }
  }
}

export function expandHome(path: string): string {
  return path === "~" ? homedir() : path.startsWith("~/") ? join(homedir(), path.slice(2)) : path;
}
