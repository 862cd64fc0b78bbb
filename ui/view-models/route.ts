/**
 * The dashboard's routes live in the URL's hash (`#/instances?status=Running`,
 * `#/instance/<id>`), so the server serves one page and Back/Forward and bookmarks work
 * without it knowing the routes.
 */
import type { InstanceFilter } from "../api-types.js";
import { filterFromParams, paramsFromFilter } from "./filters.js";

export type Route =
  | { page: "instances"; filter: InstanceFilter }
  | { page: "instance"; instanceId: string }
  | { page: "bulk"; filter: InstanceFilter }
  | { page: "start"; name?: string }
  | { page: "workers" };

/** The route a location hash names; anything unknown is the instance list. */
export function parseRoute(hash: string): Route {
  const [path = "", query = ""] = hash.replace(/^#/, "").split("?", 2);
  const params = new URLSearchParams(query);
  const instance = /^\/instance\/(.+)$/.exec(path);
  if (instance) return { page: "instance", instanceId: decodeURIComponent(instance[1]!) };
  if (path === "/bulk") return { page: "bulk", filter: filterFromParams(params) };
  if (path === "/start") {
    const name = params.get("name");
    return name ? { page: "start", name } : { page: "start" };
  }
  if (path === "/workers") return { page: "workers" };
  return { page: "instances", filter: filterFromParams(params) };
}

/** The hash of a route, e.g. for an `href`. */
export function routeHash(route: Route): string {
  const withQuery = (path: string, params: URLSearchParams): string => {
    const query = params.toString();
    return `#${path}${query ? `?${query}` : ""}`;
  };
  switch (route.page) {
    case "instances":
      return withQuery("/instances", paramsFromFilter(route.filter));
    case "instance":
      return `#/instance/${encodeURIComponent(route.instanceId)}`;
    case "bulk":
      return withQuery("/bulk", paramsFromFilter(route.filter));
    case "start":
      return withQuery("/start", new URLSearchParams(route.name ? { name: route.name } : {}));
    case "workers":
      return "#/workers";
  }
}
