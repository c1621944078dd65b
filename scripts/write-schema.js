#!/usr/bin/env node
// Writes schema.json (JSON Schema of .github/gitops-release-bot.yml) from the zod schema in src/config/schema.ts.
// `--check` exits 1 when the committed schema.json is stale. Needs `npm run build` first (reads lib/).
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { z } from "zod";
import { configSchema } from "../lib/config/schema.js";

const schema = {
  ...z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }),
  $id: "https://github.com/gitops-release-bot/gitops-release-bot/schema.json",
  title: "gitops-release-bot configuration",
};
// `_extends` is resolved by Probot before validation: allow it in editors too.
schema.properties = {
  _extends: {
    type: "string",
    description: "Inherit from another repository's file: `repo` or `owner/repo:path`.",
  },
  ...schema.properties,
};
const text = `${JSON.stringify(schema, null, 2)}\n`;
const file = new URL("../schema.json", import.meta.url);
if (process.argv.includes("--check")) {
  if (!existsSync(file) || readFileSync(file, "utf8") !== text) {
    console.error("schema.json is stale: run `npm run schema` and commit the result.");
    process.exit(1);
  }
  console.log("schema.json is up to date");
} else {
  writeFileSync(file, text);
  console.log("wrote schema.json");
}
