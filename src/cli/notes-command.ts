import { parseArgs } from "node:util";
import { planReleaseNotes } from "../notes/build-release-notes.js";
import { composeNotes } from "../notes/draft-release.js";
import { contributorKey } from "../notes/render-release-notes.js";
import { pickPreviousVersion, readVersionTag } from "../notes/version-tags.js";
import { EXIT, readCliConfig, UsageError } from "./cli-config.js";
import {
  localAuthorNames,
  localChangedPaths,
  localCommits,
  localHtmlUrl,
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
  const version = readVersionTag(tag, rules.tagPrefix, rules.versionScheme);
  if (!version)
    throw new UsageError(
      `"${tag}" is not a version tag: expected "${rules.tagPrefix}" followed by a semantic version, e.g. "${rules.tagPrefix}1.2.3", or a calendar version, e.g. "${rules.tagPrefix}2024.06.1" (set release.tagPrefix for another prefix, release.versionScheme for the scheme)`,
    );
  const tags = await localTags(dir).catch((error: Error) => {
    throw new UsageError(`"${dir}" is not a git repository: ${error.message.split("\n")[0]}`);
  });
  if (!tags.includes(tag))
    throw new UsageError(`no tag "${tag}" in "${dir}" (git tag --list shows the tags)`);
  const previousTag =
    values.previous ?? pickPreviousVersion(tags, version, rules.tagPrefix, rules.versionScheme)?.tag ?? null;
  if (previousTag !== null && !tags.includes(previousTag))
    throw new UsageError(`no tag "${previousTag}" in "${dir}" (--previous must name an existing tag)`);
  const previousVersion =
    previousTag === null ? null : readVersionTag(previousTag, rules.tagPrefix, rules.versionScheme);

  const [commits, previousOnlyCommits, changedPaths, earlierAuthors, htmlUrl] = await Promise.all([
    localCommits(dir, previousTag ? [`${previousTag}..${tag}`] : [tag]),
    previousTag ? localCommits(dir, [`${tag}..${previousTag}`]) : Promise.resolve([]),
    localChangedPaths(dir, previousTag, tag),
    previousTag ? localAuthorNames(dir, previousTag) : Promise.resolve(new Set<string>()),
    localHtmlUrl(dir),
  ]);
  const plan = planReleaseNotes(
    { version, previousTag, previousVersion, commits, previousOnlyCommits },
    rules,
  );
  const notes = composeNotes({
    plan,
    firstTimeContributors: new Set(
      plan.contributors.filter((c) => !earlierAuthors.has(c.name)).map(contributorKey),
    ),
    changedPaths,
    changedPathsComplete: true,
    layout: config.value.layout,
    configProblems: null, // an invalid configuration file is a usage error here
    htmlUrl,
    rules,
  });
  if (values.json) {
    const { pullRequests, impact, markdown } = notes;
    out(JSON.stringify({ tag, previousTag, pullRequests, impact, markdown }, null, 2));
  } else {
    out(notes.markdown.trimEnd());
  }
  return EXIT.ok;
}
