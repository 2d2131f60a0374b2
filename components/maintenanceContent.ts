/**
 * The bodies the load balancer returns during maintenance. The ALB serves them itself
 * (fixed-response), so each must be self-contained and at most 1024 bytes.
 */

export const MAINTENANCE_HTML = [
  "<!doctype html>",
  '<html lang="en"><head><meta charset="utf-8">',
  '<meta name="viewport" content="width=device-width,initial-scale=1">',
  // No favicon request: during maintenance it would only fetch a second 503 page.
  '<link rel="icon" href="data:,">',
  "<title>Graasp - maintenance</title>",
  "<style>",
  "body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;",
  "font-family:system-ui,sans-serif;background:#f5f4ff;color:#28264a}",
  "main{box-sizing:border-box;max-width:32rem;width:100%;padding:2rem 1.5rem;text-align:center}",
  "h1{font-size:1.6rem;color:#5050d2;margin:0 0 1rem}",
  "p{font-size:1.05rem;line-height:1.5;margin:.5rem 0;overflow-wrap:break-word;text-wrap:balance}",
  "</style></head><body><main>",
  "<h1>Graasp is under maintenance</h1>",
  "<p>We are updating the platform. Your work is safe.</p>",
  "<p>Please come back in a little while.</p>",
  '<p lang="fr">Graasp est en maintenance. Merci de revenir plus tard.</p>',
  "</main></body></html>",
].join("");

export const MAINTENANCE_JSON = JSON.stringify({
  statusCode: 503,
  error: "Service Unavailable",
  code: "GMAINTENANCE",
  message: "Graasp is under maintenance. Please try again later.",
});
