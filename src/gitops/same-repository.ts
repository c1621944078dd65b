import gitUrlParse from "git-url-parse";

/**
 * Whether two repository URLs name the same repository, in any of the forms Flux, Argo CD and git accept:
 * `https://host/o/r(.git)(/)`, `ssh://git@host/o/r`, `git@host:o/r.git`, upper or lower case. `oci://` and Helm
 * repository URLs are never a Git repository: they compare equal only to the same registry path.
 */
export function sameRepository(a: string, b: string): boolean {
  const left = repositoryKey(a) ?? plain(a);
  const right = repositoryKey(b) ?? plain(b);
  return left !== "" && left === right;
}

/** A URL without an owner/name path (a Helm repository's root): compared as text, less case and trailing `/`. */
const plain = (url: string) =>
  url
    .trim()
    .replace(/\/+$/, "")
    .replace(/\.git$/, "")
    .toLowerCase();

/** `host/owner/name` in lower case (`oci:` kept apart), or null when the text is not a URL at all. */
export function repositoryKey(url: string): string | null {
  const text = url.trim();
  if (!text) return null;
  try {
    const parsed = gitUrlParse(text);
    const host = parsed.resource.toLowerCase();
    const path = (parsed.full_name || parsed.name).replace(/\.git$/, "").toLowerCase();
    if (!host || !path) return null;
    const oci = parsed.protocol === "oci" || text.toLowerCase().startsWith("oci://");
    return `${oci ? "oci:" : ""}${host}/${path}`;
  } catch {
    return null;
  }
}

/** An `oci://` URL: an artifact in a registry (Helm chart or manifests), never this Git repository. */
export const isOciUrl = (url: string): boolean => url.trim().toLowerCase().startsWith("oci://");
