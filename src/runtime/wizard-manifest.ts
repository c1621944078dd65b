import { parse } from "yaml";

/**
 * The manifest Probot's setup wizard posts to GitHub to register the App, from this package's app.yml.
 *
 * Probot's wizard (probot 14, lib/manifest-creation.js) reads `app.yml` and `package.json` from the current folder,
 * so run from an installed package (`npx gitops-release-bot-server` in a new folder) it registers an App with no
 * events and no permissions; and without a smee channel it registers the webhook URL `<base>/`, which answers 404.
 * Here the file is this package's own app.yml and the webhook URL is the route the server listens on.
 */
export function wizardManifest(appYml: string, baseUrl: string, env: NodeJS.ProcessEnv): string {
  const manifest = (parse(appYml) ?? {}) as Record<string, unknown>;
  const webhookPath = env.WEBHOOK_PATH || "/api/github/webhooks";
  const hookUrl = env.WEBHOOK_PROXY_URL || `${baseUrl.replace(/\/+$/, "")}${webhookPath}`;
  return JSON.stringify({
    version: "v1",
    redirect_url: `${baseUrl}/probot/setup`,
    ...manifest,
    // GitHub Enterprise/organisation-specific names stay Probot's: PROJECT_DOMAIN renames the App as Probot does.
    name: env.PROJECT_DOMAIN || manifest.name,
    public: manifest.public === true,
    hook_attributes: { ...(manifest.hook_attributes as object | undefined), url: hookUrl, active: true },
  });
}
