/** Every rule the "Folder layout" check applies; the summary groups findings by rule. */
export type LayoutRule =
  | "layout-path"
  | "layout-segment"
  | "layout-name"
  | "layout-extension"
  | "yaml-syntax"
  | "manifest-content"
  | "scope-placement"
  | "unknown-kind"
  | "namespace-mismatch"
  | "kustomization-path"
  | "kustomization-path-unverified"
  | "not-parsed"
  | "scope-path";

/** One thing wrong (or worth knowing) about one file; `path` is "" for findings about the PR itself (its title). */
export interface LayoutFinding {
  path: string;
  /** 1-based line and column, when known. */
  line?: number;
  column?: number;
  rule: LayoutRule;
  severity: "error" | "warning" | "notice";
  message: string;
}

/** Stable order: by path, then line, then rule. */
export function sortFindings(findings: LayoutFinding[]): LayoutFinding[] {
  return [...findings].sort(
    (a, b) =>
      (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      a.rule.localeCompare(b.rule),
  );
}
