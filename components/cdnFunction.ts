/**
 * Code of the CloudFront Functions (runtime `cloudfront-js-2.0`) in front of the sites. The code
 * never depends on the deployment state or the bypass token: both live in the function's
 * KeyValueStore, so a state change writes one key and leaves functions and distributions alone.
 */
import { MAINTENANCE_HTML } from "./maintenanceContent";

export const FUNCTION_RUNTIME = "cloudfront-js-2.0";
/** KeyValueStore key holding the bypass token. */
export const BYPASS_TOKEN_KEY = "maintenance-bypass-token";
export const GATE_ON = "on";
export const GATE_OFF = "off";

/** KeyValueStore key holding `on`/`off` for a tier's maintenance gate. */
export function gateKey(tier: string): string {
  return `maintenance-${tier}`;
}

/**
 * S3's REST endpoint (what Origin Access Control signs for) has no index documents, unlike the
 * website endpoint the sites used before: a path ending in `/` gets `index.html` appended.
 */
const INDEX_REWRITE = [
  "  var request = event.request;",
  "  if (request.uri.endsWith('/')) request.uri += 'index.html';",
];

export function indexFunctionCode(): string {
  return ["function handler(event) {", ...INDEX_REWRITE, "  return request;", "}", ""].join("\n");
}

/**
 * Index rewrite, then the maintenance gate: while the tier's key says `on`, a request passes
 * only with the bypass header carrying the token from the store; otherwise it gets the same
 * 503 page as the load balancer. A missing key counts as `on` (fail closed). CloudFront hands
 * functions lower-case header names.
 */
export function gateFunctionCode(headerName: string, tier: string): string {
  const response = {
    statusCode: 503,
    statusDescription: "Service Unavailable",
    headers: {
      "content-type": { value: "text/html; charset=utf-8" },
      "cache-control": { value: "no-store" },
    },
    body: { encoding: "text", data: MAINTENANCE_HTML },
  };
  return [
    "import cf from 'cloudfront';",
    "const store = cf.kvs();",
    `const HEADER = ${JSON.stringify(headerName.toLowerCase())};`,
    `const MAINTENANCE = ${JSON.stringify(response)};`,
    "async function read(key) {",
    "  try { return await store.get(key); } catch (missing) { return undefined; }",
    "}",
    "async function handler(event) {",
    ...INDEX_REWRITE,
    `  if ((await read(${JSON.stringify(gateKey(tier))})) === ${JSON.stringify(GATE_OFF)}) return request;`,
    "  var header = request.headers[HEADER];",
    `  var token = await read(${JSON.stringify(BYPASS_TOKEN_KEY)});`,
    "  if (header && token && header.value === token) return request;",
    "  return MAINTENANCE;",
    "}",
    "",
  ].join("\n");
}
