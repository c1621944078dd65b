import { describe, expect, test } from "@jest/globals";
import { parseManifests } from "../../src/rules/parse-manifests.js";

// Issue 14, class 4: the Folder layout check reported these files "in place" without checking them (or called
// 1000-level nesting a syntax error). Each now gets its own finding saying what is wrong and how to fix it.
const OBJECT = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n";
const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(OBJECT, "utf16le")]).toString("utf8");
const bomb =
  "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n" +
  "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n" +
  OBJECT;

const rows: Array<[string, string, RegExp]> = [
  ["an alias bomb", bomb, /alias bomb/],
  ["an undefined alias", `${OBJECT}data: *nope\n`, /Unresolved alias.*Define the anchor/],
  ["an unknown tag", `${OBJECT}data: !evil x\n`, /Unresolved tag: !evil.*standard tags/],
  ["a NUL byte", `${OBJECT}data:\n  k: "a\u0000b"\n`, /NUL byte .*binary/],
  ["UTF-16 text", utf16, /UTF-16/],
  ["binary content", "\u0000\u0001\u0002\u0003PNG\u0000\u0000\u0010", /NUL byte/],
  ["a non-string `kind`", "apiVersion: v1\nkind: 5\n", /`kind` is a number/],
  ["a list as `kind`", "apiVersion: v1\nkind: [a]\n", /`kind` is a list/],
  ["a missing `apiVersion`", "kind: ConfigMap\nmetadata:\n  name: x\n", /`apiVersion` is missing/],
  ["1000-level nesting", `${OBJECT}data: ${"[".repeat(1000)}${"]".repeat(1000)}\n`, /nested too deeply/],
];

describe("manifest content the layout check cannot read gets its own finding", () => {
  test.each(rows)("%s", (_name, text, message) => {
    const parsed = parseManifests("tenants/aws/prod/team/cm.yaml", text);
    expect(parsed.objects).toEqual([]);
    expect(parsed.findings).toHaveLength(1);
    expect(parsed.findings[0]).toMatchObject({ rule: "manifest-content", severity: "error" });
    expect(parsed.findings[0]!.message).toMatch(message);
  });

  test("a valid object and a document that is not a Kubernetes object stay silent", () => {
    const parsed = parseManifests("a.yaml", `${OBJECT}---\nreplicas: 3\n`);
    expect(parsed.findings).toEqual([]);
    expect(parsed.objects).toHaveLength(1);
  });
});
