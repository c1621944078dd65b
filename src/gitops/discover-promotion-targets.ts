import { inlineCode } from "../util/markdown.js";
import { err, ok, type Result } from "../util/result.js";
import { rankTargetCandidates } from "./rank-target-candidates.js";
import {
  readSourceRef,
  type EditOptions,
  type EditRefusal,
  type PinnedRef,
  type SourceTarget,
} from "./set-source-ref.js";

/**
 * Discovery of a promotion target, shared by the app, the CLI and anything that needs "where is production pinned"
 * (stable export; pure: files in, answer out).
 *
 *   const files = promotionDiscoveryFiles(allPaths, target, discoveryReads);  // which files to read
 *   const found = discoverPromotionTargets(read(files), target, { unread });   // the one file, or why not
 *
 * Every file read that holds the target is a candidate; more than one is refused (listing them, naming `path`),
 * so that `clusters/staging/…` is never promoted because it sorted before `clusters/production/…`.
 */

/** A file that holds the target object, and what it is pinned to there (or why that cannot be read). */
export interface PromotionCandidate {
  path: string;
  /** The file's text as read (the edit starts from it). */
  text: string;
  pinned: Result<PinnedRef, EditRefusal>;
}

/** Why discovery found no single file: `not-found` or `ambiguous`, the message, and the files that matched. */
export interface DiscoveryRefusal extends EditRefusal {
  candidates: string[];
}

/** The files worth reading to find the target: YAML files, likeliest first, at most `reads` of them. */
export function promotionDiscoveryFiles(
  paths: readonly string[],
  target: SourceTarget,
  reads: number,
): string[] {
  return rankTargetCandidates(paths, target).slice(0, reads);
}

/**
 * The one file among `files` that holds the target, or a refusal: none holds it, or several do. `unread` is how many
 * YAML files were not read (bounded reads); it is named in the messages, since a candidate may hide among them.
 */
export function discoverPromotionTargets(
  files: ReadonlyArray<{ path: string; text: string }>,
  target: SourceTarget,
  options: Pick<EditOptions, "repository"> & { unread?: number } = {},
): Result<PromotionCandidate, DiscoveryRefusal> {
  const candidates: PromotionCandidate[] = [];
  for (const file of files) {
    const pinned = readCandidate(file.text, target, options);
    if (pinned) candidates.push({ path: file.path, text: file.text, pinned });
  }
  return chooseCandidate(
    candidates,
    files.length,
    target,
    options.unread ?? 0,
    files.slice(0, 5).map((f) => f.path),
  );
}

/**
 * What one file says about the target: null when it does not hold the object (or is not YAML at all), else what the
 * object is pinned to or why that cannot be read (a refusal about the object itself: the file still holds it).
 * For gatherers that keep only a reduced view of each file (the reconciliation sweep).
 */
export function readCandidate(
  text: string,
  target: SourceTarget,
  options: Pick<EditOptions, "repository"> = {},
): Result<PinnedRef, EditRefusal> | null {
  const pinned = readSourceRef(text, target, options);
  if (!pinned.ok && (pinned.error.code === "not-found" || pinned.error.code === "invalid-yaml")) return null;
  return pinned;
}

/** The one candidate, or the refusal naming them all (or the files searched when there is none). */
export function chooseCandidate<C extends { path: string }>(
  candidates: readonly C[],
  searched: number,
  target: SourceTarget,
  unread = 0,
  shownSearched: readonly string[] = [],
): Result<C, DiscoveryRefusal> {
  const what = `${target.kind} ${inlineCode(`${target.namespace}/${target.name}`)}`;
  const paths = candidates.map((c) => c.path).sort();
  if (candidates.length === 1) return ok(candidates[0]!);
  if (candidates.length > 1) {
    return err({
      code: "ambiguous",
      candidates: paths,
      message:
        `${candidates.length} files hold ${what}: ${paths.map(inlineCode).join(", ")}. Discovery does not guess which is` +
        ` production: set \`path\` of the target in \`.github/gitops-release-bot.yml\` (\`promotion.targets[].path\`),` +
        ` e.g. \`path: ${pickExample(paths)}\`, or give each environment its own target (\`id\` + \`path\`).`,
    });
  }
  const shown = shownSearched.slice(0, 5).map(inlineCode);
  return err({
    code: "not-found",
    candidates: [],
    message:
      `No ${what} in the ${searched} likeliest files (${shown.join(", ")}${searched > 5 ? ", …" : ""})` +
      `${unread ? `; ${unread} other YAML files were not read (\`promotion.discoveryReads\`)` : ""}.` +
      " Set `path` of the target in `.github/gitops-release-bot.yml` (`promotion.targets`), or check its `name`," +
      " `namespace` and `kind`.",
  });
}

/** The candidate that looks like production, for the example in the message (the user still chooses). */
function pickExample(paths: string[]): string {
  return paths.find((p) => /prod/i.test(p)) ?? paths[0]!;
}
