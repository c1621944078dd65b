import { describe, expect, test } from "@jest/globals";
import { setSourceRef, type RefusalCode, type SourceTarget } from "../../src/gitops/set-source-ref.js";
import { loadHistory } from "../helpers/history-repo.js";

const RELEASE: SourceTarget = { kind: "GitRepository", name: "release", namespace: "flux-system" };
const RELEASE_PATH = "providers/aws/v1/mgmt/namespaced/flux-system/gitrepository-release.yaml";

/** The real release file as the given commit of the real history wrote it. */
function realReleaseFile(subjectPrefix: string): string {
  const commit = loadHistory().commits.find((c) => c.subject.startsWith(subjectPrefix));
  const change = commit?.changes.find((c) => c.path === RELEASE_PATH);
  if (!change?.content) throw new Error(`no release file in "${subjectPrefix}"`);
  return change.content;
}
const AT_MAIN = realReleaseFile("providers(aws): add flux-system self-management (#5)");
const AT_V1 = realReleaseFile("chore(release): promote v0.0.1 to aws prod (#9)");
const AT_V2 = realReleaseFile("chore(release): promote v0.0.2 to aws prod (#11)");
const AT_V3 = realReleaseFile("chore(release): promote v0.0.3 to aws prod (#14)");

const flux = (apiVersion: string, ref: string, extra = "") =>
  `apiVersion: source.toolkit.fluxcd.io/${apiVersion}
kind: GitRepository
metadata:
  name: release
  namespace: flux-system
spec:
  interval: 5m0s
${ref}${extra}  url: https://github.com/example/platform
`;

interface Case {
  name: string;
  input: string;
  tag: string;
  target?: SourceTarget;
  rollback?: boolean;
  /** Exact new text, `"unchanged"`, or the refusal code with a fragment of the message. */
  expected: string | "unchanged" | { code: RefusalCode; says: string };
}

const OCI: SourceTarget = { kind: "OCIRepository", name: "release", namespace: "flux-system" };
const ARGO: SourceTarget = { kind: "Application", name: "platform", namespace: "argocd" };
const ARGO_MULTI: SourceTarget = { ...ARGO, repoURL: "https://github.com/example/platform.git" };

const cases: Case[] = [
  // The real release file at each point of its history.
  { name: "real #5 branch: main → v0.0.1 (first promotion)", input: AT_MAIN, tag: "v0.0.1", expected: AT_V1 },
  { name: "real v0.0.1 → v0.0.2", input: AT_V1, tag: "v0.0.2", expected: AT_V2 },
  { name: "real v0.0.2 → v0.0.3", input: AT_V2, tag: "v0.0.3", expected: AT_V3 },
  { name: "real v0.0.3 → v0.0.3 (already there)", input: AT_V3, tag: "v0.0.3", expected: "unchanged" },
  {
    name: "real v0.0.3 → v0.0.2 (automatic never downgrades)",
    input: AT_V3,
    tag: "v0.0.2",
    expected: { code: "downgrade", says: "`/promote v0.0.2`" },
  },
  {
    name: "real v0.0.3 → v0.0.2 as an explicit rollback",
    input: AT_V3,
    tag: "v0.0.2",
    rollback: true,
    expected: AT_V2,
  },
  // Quoting styles.
  {
    name: "double-quoted value stays double-quoted",
    input: flux("v1", '  ref:\n    tag: "v1.2.3"\n'),
    tag: "v1.3.0",
    expected: flux("v1", '  ref:\n    tag: "v1.3.0"\n'),
  },
  {
    name: "single-quoted value stays single-quoted",
    input: flux("v1", "  ref:\n    tag: 'v1.2.3'\n"),
    tag: "v1.3.0",
    expected: flux("v1", "  ref:\n    tag: 'v1.3.0'\n"),
  },
  {
    name: "quoted branch key and value become a quoted tag",
    input: flux("v1beta2", '  ref:\n    "branch": "main"\n'),
    tag: "v1.0.0",
    expected: flux("v1beta2", '  ref:\n    "tag": "v1.0.0"\n'),
  },
  {
    name: "a tag that would read back as a number is quoted",
    input: flux("v1", "  ref:\n    tag: v1\n"),
    tag: "2.0",
    rollback: true,
    expected: flux("v1", '  ref:\n    tag: "2.0"\n'),
  },
  // Comments, indentation, key order.
  {
    name: "comments before, after and on the value's line are kept",
    input: flux("v1", "  ref:\n    # promoted by the bot\n    tag: v1.2.3 # production\n    # end of ref\n"),
    tag: "v1.10.0",
    expected: flux(
      "v1",
      "  ref:\n    # promoted by the bot\n    tag: v1.10.0 # production\n    # end of ref\n",
    ),
  },
  {
    name: "four-space indentation and ref before interval",
    input:
      "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n    namespace: flux-system\n    name: release\nspec:\n    ref:\n        tag: v0.9.0\n    interval: 1m\n",
    tag: "v0.10.0",
    expected:
      "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n    namespace: flux-system\n    name: release\nspec:\n    ref:\n        tag: v0.10.0\n    interval: 1m\n",
  },
  {
    name: "tag and branch both set: the tag (which wins) moves, the branch stays",
    input: flux("v1", "  ref:\n    branch: main\n    tag: v1.0.0\n"),
    tag: "v1.0.1",
    expected: flux("v1", "  ref:\n    branch: main\n    tag: v1.0.1\n"),
  },
  // apiVersions.
  {
    name: "v1beta1",
    input: flux("v1beta1", "  ref:\n    tag: v0.0.1\n"),
    tag: "v0.0.2",
    expected: flux("v1beta1", "  ref:\n    tag: v0.0.2\n"),
  },
  {
    name: "v1beta2",
    input: flux("v1beta2", "  ref:\n    tag: v0.0.1\n"),
    tag: "v0.0.2",
    expected: flux("v1beta2", "  ref:\n    tag: v0.0.2\n"),
  },
  {
    name: "v1",
    input: flux("v1", "  ref:\n    tag: v0.0.1\n"),
    tag: "v0.0.2",
    expected: flux("v1", "  ref:\n    tag: v0.0.2\n"),
  },
  // Flow style.
  {
    name: "flow style ref: {tag: …}",
    input: flux("v1", "  ref: {tag: v1.0.0}\n"),
    tag: "v1.1.0",
    expected: flux("v1", "  ref: {tag: v1.1.0}\n"),
  },
  {
    name: "flow style ref: { branch: main } becomes a tag",
    input: flux("v1", "  ref: { branch: main }\n"),
    tag: "v1.0.0",
    expected: flux("v1", "  ref: { tag: v1.0.0 }\n"),
  },
  // Line endings, BOM, several documents.
  {
    name: "CRLF line endings are kept",
    input: AT_V2.replaceAll("\n", "\r\n"),
    tag: "v0.0.3",
    expected: AT_V3.replaceAll("\n", "\r\n"),
  },
  { name: "a BOM is kept", input: `\uFEFF${AT_V2}`, tag: "v0.0.3", expected: `\uFEFF${AT_V3}` },
  {
    name: "multi-document file: only the release GitRepository changes",
    input: `# sources\n---\n${flux("v1", "  ref:\n    branch: main\n").replace("name: release", "name: main")}---\n${AT_V2}---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: release\n  namespace: flux-system\nspec:\n  path: ./clusters/prod\n  sourceRef:\n    kind: GitRepository\n    name: release\n`,
    tag: "v0.0.3",
    expected: `# sources\n---\n${flux("v1", "  ref:\n    branch: main\n").replace("name: release", "name: main")}---\n${AT_V3}---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: release\n  namespace: flux-system\nspec:\n  path: ./clusters/prod\n  sourceRef:\n    kind: GitRepository\n    name: release\n`,
  },
  {
    name: "no metadata.namespace: the object is taken to be the target",
    input: flux("v1", "  ref:\n    tag: v1.0.0\n").replace("  namespace: flux-system\n", ""),
    tag: "v1.0.1",
    expected: flux("v1", "  ref:\n    tag: v1.0.1\n").replace("  namespace: flux-system\n", ""),
  },
  // OCIRepository and Argo CD.
  {
    name: "OCIRepository spec.ref.tag",
    input:
      "apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: OCIRepository\nmetadata:\n  name: release\n  namespace: flux-system\nspec:\n  interval: 5m\n  url: oci://ghcr.io/example/manifests\n  ref:\n    tag: 1.4.0 # semver without v\n",
    target: OCI,
    tag: "1.5.0",
    expected:
      "apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: OCIRepository\nmetadata:\n  name: release\n  namespace: flux-system\nspec:\n  interval: 5m\n  url: oci://ghcr.io/example/manifests\n  ref:\n    tag: 1.5.0 # semver without v\n",
  },
  {
    name: "Argo CD Application spec.source.targetRevision",
    input:
      "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: platform\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: https://github.com/example/platform.git\n    targetRevision: v2.0.0\n    path: clusters/prod\n",
    target: ARGO,
    tag: "v2.1.0",
    expected:
      "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: platform\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: https://github.com/example/platform.git\n    targetRevision: v2.1.0\n    path: clusters/prod\n",
  },
  {
    name: "Argo CD Application following HEAD moves to the tag",
    input:
      "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: platform\n  namespace: argocd\nspec:\n  source:\n    repoURL: https://github.com/example/platform\n    targetRevision: HEAD\n",
    target: ARGO,
    tag: "v1.0.0",
    expected:
      "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: platform\n  namespace: argocd\nspec:\n  source:\n    repoURL: https://github.com/example/platform\n    targetRevision: v1.0.0\n",
  },
  {
    name: "Argo CD spec.sources: only the entry with the configured repoURL moves",
    input:
      "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: platform\n  namespace: argocd\nspec:\n  sources:\n    - repoURL: https://charts.example.com\n      chart: ingress\n      targetRevision: 4.0.0\n    - repoURL: https://github.com/example/platform\n      targetRevision: 'v3.0.0'\n      path: clusters/prod\n",
    target: ARGO_MULTI,
    tag: "v3.0.1",
    expected:
      "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: platform\n  namespace: argocd\nspec:\n  sources:\n    - repoURL: https://charts.example.com\n      chart: ingress\n      targetRevision: 4.0.0\n    - repoURL: https://github.com/example/platform\n      targetRevision: 'v3.0.1'\n      path: clusters/prod\n",
  },
  {
    name: "broken YAML in a document of another kind does not block the edit",
    input: `apiVersion: v1\nkind: ConfigMap\ndata: {broken\n---\n${AT_V2}`,
    tag: "v0.0.3",
    expected: `apiVersion: v1\nkind: ConfigMap\ndata: {broken\n---\n${AT_V3}`,
  },
  // Refusals.
  {
    name: "semver set: Flux would ignore the tag",
    input: flux("v1", "  ref:\n    semver: '>=1.0.0'\n    tag: v1.0.0\n"),
    tag: "v1.1.0",
    expected: { code: "precedence", says: "`spec.ref.semver: >=1.0.0` (line 9)" },
  },
  {
    name: "name set: Flux would ignore the tag",
    input: flux("v1", "  ref:\n    name: refs/heads/main\n    tag: v1.0.0\n"),
    tag: "v1.1.0",
    expected: { code: "precedence", says: "`spec.ref.name: refs/heads/main`" },
  },
  {
    name: "commit set: Flux would ignore the tag",
    input: flux("v1", `  ref:\n    commit: ${"a".repeat(40)}\n    branch: main\n`),
    tag: "v1.1.0",
    expected: { code: "precedence", says: "Remove `commit` to promote by tag" },
  },
  {
    name: "OCIRepository digest set",
    input:
      "apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: OCIRepository\nmetadata:\n  name: release\n  namespace: flux-system\nspec:\n  ref:\n    digest: sha256:abc\n    tag: 1.0.0\n",
    target: OCI,
    tag: "1.1.0",
    expected: { code: "registry", says: "`spec.ref.digest: sha256:abc`" },
  },
  {
    name: "templated ${TAG} is left alone",
    input: flux("v1", "  ref:\n    tag: ${RELEASE_TAG}\n"),
    tag: "v1.1.0",
    expected: { code: "templated", says: "`tag: ${RELEASE_TAG}` (line 9)" },
  },
  {
    name: "two documents are the release GitRepository",
    input: `${AT_V2}---\n${AT_V2}`,
    tag: "v0.0.3",
    expected: {
      code: "ambiguous",
      says: "2 documents in this file are GitRepository `flux-system/release` (starting at lines 1, 13)",
    },
  },
  {
    name: "Argo CD spec.sources without a configured repoURL",
    input:
      "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: platform\n  namespace: argocd\nspec:\n  sources:\n    - repoURL: https://github.com/example/platform\n      targetRevision: v1.0.0\n",
    target: ARGO,
    tag: "v1.0.1",
    expected: { code: "ambiguous", says: "configure the target's `repoURL`" },
  },
  {
    name: "Argo CD pinned to a commit",
    input: `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: platform\n  namespace: argocd\nspec:\n  source:\n    repoURL: https://github.com/example/platform\n    targetRevision: ${"b".repeat(40)}\n`,
    target: ARGO,
    tag: "v1.0.1",
    expected: { code: "precedence", says: "pinned to commit" },
  },
  {
    name: "another namespace: not the target",
    input: AT_V2.replace("namespace: flux-system", "namespace: staging"),
    tag: "v0.0.3",
    expected: { code: "not-found", says: "No GitRepository `flux-system/release` in this file." },
  },
  {
    name: "a number where the tag should be",
    input: flux("v1", "  ref:\n    tag: 1.0\n"),
    tag: "v1.1.0",
    expected: { code: "not-a-string", says: '(`tag: "1.0"`)' },
  },
  {
    name: "pinned tag is not a version: the automatic path cannot order it",
    input: flux("v1", "  ref:\n    tag: stable\n"),
    tag: "v1.0.0",
    expected: { code: "unordered", says: "Promote it explicitly with `/promote v1.0.0`" },
  },
  {
    name: "no spec.ref",
    input: flux("v1", ""),
    tag: "v1.0.0",
    expected: { code: "no-ref", says: "has no `spec.ref` mapping" },
  },
  {
    name: "invalid YAML",
    input: "apiVersion: source.toolkit.fluxcd.io/v1\nkind: [GitRepository\nmetadata: {name: release}\n",
    tag: "v1.0.0",
    expected: { code: "invalid-yaml", says: "The file is not valid YAML" },
  },
  {
    name: "a tag with a space",
    input: AT_V2,
    tag: "v0.0.3 x",
    expected: { code: "bad-tag", says: '"v0.0.3 x"' },
  },
];

describe("setSourceRef", () => {
  test("covers at least 25 manifests", () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  test.each(cases)("$name", ({ input, tag, target, rollback, expected }) => {
    const result = setSourceRef(input, target ?? RELEASE, tag, { allowDowngrade: rollback });
    if (typeof expected === "string") {
      if (!result.ok) throw new Error(`refused: ${result.error.code}: ${result.error.message}`);
      expect(result.value.changed).toBe(expected !== "unchanged");
      expect(result.value.text).toBe(expected === "unchanged" ? input : expected);
    } else {
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.code).toBe(expected.code);
      expect(result.error.message).toContain(expected.says);
    }
  });

  test("the real PR #14: promoting v0.0.3 over v0.0.2 changes exactly line 9, as the real commit did", () => {
    const history = loadHistory();
    const squash = history.commits.find((c) => c.sha === history.refs["refs/heads/main"])!;
    expect(squash.subject).toBe("chore(release): promote v0.0.3 to aws prod (#14)");
    const after = squash.changes.find((c) => c.path === RELEASE_PATH)!.content!;
    const result = setSourceRef(AT_V2, RELEASE, "v0.0.3");
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.text).toBe(after);
    const before = AT_V2.split("\n");
    const changedLines = result.value.text
      .split("\n")
      .flatMap((line, i) => (line === before[i] ? [] : [i + 1]));
    expect(changedLines).toEqual([9]);
    expect(result.value.from).toEqual({ field: "tag", value: "v0.0.2", line: 9 });
  });
});
