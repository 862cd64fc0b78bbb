/**
 * An entry that shows one of this folder's views alone, for the browser tests and the bench
 * (test/browser/timeline.test.ts, bench/dashboard-browser.ts): `#<instanceId>` names the
 * instance, `?view=list` opens the list, `?page=charts&pollMs=…` shows the metrics charts
 * instead. Not part of the dashboard's build.
 */
import { render } from "preact";
import { MetricsCharts } from "../charts/MetricsCharts.js";
import { InstanceHistory } from "./InstanceHistory.js";

const params = new URLSearchParams(location.search);
const app = document.getElementById("app")!;
if (params.get("page") === "charts") {
  render(<MetricsCharts intervalMs={Number(params.get("pollMs") ?? 5000)} />, app);
} else {
  const instanceId = decodeURIComponent(location.hash.slice(1));
  render(<InstanceHistory instanceId={instanceId} initialView={params.get("view") === "list" ? "list" : "timeline"} />, app);
}
