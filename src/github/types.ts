import type { ProbotOctokit } from "probot";

/** The authenticated client Probot gives each event. */
export type Octokit = InstanceType<typeof ProbotOctokit>;

/** Owner and name of a repository, as `context.repo()` returns them. */
export interface RepoRef {
  owner: string;
  repo: string;
}

/** GitHub's answer status of a failed request, for the "not found" and "conflict" cases handled as data. */
export const statusOf = (error: unknown): number | undefined => (error as { status?: number }).status;
