import type { ApplicationFunction } from "probot";
import { FEATURES, type FeatureName } from "./features.js";
import type { JobQueue } from "./runtime/job-queue.js";
import { startRuntime, type Runtime } from "./runtime/start-runtime.js";
import { checkStartupEnvironment } from "./runtime/startup-checks.js";

export { FEATURES, type FeatureName } from "./features.js";

export interface AppOptions {
  /** Load only these features (tests); default: all. */
  features?: FeatureName[];
  /** Use this queue instead of the one the environment selects (tests). */
  queue?: JobQueue;
  env?: NodeJS.ProcessEnv;
  /** Handle SIGTERM by draining the queue and exiting (the `probot run` default). */
  handleSignals?: boolean;
  /** Keep the identity lock already configured instead of choosing one from the environment (tests). */
  keepLocks?: boolean;
  onRuntime?: (runtime: Runtime) => void;
  /** Run the reconciliation sweeps (the `probot run` default; tests of single features leave them off). */
  reconcile?: boolean;
}

/** gitops-release-bot: every feature runs from the queue; the webhook only stores the delivery (see runtime/). */
export function createGitopsReleaseBot(options: AppOptions = {}): ApplicationFunction {
  return (app, loadOptions) => {
    const features = options.features
      ? Object.fromEntries(options.features.map((name) => [name, FEATURES[name]]))
      : FEATURES;
    const runtime = startRuntime(app, {
      features,
      ...(options.queue ? { queue: options.queue } : {}),
      ...(options.env ? { env: options.env } : {}),
      ...(options.keepLocks ? { keepLocks: true } : {}),
      ...(loadOptions?.addHandler ? { addHandler: loadOptions.addHandler } : {}),
      handleSignals: options.handleSignals ?? false,
      reconcile: options.reconcile ?? false,
    });
    options.onRuntime?.(runtime);
  };
}

const productionApp = createGitopsReleaseBot({ handleSignals: true, reconcile: true });

/**
 * The App as `probot run lib/index.js` and the server entry (lib/server.js) load it. Under a bare `probot run` this is
 * the first code of ours that runs: an unsafe environment (no WEBHOOK_SECRET in production…) stops here, exit 1.
 */
const app: ApplicationFunction = (probot, loadOptions) => {
  const { problems } = checkStartupEnvironment(process.env);
  if (problems.length) {
    console.error(`gitops-release-bot cannot start:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    process.exit(1);
  }
  return productionApp(probot, loadOptions);
};
export default app;
