import type { Probot, ProbotOctokit } from "probot";
import type { WritePacing } from "./write-pacing.js";

type Octokit = ProbotOctokit;

interface FactoryArguments {
  octokit: Octokit;
  octokitOptions: {
    throttle?: { enabled?: boolean };
    retry?: { enabled?: boolean };
    auth?: Record<string, unknown>;
  } & Record<string, unknown>;
  [other: string]: unknown;
}

/**
 * The client of one installation, built like Probot's `app.auth(installationId)` (probot 14,
 * octokit/get-authenticated-octokit.js) with the pacing's throttle options instead of Probot's: same Octokit class and
 * plugins (retries, pagination, config), same token cache (`auth.cache`), same base URL (`GHE_HOST`). An app whose
 * Octokit has throttling disabled (tests) keeps it disabled. Without an installation: the app's own client (JWT).
 */
export async function installationOctokit(
  app: Probot,
  installationId: number | undefined,
  pacing: WritePacing,
  /** The logger of the work this client is for (its request lines carry the delivery's fields). */
  log: Probot["log"] | null = app.log,
): Promise<Octokit> {
  const appOctokit = await app.auth();
  if (!installationId) return appOctokit;
  const client = await appOctokit.auth({
    type: "installation",
    installationId,
    factory: ({ octokit, octokitOptions, ...otherOptions }: FactoryArguments) => {
      const Octokit = octokit.constructor as new (options: Record<string, unknown>) => Octokit;
      // Probot's own rule: throttling only when the app's Octokit has it enabled.
      const throttled = octokitOptions.throttle?.enabled === true;
      const retrying = octokitOptions.retry?.enabled !== false;
      return new Octokit({
        ...octokitOptions,
        // A bare Probot (tests, benches) has no logger of its own: its clients keep Octokit's.
        log: log ? log.child({ name: "github" }) : octokitOptions.log,
        throttle: throttled ? pacing.throttleFor(installationId) : { enabled: false },
        ...(retrying ? { retry: { ...octokitOptions.retry, ...pacing.retryOptions() } } : {}),
        auth: { ...octokitOptions.auth, otherOptions, installationId },
      });
    },
  });
  return client as Octokit;
}
