// The implementation is plain ESM under demo/lib so that `npm run demo` (plain node) shares it with the tests.
export {
  HISTORY_FILE,
  buildHistoryRepo,
  git,
  loadHistory,
  rewindHistory,
  type History,
  type HistoryCommit,
} from "../../demo/lib/history-repo.js";
