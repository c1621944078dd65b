import { z } from "zod";

/** Flux's default commit status id: `kustomization/<name>/<first block of the Provider's UID>`. */
export const FLUX_DEFAULT_STATUS_FORMAT = "kustomization/{name}/{provider}";

const exactStatusSchema = z
  .strictObject({
    context: z
      .string()
      .min(1)
      .describe("The commit status context exactly as Flux posts it, e.g. `kustomization/common/0c9c2e41`."),
    kustomization: z
      .string()
      .regex(
        /^[^/\s]+\/[^/\s]+$/,
        "write the Kustomization as `namespace/name`, e.g. `prod-eu-west-1/common`",
      )
      .describe("The production Kustomization this context reports, as `namespace/name`."),
    cluster: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe(
        "The kubeconfig secret (`spec.kubeConfig.secretRef.name`) of the Kustomization, when two production Kustomizations share a namespace and name. `null`: any.",
      ),
  })
  .describe("One commit status context and the production Kustomization it reports (an exact id).");

export const rolloutSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        "Track production rollouts from the commit statuses Flux's notification-controller posts (a `github` Provider and an Alert on Kustomizations): a **Rollout** section in the release and a **Rollout** check on the merged promotion PR's commit.",
      ),
    timeoutMinutes: z
      .number()
      .int()
      .min(5)
      .max(7 * 24 * 60)
      .default(60)
      .describe(
        "Minutes without a report from Flux after which the **Rollout** check ends neutral (with a pointer to setting up the Provider). Enforced by the reconciliation sweep, so it survives restarts; it ends at most one sweep interval later.",
      ),
    statusFormat: z
      .string()
      .min(1)
      .default(FLUX_DEFAULT_STATUS_FORMAT)
      .refine((format) => format.includes("{name}"), "the format must contain `{name}`")
      .describe(
        "How Flux names its commit statuses. The default is Flux's own id (`kustomization/<name>/<provider UID prefix>`), which does not say the namespace: a name that two Kustomizations share is then never counted as applied. With a Provider `spec.commitStatusExpr` that adds the namespace (see the README), set e.g. `kustomization/{namespace}/{name}/{provider}`. Placeholders: `{name}`, `{namespace}`, `{cluster}` (kubeconfig secret name), `{provider}`; other text must match exactly (case-insensitive, as Flux lower-cases its ids).",
      ),
    statuses: z
      .array(exactStatusSchema)
      .default([])
      .describe(
        "Exact ids: commit status contexts and the production Kustomization each reports. Listed contexts are matched before `statusFormat`.",
      ),
  })
  .describe("Rollout tracking from Flux's own commit statuses.");

export type RolloutConfig = z.infer<typeof rolloutSchema>;
