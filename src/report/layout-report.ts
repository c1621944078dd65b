import type { CheckAnnotation, CheckResult } from "./check-result.js";
import type { LayoutFinding, LayoutRule } from "../rules/layout-finding.js";
import type { LayoutEvaluation } from "../rules/evaluate-layout.js";
import { inlineCode, neutraliseMentions, truncateUtf8, utf8Length } from "../util/markdown.js";

/** What each rule means and how to fix its findings; the summary shows it once per rule. */
export const LAYOUT_RULES: Record<LayoutRule, { title: string; fix: string }> = {
  "layout-path": {
    title: "File outside the folder layout",
    fix: "Move the file to the folder its area's template expects (`layout.templates`), or allow it with `layout.allowed`.",
  },
  "layout-segment": {
    title: "Folder name not allowed here",
    fix: "Rename the folder to an allowed value, or extend `layout.segments` if the new value is intended.",
  },
  "layout-name": {
    title: "Invalid name",
    fix: "Kubernetes names are DNS-1123 labels: lower-case letters, digits and `-` (see `layout.names`).",
  },
  "layout-extension": {
    title: "Not a manifest",
    fix: "Files in deployment folders are applied by Flux: give them a manifest extension or move them out.",
  },
  "yaml-syntax": { title: "YAML syntax error", fix: "Fix the YAML at the annotated line and column." },
  "manifest-content": {
    title: "Manifest that cannot be checked",
    fix: "Each finding says what is wrong (encoding, aliases, tags, nesting, `apiVersion`/`kind`) and what to write instead.",
  },
  "scope-placement": {
    title: "Object in the wrong scope folder",
    fix: "Cluster-scoped kinds belong under `non-namespaced/`, namespaced kinds under `namespaced/`.",
  },
  "unknown-kind": {
    title: "Unknown kind (scope not checked)",
    fix: "Add the kind's CustomResourceDefinition to the repository or list it in `layout.namespacedKinds`/`layout.clusterScopedKinds`.",
  },
  "namespace-mismatch": {
    title: "Namespace does not match its folder",
    fix: "Make `metadata.namespace` equal the namespace folder, or move the file.",
  },
  "kustomization-path": {
    title: "Flux Kustomization path does not exist",
    fix: "Point `spec.path` at an existing folder (a typo there silently applies nothing).",
  },
  "kustomization-path-unverified": {
    title: "Flux Kustomization path not verified",
    fix: "Nothing to fix: `spec.path` uses post-build substitution (`${VAR}`), so its folder is only known on the cluster.",
  },
  "not-parsed": {
    title: "File not parsed",
    fix: "Nothing to do; split very large manifests if they should be checked.",
  },
  "scope-path": {
    title: "PR title scope does not name the changed area",
    fix: "Use the changed feature, cloud, cluster, namespace or tenant as the title's scope (`layout.scopePath`).",
  },
};

const MAX_LINES_PER_RULE = 50;

/** Check-run output: conclusion from the worst finding, summary grouped by rule, one annotation per file finding. */
export function reportLayout(evaluation: LayoutEvaluation, note?: string): CheckResult {
  const { findings } = evaluation;
  const count = (severity: LayoutFinding["severity"]) =>
    findings.filter((f) => f.severity === severity).length;
  const errors = count("error");
  const warnings = count("warning");
  const notices = count("notice");
  const conclusion = errors ? "failure" : "success";
  const tally = [
    errors ? `${errors} error${errors === 1 ? "" : "s"}` : null,
    warnings ? `${warnings} warning${warnings === 1 ? "" : "s"}` : null,
    notices ? `${notices} notice${notices === 1 ? "" : "s"}` : null,
  ].filter(Boolean);
  const title = errors
    ? `Folder layout: ${tally.join(", ")}`
    : `${evaluation.checkedFiles} changed file${evaluation.checkedFiles === 1 ? "" : "s"} in place${
        tally.length ? ` (${tally.join(", ")})` : ""
      }`;
  const lines: string[] = [
    `Checked ${evaluation.checkedFiles} changed file${evaluation.checkedFiles === 1 ? "" : "s"} ` +
      `(${evaluation.parsedFiles} manifest${evaluation.parsedFiles === 1 ? "" : "s"} parsed).`,
  ];
  if (note) lines.push("", note);
  const byRule = new Map<LayoutRule, LayoutFinding[]>();
  for (const finding of findings) byRule.set(finding.rule, [...(byRule.get(finding.rule) ?? []), finding]);
  for (const [rule, list] of byRule) {
    const info = LAYOUT_RULES[rule];
    lines.push("", `### ${info.title} (${list.length})`, "", `How to fix: ${info.fix}`, "");
    for (const finding of list.slice(0, MAX_LINES_PER_RULE)) {
      const where = finding.path
        ? `${inlineCode(`${finding.path}${finding.line ? `:${finding.line}` : ""}`)}: `
        : "";
      lines.push(`- ${where}${findingMarkdown(finding.message)}`);
    }
    if (list.length > MAX_LINES_PER_RULE)
      lines.push(`- … and ${list.length - MAX_LINES_PER_RULE} more (see the annotations)`);
  }
  if (evaluation.notParsed.length) {
    lines.push(
      "",
      `Not parsed (not manifests): ${evaluation.notParsed.length} file${evaluation.notParsed.length === 1 ? "" : "s"}.`,
    );
  }
  return { conclusion, title, summary: fitSummary(lines), annotations: findings.flatMap(toAnnotation) };
}

function fitSummary(lines: string[]): string {
  const summary = lines.join("\n");
  if (utf8Length(summary) <= 65_535) return summary;
  return truncateUtf8(summary, 65_535, "\n\n… (summary truncated: every finding is also an annotation)");
}

function toAnnotation(finding: LayoutFinding): CheckAnnotation[] {
  if (!finding.path) return [];
  const line = finding.line ?? 1;
  return [
    {
      path: finding.path,
      start_line: line,
      end_line: line,
      ...(finding.column ? { start_column: finding.column, end_column: finding.column } : {}),
      annotation_level:
        finding.severity === "error" ? "failure" : finding.severity === "warning" ? "warning" : "notice",
      title: LAYOUT_RULES[finding.rule].title,
      message: finding.message,
    },
  ];
}

/**
 * Finding messages quote paths and values (`JSON.stringify`, code spans) inside the rules' own Markdown: HTML is
 * turned into entities, `](` cannot open a link and mentions are made inert, so a file named `<img src=…>.yaml` or `@org/team` renders as text.
 */
function findingMarkdown(message: string): string {
  // No rule message contains a link: a `](` can only come from a quoted path, and must not become one.
  return neutraliseMentions(
    message.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\]\(/g, "]\\("),
  );
}
