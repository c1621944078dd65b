import { parentPort } from "node:worker_threads";
import { toPortable } from "../rules/manifest-transfer.js";
import { parseManifests } from "../rules/parse-manifests.js";

// The manifest parser's thread (see manifest-parser.ts): parses one file per message and answers plain data.
parentPort?.on("message", (message: { path: string; text: string }) => {
  parentPort?.postMessage({ manifest: toPortable(parseManifests(message.path, message.text)) });
});
