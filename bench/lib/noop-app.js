// The reference for webhook answer latency: a Probot app that takes every event and does nothing with it.
/** @param {import("probot").Probot} app */
export default (app) => {
  app.onAny(async () => {});
};
