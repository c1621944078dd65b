// @ts-check
// A nock reply for the app's `blobTexts` GraphQL query (src/github/git-data.ts): every aliased `bN: object(oid: $bN)`
// gets the text stored under that SHA, as GitHub's Blob object answers it.

/**
 * @param {Map<string, string>} textBySha
 * @param {(variables: Record<string, string>) => void} [onQuery]
 */
export function answerBlobTexts(textBySha, onQuery) {
  return async (/** @type {Request} */ request) => {
    const body = /** @type {{ variables: Record<string, string> }} */ (await request.json());
    onQuery?.(body.variables);
    /** @type {Record<string, unknown>} */
    const repository = {};
    for (const [name, sha] of Object.entries(body.variables)) {
      const text = textBySha.get(sha);
      if (!/^b\d+$/.test(name)) continue;
      repository[name] =
        text === undefined ? null : { text, isTruncated: false, byteSize: Buffer.byteLength(text) };
    }
    return { data: { repository } };
  };
}

/** Whether a nock request body is the app's blob-texts query. @param {any} body */
export const isBlobTextsQuery = (body) =>
  typeof body === "object" && /query blobTexts/.test(String(body?.query));
