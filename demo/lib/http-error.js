// @ts-check

/** An error answered to the client with GitHub's error shape. */
export class HttpError extends Error {
  /** @param {number} status @param {string} message @param {Array<Record<string, unknown>>} [errors] */
  constructor(status, message, errors) {
    super(message);
    this.status = status;
    this.errors = errors;
  }
}

/** @param {string} field @param {string} code @param {string} [message] */
export function validationFailed(field, code, message) {
  return new HttpError(422, "Validation Failed", [
    { resource: "Resource", field, code, ...(message ? { message } : {}) },
  ]);
}
