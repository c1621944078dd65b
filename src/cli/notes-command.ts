import { parseArgs } from "node:util";
import { planReleaseNotes, renderPlannedNotes } from "../notes/build-release-notes.js";
import { layoutPathMatcher } from "../notes/layout-path-matcher.js";
import { contributorKey } from "../notes/render-release-notes.js";
import { parseVersionTag, pickPreviousTag } from "../notes/version-tags.js";
import { EXIT, readCliConfig, UsageError } from "./cli-config.js";
import {
  localAuthorNames,
  localChangedPaths,
  localCommits,
  localLinks,
  localTags,
} from "./local-release-range.js";

export const notesUsage =
  "gitops-release-bot notes --repo <dir> --tag <tag> [--previous <tag>] [--config <file>] [--json]";

/**
 * `notes`: the release notes the app would draft for a tag, from a local repository. PR numbers come from the
 * subjects (`(#N)`, merge commits); git has no GitHub logins, so contributors are author names and entries have no
 * `by @login`.
 */
export async function notesCommand(args: string[], out: (text: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      repo: { type: "string" },
      tag: { type: "string" },
      previous: { type: "string" },
      config: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  if (positionals.length)
    throw new UsageError(`unexpected argument "${positionals[0]}"\nusage: ${notesUsage}`);
  if (!values.repo || !values.tag)
    throw new UsageError(`--repo and --tag are required\nusage: ${notesUsage}`);
  const dir = values.repo;
  const tag = values.tag;
  const config = readCliConfig(values.config, dir);
  if (!config.ok) throw new UsageError(config.error);
  const rules = config.value.release;
  if (!parseVersionTag(tag, rules.tagPrefix))
    throw new UsageError(
      `"${tag}" is not a version tag: expected "${rules.tagPrefix}" followed by a semantic version, e.g. "${rules.tagPrefix}1.2.3" (set release.tagPrefix for another prefix)`,
    );
  const tags = await localTags(dir).catch((error: Error) => {
    throw new UsageError(`"${dir}" is not a git repository: ${error.message.split("\n")[0]}`);
  });
  if (!tags.includes(tag))
    throw new UsageError(`no tag "${tag}" in "${dir}" (git tag --list shows the tags)`);
  const previousTag = values.previous ?? pickPreviousTag(tags, tag, rules.tagPrefix);
  if (previousTag !== null && !tags.includes(previousTag))
    throw new UsageError(`no tag "${previousTag}" in "${dir}" (--previous must name an existing tag)`);

  const [commits, previousOnlyCommits, changedPaths, earlierAuthors, links] = await Promise.all([
    localCommits(dir, previousTag ? [`${previousTag}..${tag}`] : [tag]),
    previousTag ? localCommits(dir, [`${tag}..${previousTag}`]) : Promise.resolve([]),
    localChangedPaths(dir, previousTag, tag),
    previousTag ? localAuthorNames(dir, previousTag) : Promise.resolve(new Set<string>()),
    localLinks(dir, tag, previousTag),
  ]);
  const plan = planReleaseNotes({ tag, previousTag, commits, previousOnlyCommits }, rules);
  if (!plan.ok) throw new UsageError(plan.error);
  const matcher = layoutPathMatcher(config.value.layout);
  const notes = renderPlannedNotes(
    plan.value,
    {
      firstTimeContributors: new Set(
        plan.value.contributors.filter((c) => !earlierAuthors.has(c.name)).map(contributorKey),
      ),
      changedPaths,
      changedPathsComplete: true,
      matchLayout: matcher.ok ? matcher.value : null,
      links,
      warnings: matcher.ok
        ? []
        : [`> [!NOTE]\n> No Platform impact: the layout configuration is invalid: ${matcher.error}`],
    },
    rules,
  );
  if (values.json) {
    const { pullRequests, impact, markdown } = notes;
    out(JSON.stringify({ tag, previousTag, pullRequests, impact, markdown }, null, 2));
  } else {
    out(notes.markdown.trimEnd());
  }
  return EXIT.ok;
}
