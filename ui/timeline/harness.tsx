/**
 * An entry that shows one of this folder's views alone, for the browser tests
 * (test/browser/timeline.test.ts): `#<instanceId>` names the instance whose history the
 * timeline shows, `?view=list` shows the list instead, `?page=charts&pollMs=…` the metrics
 * charts. Not part of the dashboard's build (the Instance page there shows the same views).
 */
import { render } from "preact";
import { MetricsCharts } from "../charts/MetricsCharts.js";
import { HistoryList } from "./HistoryList.js";
import { Timeline } from "./Timeline.js";
import { useHistory } from "./use-history.js";

function HistoryViews({ instanceId, list }: { instanceId: string; list: boolean }) {
  const loaded = useHistory(instanceId);
  if (loaded.error) return <p role="alert">{loaded.error}</p>;
  return list ? <HistoryList history={loaded.history} total={loaded.total} loadMore={loaded.loadMore} /> : <Timeline history={loaded.history} total={loaded.total} loadMore={loaded.loadMore} />;
}

const params = new URLSearchParams(location.search);
const app = document.getElementById("app")!;
if (params.get("page") === "charts") render(<MetricsCharts intervalMs={Number(params.get("pollMs") ?? 5000)} />, app);
else render(<HistoryViews instanceId={decodeURIComponent(location.hash.slice(1))} list={params.get("view") === "list"} />, app);
