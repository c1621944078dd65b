import type { ConditionalReader } from "./conditional-reads.js";
import type { Octokit } from "./types.js";

/** The App's endpoints: its installations and their repositories, and its webhook delivery log (app JWT). */

/** The App itself (app JWT), read conditionally: its id tells its check runs from other apps' runs of the same name. */
export async function getApp(
  reader: ConditionalReader,
  appOctokit: Octokit,
): Promise<{ id: number; slug: string | null }> {
  return reader.get(appOctokit, "GET /app", {}, (data) => {
    const app = data as { id: number; slug?: string };
    return { id: app.id, slug: app.slug ?? null };
  });
}

export interface InstallationInfo {
  id: number;
  account: string;
  suspended: boolean;
}

/** The repository as the sweep keeps it: what handlers read from a webhook's `repository`, nothing more. */
export interface InstallationRepository {
  id: number;
  node_id: string;
  name: string;
  full_name: string;
  private: boolean;
  owner: { login: string; id: number; type: string };
  html_url: string;
  url: string;
  default_branch: string;
  archived: boolean;
  disabled: boolean;
}

interface InstallationLike {
  id: number;
  account?: { login?: string; slug?: string; name?: string } | null;
  suspended_at?: string | null;
}

/** Every installation of the App (app JWT), 100 a page, conditionally. */
export async function listInstallations(
  reader: ConditionalReader,
  appOctokit: Octokit,
): Promise<InstallationInfo[]> {
  return reader.all(appOctokit, "GET /app/installations", { per_page: 100 }, (data) =>
    (data as InstallationLike[]).map((installation) => ({
      id: installation.id,
      account: installation.account?.login ?? installation.account?.slug ?? installation.account?.name ?? "",
      suspended: Boolean(installation.suspended_at),
    })),
  );
}

/** A repository as GitHub lists it: the fields the sweep keeps, some optional in the answer. */
type RepositoryLike = Omit<InstallationRepository, "default_branch" | "archived" | "disabled"> &
  Partial<Pick<InstallationRepository, "default_branch" | "archived" | "disabled">>;

/** Every repository the installation can access (installation token), 100 a page, conditionally. */
export async function listInstallationRepositories(
  reader: ConditionalReader,
  octokit: Octokit,
): Promise<InstallationRepository[]> {
  return reader.all(octokit, "GET /installation/repositories", { per_page: 100 }, (data) =>
    (data as { repositories: RepositoryLike[] }).repositories.map((r) => ({
      id: r.id,
      node_id: r.node_id,
      name: r.name,
      full_name: r.full_name,
      private: r.private,
      owner: { login: r.owner.login, id: r.owner.id, type: r.owner.type },
      html_url: r.html_url,
      url: r.url,
      default_branch: r.default_branch ?? "main",
      archived: Boolean(r.archived),
      disabled: Boolean(r.disabled),
    })),
  );
}

/** One attempt in the App's webhook delivery log (GitHub's `hook-delivery-item`). */
export interface HookDelivery {
  id: number;
  guid: string;
  deliveredAt: string;
  redelivery: boolean;
  statusCode: number;
  event: string;
  action: string | null;
}

interface HookDeliveryLike {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  status_code: number;
  event: string;
  action: string | null;
}

/**
 * The App's delivery log, newest first (100 a page, conditionally), until a page reaches `until` (an attempt older
 * than the age bound, or one already seen by an earlier sweep).
 */
export async function listHookDeliveries(
  reader: ConditionalReader,
  appOctokit: Octokit,
  until: (delivery: HookDelivery) => boolean,
): Promise<HookDelivery[]> {
  return reader.all(
    appOctokit,
    "GET /app/hook/deliveries",
    { per_page: 100 },
    (data) =>
      (data as HookDeliveryLike[]).map((d) => ({
        id: d.id,
        guid: d.guid,
        deliveredAt: d.delivered_at,
        redelivery: d.redelivery,
        statusCode: d.status_code,
        event: d.event,
        action: d.action,
      })),
    (page) => page.some(until),
  );
}

/** Asks GitHub to send a delivery again (same GUID and payload); GitHub answers 202 and sends it shortly after. */
export async function redeliverHookDelivery(appOctokit: Octokit, deliveryId: number): Promise<void> {
  await appOctokit.request("POST /app/hook/deliveries/{delivery_id}/attempts", { delivery_id: deliveryId });
}

/**
 * Asks GitHub for the App itself with the App's JWT, unconditionally and without retries: an answer proves GitHub
 * accepts the JWT (readiness). Throws what GitHub answered otherwise.
 */
export async function verifyAppCredentials(appOctokit: Octokit, timeoutMs: number): Promise<void> {
  await appOctokit.request("GET /app", {
    request: { retries: 0, signal: AbortSignal.timeout(timeoutMs) },
  });
}
