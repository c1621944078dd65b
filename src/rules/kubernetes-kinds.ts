/** Whether objects of a kind live in a namespace. */
export type KindScope = "namespaced" | "cluster";

/** Kubernetes' built-in cluster-scoped kinds (`kubectl api-resources --namespaced=false`), by API group. */
const BUILT_IN_CLUSTER_SCOPED: Record<string, string[]> = {
  "": ["Namespace", "Node", "PersistentVolume", "ComponentStatus"],
  "rbac.authorization.k8s.io": ["ClusterRole", "ClusterRoleBinding"],
  "apiextensions.k8s.io": ["CustomResourceDefinition"],
  "apiregistration.k8s.io": ["APIService"],
  "admissionregistration.k8s.io": [
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
  ],
  "networking.k8s.io": ["IngressClass", "IPAddress", "ServiceCIDR"],
  "scheduling.k8s.io": ["PriorityClass"],
  "storage.k8s.io": ["StorageClass", "CSIDriver", "CSINode", "VolumeAttachment", "VolumeAttributesClass"],
  "node.k8s.io": ["RuntimeClass"],
  "certificates.k8s.io": ["CertificateSigningRequest", "ClusterTrustBundle"],
  "flowcontrol.apiserver.k8s.io": ["FlowSchema", "PriorityLevelConfiguration"],
  "authentication.k8s.io": ["TokenReview", "SelfSubjectReview"],
  "authorization.k8s.io": ["SubjectAccessReview", "SelfSubjectAccessReview", "SelfSubjectRulesReview"],
  "resource.k8s.io": ["DeviceClass", "ResourceSlice"],
  policy: ["PodSecurityPolicy"],
};

/** Built-in namespaced kinds, and those of Flux CD and Cluster API, which platform repositories use without CRDs. */
const KNOWN_NAMESPACED: Record<string, string[]> = {
  "": [
    "Pod",
    "Service",
    "ConfigMap",
    "Secret",
    "ServiceAccount",
    "Endpoints",
    "Event",
    "LimitRange",
    "ResourceQuota",
    "PersistentVolumeClaim",
    "ReplicationController",
    "PodTemplate",
    "Binding",
  ],
  apps: ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ControllerRevision"],
  batch: ["Job", "CronJob"],
  autoscaling: ["HorizontalPodAutoscaler"],
  policy: ["PodDisruptionBudget"],
  "rbac.authorization.k8s.io": ["Role", "RoleBinding"],
  "networking.k8s.io": ["NetworkPolicy", "Ingress"],
  "discovery.k8s.io": ["EndpointSlice"],
  "events.k8s.io": ["Event"],
  "coordination.k8s.io": ["Lease"],
  "storage.k8s.io": ["CSIStorageCapacity"],
  "authorization.k8s.io": ["LocalSubjectAccessReview"],
  "resource.k8s.io": ["ResourceClaim", "ResourceClaimTemplate"],
  "source.toolkit.fluxcd.io": ["GitRepository", "HelmRepository", "HelmChart", "OCIRepository", "Bucket"],
  "kustomize.toolkit.fluxcd.io": ["Kustomization"],
  "helm.toolkit.fluxcd.io": ["HelmRelease"],
  "notification.toolkit.fluxcd.io": ["Alert", "Provider", "Receiver"],
  "image.toolkit.fluxcd.io": ["ImageRepository", "ImagePolicy", "ImageUpdateAutomation"],
  "cluster.x-k8s.io": [
    "Cluster",
    "ClusterClass",
    "Machine",
    "MachineSet",
    "MachineDeployment",
    "MachineHealthCheck",
    "MachinePool",
  ],
  "addons.cluster.x-k8s.io": ["ClusterResourceSet", "ClusterResourceSetBinding"],
  "controlplane.cluster.x-k8s.io": [
    "KubeadmControlPlane",
    "KubeadmControlPlaneTemplate",
    "AWSManagedControlPlane",
  ],
  "bootstrap.cluster.x-k8s.io": ["KubeadmConfig", "KubeadmConfigTemplate"],
  "infrastructure.cluster.x-k8s.io": [
    "AWSCluster",
    "AWSClusterTemplate",
    "AWSMachine",
    "AWSMachineTemplate",
    "AWSMachinePool",
    "AWSManagedMachinePool",
  ],
};

/** Files that kustomize reads to build, not objects applied to a cluster. */
const BUILD_FILE_GROUPS = new Set(["kustomize.config.k8s.io"]);

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/** `group/Kind`, or just `Kind` for the core group. */
export function kindKey(group: string, kind: string): string {
  return group ? `${group}/${kind}` : kind;
}

/** Kind scopes known before reading the repository: built-in, Flux, Cluster API, and the configuration's extras. */
export class KindScopes {
  private readonly byKey = new Map<string, KindScope>();
  private readonly byBareKind = new Map<string, KindScope>();

  constructor(config: { clusterScopedKinds: string[]; namespacedKinds: string[] }) {
    for (const [group, kinds] of Object.entries(KNOWN_NAMESPACED)) {
      for (const kind of kinds) this.byKey.set(kindKey(group, kind), "namespaced");
    }
    for (const [group, kinds] of Object.entries(BUILT_IN_CLUSTER_SCOPED)) {
      for (const kind of kinds) this.byKey.set(kindKey(group, kind), "cluster");
    }
    for (const [entries, scope] of [
      [config.namespacedKinds, "namespaced"],
      [config.clusterScopedKinds, "cluster"],
    ] as const) {
      for (const entry of entries) {
        if (entry.includes("/")) this.byKey.set(entry, scope);
        else this.byBareKind.set(entry, scope);
      }
    }
  }

  /** Learns a custom kind's scope from a CustomResourceDefinition (`spec.scope`). */
  learn(group: string, kind: string, scope: KindScope): void {
    this.byKey.set(kindKey(group, kind), scope);
  }

  /** The kind's scope, "build" for kustomize build files, or null when unknown. */
  scopeOf(apiVersion: string, kind: string): KindScope | "build" | null {
    const group = groupOf(apiVersion);
    if (BUILD_FILE_GROUPS.has(group)) return "build";
    return this.byBareKind.get(kind) ?? this.byKey.get(kindKey(group, kind)) ?? null;
  }
}
