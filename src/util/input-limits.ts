import { realpathSync, statSync } from "node:fs";
import path from "node:path";

/**
 * Size limits on text that enters from outside, checked before anything parses it (issue 14): past them the input
 * is refused with a message that says the limit. Title and commit text bounds are in `rules/parse-conventional-commit.ts`.
 */

/** A configuration file (each file of an `_extends` chain): a real one is a few KiB; 10 MB blocked the loop 5 s. */
export const MAX_CONFIG_BYTES = 128 * 1024;
/** A manifest file: Kubernetes refuses objects over about 1.5 MiB (etcd's request limit), so 2 MiB is generous. */
export const MAX_MANIFEST_BYTES = 2 * 1024 * 1024;
/** A comment body: GitHub's own limit on issue and PR comments (65,536 characters). */
export const MAX_COMMENT_LENGTH = 65_536;

/** Whether a local file can be read within `maxBytes`; the message quotes the file and the limit. */
export function checkFileSize(file: string, maxBytes: number, what: string): string | null {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return null; // the read that follows reports a missing file with its own message
  }
  return size > maxBytes
    ? `${JSON.stringify(file)} is ${size} bytes; a ${what} is limited to ${maxBytes} bytes. Is it the right file?`
    : null;
}

/**
 * The real path of `relative` inside `root`, or a message when it leaves it (`../`, an absolute path, or a
 * symbolic link that points outside): a repository's configuration must never make the CLI write elsewhere.
 */
export function pathInside(root: string, relative: string): { path: string } | { error: string } {
  const realRoot = realpathSync(root);
  const joined = path.resolve(realRoot, relative);
  let real = joined;
  try {
    real = realpathSync(joined);
  } catch {
    // a file that does not exist yet: judged by its lexical path
  }
  const inside = (p: string) => p === realRoot || p.startsWith(realRoot + path.sep);
  if (path.isAbsolute(relative) || !inside(joined) || !inside(real))
    return {
      error:
        `the path ${JSON.stringify(relative)} leads outside the repository ${JSON.stringify(root)}` +
        `${real !== joined ? ` (through a symbolic link to ${JSON.stringify(real)})` : ""}: ` +
        "give a path relative to the repository root, without `..`.",
    };
  return { path: real };
}
