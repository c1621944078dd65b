import {
  compileLayoutTemplates,
  matchLayoutPath,
  type LayoutTemplateSettings,
} from "../rules/layout-templates.js";
import { err, ok, type Result } from "../util/result.js";
import type { LayoutPathMatcher } from "./platform-impact.js";

/** The layout rules as a path → area + named segments matcher (compiled once per configuration). */
export function layoutPathMatcher(settings: LayoutTemplateSettings): Result<LayoutPathMatcher, string> {
  const compiled = compileLayoutTemplates(settings);
  if (!compiled.ok)
    return err(
      compiled.error
        .map((p) => `\`layout.${p.path.join(".")}\`: got ${JSON.stringify(p.value)} — ${p.message}`)
        .join("; "),
    );
  const layout = compiled.value;
  return ok((path) => matchLayoutPath(layout, path));
}
