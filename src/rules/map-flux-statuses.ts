import { FLUX_DEFAULT_STATUS_FORMAT, type RolloutConfig } from "../config/sections/rollout.js";

/**
 * Which production Flux Kustomization a commit status reports, and what the rollout looks like from the statuses.
 *
 * Where the format comes from (fluxcd/notification-controller):
 * - `internal/server/provider_commit_status.go` `generateDefaultCommitStatus`: without `spec.commitStatusExpr`, the
 *   context is `strings.ToLower(kind + "/" + name + "/" + first "-"-separated block of the Provider's UID)`, e.g.
 *   `kustomization/gitops-system/0c9c2e41` (docs/spec/v1beta3/providers.md, "Custom Commit Status Messages"). The
 *   namespace is NOT part of it: two Kustomizations with the same name behind one Provider share one context.
 * - With `spec.commitStatusExpr` (notification-controller 1.6 / Flux 2.6; a CEL expression over `event`, `alert`,
 *   `provider`; `internal/server/event_handlers.go` `createCommitStatus`) the context is whatever the
 *   expression returns; `rollout.statusFormat` says how to read it back.
 * - `internal/notifier/github.go` `Post`: the state is `success` for info events and `failure` for error events
 *   (progressing events are skipped), the description is the event's reason split at camel case and lower-cased
 *   ("reconciliation succeeded", "health check failed"), and the status is posted on the commit of the revision the
 *   Kustomization applied (`<ref>@sha1:<sha>`).
 */

/** A Kustomization the promotion found, identified as the promotion PR names it. */
export interface KustomizationRef {
  name: string;
  namespace: string;
  /** `spec.kubeConfig.secretRef.name` (a remote cluster), or null (Flux's own cluster). */
  cluster: string | null;
}

/** A commit status as GitHub reports it (the combined status's entries, or a `status` event). */
export interface FluxStatus {
  context: string;
  state: "success" | "failure" | "error" | "pending";
  description: string | null;
  /** When GitHub recorded it (ISO time). */
  createdAt: string;
}

/** What the rollout knows about the Kustomizations: those it waits for and every other one it saw. */
export interface RolloutTargets {
  /** Production Kustomizations that change (the promotion's "What changes in production"): the ones waited for. */
  tracked: KustomizationRef[];
  /** Every other Kustomization the promotion read (other sources, unchanged ones): a name they share is ambiguous. */
  others: KustomizationRef[];
  /** False when some files that may hold Kustomizations were not read: a name is then never proven unique. */
  complete: boolean;
}

export type StatusAttribution =
  /** The status reports this tracked Kustomization; `exact`: by a configured id or a format that names it fully. */
  | { kind: "tracked"; kustomization: KustomizationRef; exact: boolean }
  /** Could be one of several Kustomizations (at least one tracked): counted for none of them. */
  | { kind: "ambiguous"; candidates: KustomizationRef[]; reason: string }
  /** Not a Kustomization status of this format, or about a Kustomization the rollout does not wait for. */
  | { kind: "other" };

type MappingConfig = Pick<RolloutConfig, "statusFormat" | "statuses">;

const PLACEHOLDERS = ["name", "namespace", "cluster", "provider"] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];

/** The format as a regular expression with one named group per placeholder (Kubernetes names never hold `/`). */
export function compileStatusFormat(format: string): { regex: RegExp; fields: Set<Placeholder> } {
  const fields = new Set<Placeholder>();
  let source = "";
  for (const part of format.split(/(\{[a-z]+\})/)) {
    const field = /^\{([a-z]+)\}$/.exec(part)?.[1] as Placeholder | undefined;
    if (field && PLACEHOLDERS.includes(field) && !fields.has(field)) {
      fields.add(field);
      source += `(?<${field}>[^/\\s]+)`;
    } else source += part.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return { regex: new RegExp(`^${source}$`, "i"), fields };
}

const same = (a: KustomizationRef, b: KustomizationRef) =>
  a.name === b.name && a.namespace === b.namespace && a.cluster === b.cluster;

/** Which Kustomization a status context reports: exact ids first, then the format; never a guess between several. */
export function attributeStatus(
  context: string,
  targets: RolloutTargets,
  config: MappingConfig,
): StatusAttribution {
  const lower = context.toLowerCase();
  // 1. A configured id names the Kustomization (and the cluster when two share a namespace and name).
  const listed = config.statuses.find((entry) => entry.context.toLowerCase() === lower);
  if (listed) {
    const [namespace, name] = listed.kustomization.split("/") as [string, string];
    const hits = targets.tracked.filter(
      (k) =>
        k.namespace === namespace &&
        k.name === name &&
        (listed.cluster === null || k.cluster === listed.cluster),
    );
    if (hits.length === 1) return { kind: "tracked", kustomization: hits[0]!, exact: true };
    if (hits.length > 1) {
      return {
        kind: "ambiguous",
        candidates: hits,
        reason: `\`${listed.kustomization}\` runs in several clusters: set \`cluster\` of this entry in \`rollout.statuses\``,
      };
    }
    return { kind: "other" };
  }
  // 2. The format: every field it names must match; the Kustomization must be the only one that fits.
  const { regex, fields } = compileStatusFormat(config.statusFormat);
  const match = regex.exec(context);
  if (!match?.groups) return { kind: "other" };
  const want = match.groups as Partial<Record<Placeholder, string>>;
  const fits = (k: KustomizationRef) =>
    k.name.toLowerCase() === want.name?.toLowerCase() &&
    (!fields.has("namespace") || k.namespace.toLowerCase() === want.namespace?.toLowerCase()) &&
    (!fields.has("cluster") || (k.cluster ?? "").toLowerCase() === want.cluster?.toLowerCase());
  const tracked = targets.tracked.filter(fits);
  if (!tracked.length) return { kind: "other" };
  const candidates = [
    ...tracked,
    ...targets.others.filter((k) => fits(k) && !tracked.some((t) => same(t, k))),
  ];
  if (candidates.length > 1) {
    return {
      kind: "ambiguous",
      candidates,
      reason: fields.has("namespace")
        ? "several Kustomizations in different clusters share this namespace and name: add `{cluster}` to the id"
        : "the id does not say the namespace and several Kustomizations share this name: configure ids (see `rollout`)",
    };
  }
  if (!fields.has("namespace") && !targets.complete) {
    return {
      kind: "ambiguous",
      candidates,
      reason:
        "the id does not say the namespace and not every file with Kustomizations was read, so the name is not proven unique: configure ids (see `rollout`)",
    };
  }
  return { kind: "tracked", kustomization: candidates[0]!, exact: fields.has("namespace") };
}

export type KustomizationState = "applied" | "failed" | "waiting";

export interface KustomizationRollout {
  kustomization: KustomizationRef;
  state: KustomizationState;
  /** When Flux reported the state (null while waiting). */
  at: string | null;
  /** Flux's description (its event reason) for a reported state. */
  message: string | null;
  context: string | null;
}

export type RolloutConclusion = "in_progress" | "success" | "failure" | "neutral";

export interface RolloutPlan {
  entries: KustomizationRollout[];
  /** Statuses that could be a tracked Kustomization's but are not counted (ambiguous ids). */
  unattributed: Array<{ context: string; state: FluxStatus["state"]; reason: string }>;
  conclusion: RolloutConclusion;
  /** The latest report counted (or the start), from which the timeout runs. */
  lastActivity: string;
}

export interface RolloutInput {
  targets: RolloutTargets;
  /** The latest status per context on the released commit (GitHub's combined status). */
  statuses: FluxStatus[];
  /** When the promotion was merged: statuses older than this are of an earlier rollout of the same commit. */
  since: string;
  now: number;
  timeoutMs: number;
  config: MappingConfig;
}

/**
 * Each tracked Kustomization applied, failed or waiting; the rollout fails when one failed, succeeds when all applied,
 * ends neutral when nothing was reported for `timeoutMs`, and is in progress otherwise.
 */
export function planRollout(input: RolloutInput): RolloutPlan {
  const since = Date.parse(input.since);
  const current = input.statuses.filter((status) => Date.parse(status.createdAt) >= since);
  const reports = new Map<KustomizationRef, FluxStatus>();
  const unattributed: RolloutPlan["unattributed"] = [];
  for (const status of current) {
    const attribution = attributeStatus(status.context, input.targets, input.config);
    if (attribution.kind === "ambiguous") {
      unattributed.push({ context: status.context, state: status.state, reason: attribution.reason });
    } else if (attribution.kind === "tracked") {
      const seen = reports.get(attribution.kustomization);
      // Two contexts for one Kustomization (an id changed meanwhile): the newest report wins.
      if (!seen || Date.parse(status.createdAt) > Date.parse(seen.createdAt))
        reports.set(attribution.kustomization, status);
    }
  }
  const entries = input.targets.tracked.map((kustomization): KustomizationRollout => {
    const status = reports.get(kustomization);
    if (!status) return { kustomization, state: "waiting", at: null, message: null, context: null };
    const state: KustomizationState =
      status.state === "success" ? "applied" : status.state === "pending" ? "waiting" : "failed";
    return {
      kustomization,
      state,
      at: status.createdAt,
      message: status.description,
      context: status.context,
    };
  });
  const times = [since, ...[...reports.values()].map((s) => Date.parse(s.createdAt))];
  const lastActivity = new Date(Math.max(...times)).toISOString();
  let conclusion: RolloutConclusion;
  if (entries.some((e) => e.state === "failed")) conclusion = "failure";
  else if (entries.every((e) => e.state === "applied")) conclusion = "success";
  else if (input.now - Date.parse(lastActivity) >= input.timeoutMs) conclusion = "neutral";
  else conclusion = "in_progress";
  return { entries, unattributed, conclusion, lastActivity };
}

/** True when the status's context can be a Kustomization status at all (cheap: no reads for other statuses). */
export function looksLikeFluxStatus(context: string, config: MappingConfig): boolean {
  const lower = context.toLowerCase();
  return (
    config.statuses.some((entry) => entry.context.toLowerCase() === lower) ||
    compileStatusFormat(config.statusFormat).regex.test(context)
  );
}

export { FLUX_DEFAULT_STATUS_FORMAT };
