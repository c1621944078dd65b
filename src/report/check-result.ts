/** What a check concluded, ready to be written as a GitHub check run. */
export interface CheckResult {
  conclusion: "success" | "failure" | "neutral" | "skipped" | "action_required";
  /** One line: what is wrong, or that all is well. */
  title: string;
  /** Markdown: the details and how to fix them. */
  summary: string;
  text?: string;
  annotations?: CheckAnnotation[];
  /** Written as `in_progress` (the conclusion is then not sent): a check that waits for outside reports (Rollout). */
  inProgress?: true;
}

export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: "notice" | "warning" | "failure";
  title?: string;
  message: string;
}
