// @ts-check
// GitHub-shaped JSON for the fake's state. Where a recorded webhook example has the object (repository, user, pull
// request, release), that example is the template, so every field GitHub sends exists with the right type; the
// fields the fake knows are then filled in with its real data.
import { createHash } from "node:crypto";
import { examplePayload } from "./webhook-examples.js";

const pullExample = examplePayload("pull_request", "opened");
const pushExample = examplePayload("push");
const releaseExample = examplePayload("release", "published");
const issueExample = examplePayload("issues", "opened");

/** GitHub's reaction counts of an issue or comment (none: the fake has no reactions). @param {string} url */
function reactionsJson(url) {
  /** @type {Record<string, any>} */
  const template = structuredClone(issueExample.issue.reactions);
  for (const key of Object.keys(template)) if (typeof template[key] === "number") template[key] = 0;
  return { ...template, url };
}

/** A stable numeric id for a name (logins, repositories), so payloads and API answers agree. */
export function idOf(/** @type {string} */ name) {
  return Number.parseInt(createHash("sha256").update(name).digest("hex").slice(0, 8), 16);
}

/** @param {string} text */
export function nodeId(text) {
  return Buffer.from(text).toString("base64").replace(/=+$/, "");
}

/**
 * URLs of a fake: `api` (what octokit calls, e.g. http://127.0.0.1:PORT/api/v3) and `web` (html_url base).
 * @typedef {{ api: string; web: string }} Urls
 */

/**
 * A user or bot account, shaped like GitHub's: a `login` ending in `[bot]` makes a Bot (node id `03:Bot…`, its
 * `html_url` the app's page), and the login is percent-encoded in URLs (`gitops-release-bot%5Bbot%5D`), as GitHub does.
 * @param {Urls} urls @param {string} login
 */
export function userJson(urls, login) {
  const id = idOf(login);
  const bot = login.endsWith("[bot]");
  const self = `${urls.api}/users/${encodeURIComponent(login)}`;
  /** @type {Record<string, any>} */
  const user = structuredClone(pullExample.sender);
  return {
    ...user,
    login,
    id,
    node_id: nodeId(bot ? `03:Bot${id}` : `04:User${id}`),
    avatar_url: `${urls.web}/avatars/u/${id}?v=4`,
    gravatar_id: "",
    url: self,
    html_url: bot ? `${urls.web}/apps/${login.slice(0, -"[bot]".length)}` : `${urls.web}/${login}`,
    followers_url: `${self}/followers`,
    following_url: `${self}/following{/other_user}`,
    gists_url: `${self}/gists{/gist_id}`,
    starred_url: `${self}/starred{/owner}{/repo}`,
    subscriptions_url: `${self}/subscriptions`,
    organizations_url: `${self}/orgs`,
    repos_url: `${self}/repos`,
    events_url: `${self}/events{/privacy}`,
    received_events_url: `${self}/received_events`,
    type: bot ? "Bot" : "User",
    site_admin: false,
  };
}

/**
 * @typedef {{ owner: string; name: string; defaultBranch: string; allow_squash_merge: boolean;
 *   allow_merge_commit: boolean; allow_rebase_merge: boolean; squash_merge_commit_title: string;
 *   squash_merge_commit_message: string; merge_commit_title: string; merge_commit_message: string;
 *   delete_branch_on_merge: boolean }} RepoSettings
 */

/**
 * The repository as GET /repos/{owner}/{repo} and webhooks show it. `forPush` uses the push payload's variant
 * (owner has `name`/`email`, timestamps are numbers).
 * @param {Urls} urls @param {RepoSettings} repo @param {{ forPush?: boolean; openIssues?: number }} [options]
 */
export function repositoryJson(urls, repo, options = {}) {
  const fullName = `${repo.owner}/${repo.name}`;
  const api = `${urls.api}/repos/${fullName}`;
  /** @type {Record<string, any>} */
  const template = structuredClone(options.forPush ? pushExample.repository : pullExample.repository);
  const json = /** @type {Record<string, any>} */ ({ ...template });
  for (const [key, value] of Object.entries(template)) {
    if (typeof value === "string" && value.startsWith("https://api.github.com/repos/")) {
      json[key] = value.replace(/^https:\/\/api\.github\.com\/repos\/[^/]+\/[^/{]+/, api);
    }
  }
  const owner = userJson(urls, repo.owner);
  Object.assign(json, {
    id: idOf(fullName),
    node_id: nodeId(`010:Repository${idOf(fullName)}`),
    name: repo.name,
    full_name: fullName,
    private: false,
    owner: options.forPush ? { ...owner, name: repo.owner, email: null } : owner,
    html_url: `${urls.web}/${fullName}`,
    description: "GitOps platform configuration (fixture: k8s-gitops-at-scale)",
    url: options.forPush ? `${urls.web}/${fullName}` : api,
    git_url: `git://fake/${fullName}.git`,
    ssh_url: `git@fake:${fullName}.git`,
    clone_url: `${urls.web}/${fullName}.git`,
    svn_url: `${urls.web}/${fullName}`,
    homepage: null,
    default_branch: repo.defaultBranch,
    open_issues_count: options.openIssues ?? 0,
    open_issues: options.openIssues ?? 0,
  });
  if (options.forPush) json.master_branch = repo.defaultBranch;
  return json;
}

/** GET /repos/{owner}/{repo}: the repository with its merge settings and the caller's permissions. */
export function fullRepositoryJson(/** @type {Urls} */ urls, /** @type {RepoSettings} */ repo) {
  return {
    ...repositoryJson(urls, repo),
    allow_squash_merge: repo.allow_squash_merge,
    allow_merge_commit: repo.allow_merge_commit,
    allow_rebase_merge: repo.allow_rebase_merge,
    allow_auto_merge: false,
    delete_branch_on_merge: repo.delete_branch_on_merge,
    allow_update_branch: false,
    use_squash_pr_title_as_default: repo.squash_merge_commit_title === "PR_TITLE",
    squash_merge_commit_title: repo.squash_merge_commit_title,
    squash_merge_commit_message: repo.squash_merge_commit_message,
    merge_commit_title: repo.merge_commit_title,
    merge_commit_message: repo.merge_commit_message,
    permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
    visibility: "public",
    has_discussions: false,
    network_count: 0,
    subscribers_count: 0,
  };
}

/**
 * @typedef {{ number: number; id: number; title: string; body: string | null; state: "open" | "closed";
 *   draft: boolean; user: string; head: string; base: string; headSha: string; baseSha: string;
 *   labels: string[]; requestedReviewers: string[]; merged: boolean; mergedAt: string | null;
 *   mergedBy: string | null; mergeCommitSha: string | null; createdAt: string; updatedAt: string;
 *   closedAt: string | null; seeded?: boolean }} PullState
 */

/**
 * A pull request as the REST API and `pull_request` webhooks show it.
 * @param {Urls} urls @param {RepoSettings} repo @param {PullState} pr
 * @param {{ commits?: number; additions?: number; deletions?: number; changed_files?: number }} [stats]
 */
export function pullJson(urls, repo, pr, stats = {}) {
  const fullName = `${repo.owner}/${repo.name}`;
  const api = `${urls.api}/repos/${fullName}`;
  const html = `${urls.web}/${fullName}/pull/${pr.number}`;
  const repository = repositoryJson(urls, repo);
  /** @type {Record<string, any>} */
  const template = structuredClone(pullExample.pull_request);
  const side = (/** @type {string} */ ref, /** @type {string} */ sha) => ({
    label: `${repo.owner}:${ref}`,
    ref,
    sha,
    user: userJson(urls, repo.owner),
    repo: repository,
  });
  return {
    ...template,
    url: `${api}/pulls/${pr.number}`,
    id: pr.id,
    node_id: nodeId(`011:PullRequest${pr.id}`),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${api}/issues/${pr.number}`,
    number: pr.number,
    state: pr.state,
    locked: false,
    title: pr.title,
    user: userJson(urls, pr.user),
    body: pr.body,
    created_at: pr.createdAt,
    updated_at: pr.updatedAt,
    closed_at: pr.closedAt,
    merged_at: pr.mergedAt,
    merge_commit_sha: pr.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: pr.requestedReviewers.map((login) => userJson(urls, login)),
    requested_teams: [],
    labels: pr.labels.map((name) => labelJson(urls, repo, name)),
    milestone: null,
    commits_url: `${api}/pulls/${pr.number}/commits`,
    review_comments_url: `${api}/pulls/${pr.number}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${pr.number}/comments`,
    statuses_url: `${api}/statuses/${pr.headSha}`,
    head: side(pr.head, pr.headSha),
    base: side(pr.base, pr.baseSha),
    _links: {
      self: { href: `${api}/pulls/${pr.number}` },
      html: { href: html },
      issue: { href: `${api}/issues/${pr.number}` },
      comments: { href: `${api}/issues/${pr.number}/comments` },
      review_comments: { href: `${api}/pulls/${pr.number}/comments` },
      review_comment: { href: `${api}/pulls/comments{/number}` },
      commits: { href: `${api}/pulls/${pr.number}/commits` },
      statuses: { href: `${api}/statuses/${pr.headSha}` },
    },
    author_association: pr.user === repo.owner ? "OWNER" : "CONTRIBUTOR",
    auto_merge: null,
    active_lock_reason: null,
    draft: pr.draft,
    merged: pr.merged,
    mergeable: pr.state === "open" ? true : null,
    rebaseable: pr.state === "open" ? true : null,
    mergeable_state: pr.state === "open" ? "clean" : "unknown",
    merged_by: pr.mergedBy ? userJson(urls, pr.mergedBy) : null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: stats.commits ?? 0,
    additions: stats.additions ?? 0,
    deletions: stats.deletions ?? 0,
    changed_files: stats.changed_files ?? 0,
  };
}

/**
 * A label. GitHub's description of pull requests types `description` as a string, so a label without one shows "".
 * @param {Urls} urls @param {RepoSettings} repo @param {string} name @param {string} [description]
 */
export function labelJson(urls, repo, name, description = "") {
  const id = idOf(`label:${name}`);
  return {
    id,
    node_id: nodeId(`05:Label${id}`),
    url: `${urls.api}/repos/${repo.owner}/${repo.name}/labels/${encodeURIComponent(name)}`,
    name,
    color: "ededed",
    default: false,
    description,
  };
}

/**
 * @typedef {{ id: number; tagName: string; target: string; name: string | null; body: string | null;
 *   draft: boolean; prerelease: boolean; makeLatest?: string; author: string; createdAt: string;
 *   publishedAt: string | null }} ReleaseState
 */

/** @param {Urls} urls @param {RepoSettings} repo @param {ReleaseState} release */
export function releaseJson(urls, repo, release) {
  const fullName = `${repo.owner}/${repo.name}`;
  const api = `${urls.api}/repos/${fullName}/releases/${release.id}`;
  const tagPath = encodeURIComponent(release.tagName);
  /** @type {Record<string, any>} */
  const template = structuredClone(releaseExample.release);
  return {
    ...template,
    url: api,
    assets_url: `${api}/assets`,
    upload_url: `${urls.web}/uploads/repos/${fullName}/releases/${release.id}/assets{?name,label}`,
    html_url: release.draft
      ? `${urls.web}/${fullName}/releases/tag/untagged-${release.id}`
      : `${urls.web}/${fullName}/releases/tag/${tagPath}`,
    id: release.id,
    node_id: nodeId(`07:Release${release.id}`),
    tag_name: release.tagName,
    target_commitish: release.target,
    name: release.name,
    draft: release.draft,
    author: userJson(urls, release.author),
    prerelease: release.prerelease,
    created_at: release.createdAt,
    published_at: release.publishedAt,
    assets: [],
    tarball_url: release.draft ? null : `${urls.api}/repos/${fullName}/tarball/${tagPath}`,
    zipball_url: release.draft ? null : `${urls.api}/repos/${fullName}/zipball/${tagPath}`,
    body: release.body,
  };
}

/**
 * @typedef {{ number: number; id: number; title: string; body: string | null; state: "open" | "closed";
 *   stateReason: string | null; user: string; labels: string[]; assignees: string[];
 *   comments: Array<{ id: number; body: string; user: string; createdAt: string }>; createdAt: string;
 *   updatedAt: string; closedAt: string | null }} IssueState
 */

/** @param {Urls} urls @param {RepoSettings} repo @param {IssueState} issue */
export function issueJson(urls, repo, issue) {
  const api = `${urls.api}/repos/${repo.owner}/${repo.name}/issues/${issue.number}`;
  return {
    id: issue.id,
    node_id: nodeId(`05:Issue${issue.id}`),
    url: api,
    repository_url: `${urls.api}/repos/${repo.owner}/${repo.name}`,
    labels_url: `${api}/labels{/name}`,
    comments_url: `${api}/comments`,
    events_url: `${api}/events`,
    html_url: `${urls.web}/${repo.owner}/${repo.name}/issues/${issue.number}`,
    number: issue.number,
    state: issue.state,
    state_reason: issue.stateReason,
    title: issue.title,
    body: issue.body,
    user: userJson(urls, issue.user),
    labels: issue.labels.map((name) => labelJson(urls, repo, name)),
    assignee: issue.assignees[0] ? userJson(urls, issue.assignees[0]) : null,
    assignees: issue.assignees.map((login) => userJson(urls, login)),
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: issue.comments.length,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    author_association: issue.user === repo.owner ? "OWNER" : "NONE",
    reactions: reactionsJson(`${api}/reactions`),
  };
}

/** @param {Urls} urls @param {RepoSettings} repo @param {number} number @param {IssueState["comments"][number]} comment */
export function issueCommentJson(urls, repo, number, comment) {
  const api = `${urls.api}/repos/${repo.owner}/${repo.name}/issues`;
  return {
    id: comment.id,
    node_id: nodeId(`012:IssueComment${comment.id}`),
    url: `${api}/comments/${comment.id}`,
    html_url: `${urls.web}/${repo.owner}/${repo.name}/issues/${number}#issuecomment-${comment.id}`,
    issue_url: `${api}/${number}`,
    body: comment.body,
    user: userJson(urls, comment.user),
    created_at: comment.createdAt,
    updated_at: comment.createdAt,
    author_association: "NONE",
    reactions: reactionsJson(`${api}/comments/${comment.id}/reactions`),
  };
}

/** What the app asks for in app.yml (`default_permissions`, `default_events`). */
export const APP_PERMISSIONS = {
  checks: "write",
  contents: "write",
  issues: "write",
  pull_requests: "write",
  metadata: "read",
};
export const APP_EVENTS = [
  "check_run",
  "check_suite",
  "issue_comment",
  "merge_group",
  "pull_request",
  "push",
  "release",
];
const APP_CREATED_AT = "2024-01-01T00:00:00Z";

/**
 * The GitHub App, as GET /app and a check run's `app` show it (owned by the repository's owner).
 * @param {Urls} urls @param {string} owner @param {{ id: number; slug: string }} app
 */
export function appJson(urls, owner, app) {
  return {
    id: app.id,
    slug: app.slug,
    node_id: nodeId(`03:App${app.id}`),
    client_id: `Iv1.${app.id.toString(16).padStart(16, "0")}`,
    owner: userJson(urls, owner),
    name: app.slug,
    description: "",
    external_url: urls.web,
    html_url: `${urls.web}/apps/${app.slug}`,
    created_at: APP_CREATED_AT,
    updated_at: APP_CREATED_AT,
    permissions: { ...APP_PERMISSIONS },
    events: [...APP_EVENTS],
  };
}

/**
 * The app's installation on the owner's account, as GET /repos/{o}/{r}/installation shows it.
 * @param {Urls} urls @param {string} owner @param {{ id: number; slug: string; installationId: number }} app
 */
export function installationJson(urls, owner, app) {
  const account = userJson(urls, owner);
  return {
    id: app.installationId,
    account,
    repository_selection: "all",
    access_tokens_url: `${urls.api}/app/installations/${app.installationId}/access_tokens`,
    repositories_url: `${urls.api}/installation/repositories`,
    html_url: `${urls.web}/settings/installations/${app.installationId}`,
    app_id: app.id,
    app_slug: app.slug,
    target_id: account.id,
    target_type: account.type,
    permissions: { ...APP_PERMISSIONS },
    events: [...APP_EVENTS],
    created_at: APP_CREATED_AT,
    updated_at: APP_CREATED_AT,
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: null,
    suspended_at: null,
  };
}

/**
 * @typedef {{ path: string; start_line: number; end_line: number; start_column?: number; end_column?: number;
 *   annotation_level: string; message: string; title?: string; raw_details?: string }} Annotation
 * @typedef {{ id: number; name: string; headSha: string; status: string; conclusion: string | null;
 *   externalId: string | null; detailsUrl: string | null; startedAt: string; completedAt: string | null;
 *   output: { title: string | null; summary: string | null; text: string | null }; annotations: Annotation[];
 *   appId: number; appSlug: string }} CheckRunState
 */

/**
 * @param {Urls} urls @param {RepoSettings} repo @param {CheckRunState} run
 * @param {Array<Record<string, any>>} pullRequests minimal PR objects of open PRs whose head is the run's SHA
 */
export function checkRunJson(urls, repo, run, pullRequests) {
  const api = `${urls.api}/repos/${repo.owner}/${repo.name}/check-runs/${run.id}`;
  return {
    id: run.id,
    head_sha: run.headSha,
    node_id: nodeId(`08:CheckRun${run.id}`),
    external_id: run.externalId,
    url: api,
    html_url: `${urls.web}/${repo.owner}/${repo.name}/runs/${run.id}`,
    details_url: run.detailsUrl,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.startedAt,
    completed_at: run.completedAt,
    output: {
      title: run.output.title,
      summary: run.output.summary,
      text: run.output.text,
      annotations_count: run.annotations.length,
      annotations_url: `${api}/annotations`,
    },
    name: run.name,
    check_suite: { id: idOf(`suite:${run.headSha}:${run.appId}`) },
    app: appJson(urls, repo.owner, { id: run.appId, slug: run.appSlug }),
    pull_requests: pullRequests,
  };
}

/**
 * The GitHub account of a commit's author or committer, as GitHub links it by e-mail: the fake's people
 * (`login@users.noreply.fake`, see `FakeGitHub.person`), and `web-flow` for what GitHub commits itself (merges);
 * null for an e-mail no account has, as on GitHub.
 * @param {Urls} urls @param {import("./git-store.js").GitPerson} person
 */
function accountOf(urls, person) {
  if (person.email === "noreply@github.com") return userJson(urls, "web-flow");
  return person.email.endsWith("@users.noreply.fake") ? userJson(urls, person.name) : null;
}

/**
 * A commit as GET /repos/{o}/{r}/commits/{ref} and compare show it.
 * @param {Urls} urls @param {RepoSettings} repo @param {import("./git-store.js").GitCommit} commit
 * @param {import("./git-store.js").GitFileChange[]} [files]
 */
export function commitJson(urls, repo, commit, files) {
  const api = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  const person = (/** @type {import("./git-store.js").GitPerson} */ p) => ({
    name: p.name,
    email: p.email,
    date: new Date(p.date).toISOString().replace(/\.\d{3}Z$/, "Z"),
  });
  return {
    sha: commit.sha,
    node_id: nodeId(`06:Commit${commit.sha}`),
    commit: {
      author: person(commit.author),
      committer: person(commit.committer),
      message: commit.message,
      tree: { sha: commit.tree, url: `${api}/git/trees/${commit.tree}` },
      url: `${api}/git/commits/${commit.sha}`,
      comment_count: 0,
      verification: {
        verified: false,
        reason: "unsigned",
        signature: null,
        payload: null,
        verified_at: null,
      },
    },
    url: `${api}/commits/${commit.sha}`,
    html_url: `${urls.web}/${repo.owner}/${repo.name}/commit/${commit.sha}`,
    comments_url: `${api}/commits/${commit.sha}/comments`,
    author: accountOf(urls, commit.author),
    committer: accountOf(urls, commit.committer),
    parents: commit.parents.map((sha) => ({
      sha,
      url: `${api}/commits/${sha}`,
      html_url: `${urls.web}/${repo.owner}/${repo.name}/commit/${sha}`,
    })),
    ...(files
      ? {
          stats: {
            total: files.reduce((n, f) => n + f.changes, 0),
            additions: files.reduce((n, f) => n + f.additions, 0),
            deletions: files.reduce((n, f) => n + f.deletions, 0),
          },
          files: files.map((f) => fileJson(urls, repo, commit.sha, f)),
        }
      : {}),
  };
}

/**
 * A changed file as PR files, compare and commits list it.
 * @param {Urls} urls @param {RepoSettings} repo @param {string} ref @param {import("./git-store.js").GitFileChange} file
 */
export function fileJson(urls, repo, ref, file) {
  const path = file.filename.split("/").map(encodeURIComponent).join("/");
  return {
    sha: file.sha,
    filename: file.filename,
    status: file.status,
    additions: file.additions,
    deletions: file.deletions,
    changes: file.changes,
    blob_url: `${urls.web}/${repo.owner}/${repo.name}/blob/${ref}/${path}`,
    raw_url: `${urls.web}/${repo.owner}/${repo.name}/raw/${ref}/${path}`,
    contents_url: `${urls.api}/repos/${repo.owner}/${repo.name}/contents/${path}?ref=${ref}`,
    ...(file.patch !== undefined ? { patch: file.patch } : {}),
    ...(file.previous_filename ? { previous_filename: file.previous_filename } : {}),
  };
}
